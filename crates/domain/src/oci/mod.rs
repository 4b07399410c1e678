//! OCI session and database tokens: the types, the error kinds, the ports the
//! OCI adapters implement and the use cases (refresh, validate, db-token get).
//!
//! The browser login (`session authenticate`) is mostly process work — a
//! loopback listener and a browser — so it lives in the CLI; it only uses the
//! ports defined here to write its results.

mod error;
mod jwt;
mod ports;
mod types;
mod usecase;

#[cfg(test)]
mod tests;

pub use error::OciError;
pub use jwt::{SessionClaims, decode_claims};
pub use ports::{OciAuthService, OciFiles, OciKeys};
pub use types::{
    DEFAULT_DB_SCOPE, DbScope, DbTokenRequest, KeyPair, KeySize, OciProfile, OciProfileName,
    PrivateKeyPem, Region, SessionCredentials,
};
pub use usecase::{
    DbTokenIssued, GetDbToken, REFRESH_BEFORE_EXPIRY, RefreshSession, SessionState, ValidateSession,
};

/// Mocks of the OCI ports, for tests in this crate.
#[cfg(test)]
pub(crate) mod mocks {
    pub use super::ports::{MockOciAuthService, MockOciFiles, MockOciKeys};
}

//! OCI session and database tokens: the types, the error kinds, the ports the
//! OCI adapters implement and the use cases (refresh, validate, db-token get,
//! and the token exchange that makes a session from an identity-domain login).
//!
//! The browser login (`session authenticate`) is mostly process work — a
//! loopback listener and a browser — so it lives in the CLI; it only uses the
//! ports defined here to write its results.

mod error;
mod exchange;
mod jwt;
pub mod layout;
mod oke;
mod ports;
mod tenancy;
mod types;
mod usecase;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exchange;
#[cfg(test)]
mod tests_lock;
#[cfg(test)]
mod tests_oke;

pub use error::OciError;
pub use exchange::{ExchangeSession, ExchangeTarget, SessionExchanged, spki_base64};
pub use jwt::{RsaPublicNumbers, SessionClaims, bound_public_key, decode_claims, string_claim};
pub use oke::{
    CLUSTER_TOKEN_LIFETIME, ClusterCredential, ClusterId, ClusterToken, ClusterTokenSigner,
    GetClusterToken,
};
pub use ports::{OciAuthService, OciFiles, OciKeys, TokenExchanger};
pub use tenancy::{TenancyChange, TenancyOcid, TenancyRefusal};
pub use types::{
    ConsoleLoginKey, DEFAULT_DB_SCOPE, DbScope, DbTokenRequest, KeyPair, KeySize, OciLock,
    OciProfile, OciProfileName, PrivateKeyPem, Region, SessionCredentials,
};
pub use usecase::{
    DbTokenIssued, GetDbToken, REFRESH_BEFORE_EXPIRY, RefreshSession, SessionState, ValidateSession,
};

/// Mocks of the OCI ports, for tests in this crate.
#[cfg(test)]
pub(crate) mod mocks {
    pub use super::oke::MockClusterTokenSigner;
    pub use super::ports::{MockOciAuthService, MockOciFiles, MockOciKeys, MockTokenExchanger};
}

//! The pure core of oci-iam-sso.
//!
//! What lives here: the token types (secret newtypes that redact themselves),
//! token lifecycles decided against an injected clock, the RFC 8628 polling
//! state machine, the error taxonomy, the ports (traits) adapters implement,
//! and the use cases that drive them.
//!
//! What does not: any I/O. No runtime, no HTTP, no SQLite, no filesystem and no
//! system clock — adapters bring those, and tests bring mocks and a manual clock.
//! Nor any screen: remedies and exit codes are the command line's.

mod device;
mod error;
mod fingerprint;
pub mod keep;
pub mod oci;
mod path;
mod ports;
mod profile;
mod retry;
mod rotation;
mod scope;
mod secret;
mod status;
mod time;
mod token;
mod url;
mod usecase;

pub use device::{
    DEFAULT_POLL_INTERVAL, DeviceAuthorization, DeviceLoginFailure, DevicePoll, PollStep,
    SLOW_DOWN_INCREMENT,
};
pub use error::{
    CertificateProblem, Error, InvalidGrant, InvalidInput, OAuthError, OAuthErrorKind,
    ProviderError, StoreError, TransportFailure, one_line,
};
pub use fingerprint::fingerprint;
pub use path::expand_tilde;
pub use ports::{
    Endpoints, IdentityProvider, Presenter, ProfileLock, ResourceClient, ResourceRequest,
    ResourceResponse, RotationRecord, TokenStore,
};
pub use profile::{KnownEndpoints, Profile, ProfileName};
pub use retry::{RetryPolicy, may_have_consumed};
pub use rotation::{IgnoreNotices, Notice, Notices, PendingRotation};
pub use scope::{DEFAULT_SCOPE, Scope};
pub use secret::{
    AccessToken, ClientId, ClientSecret, DeviceCode, RefreshToken, SessionToken, UserCode,
};
pub use status::{AccessStatus, ProfileStatus, REFRESH_WARNING, RefreshStatus, StatusWarning};
pub use time::{Clock, Timestamp};
pub use token::{
    BEARER, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL, DEFAULT_SKEW, Generation, IssuedAccessToken,
    Lifecycle, TokenAnswerNote, TokenResponse, TokenSet, access_lifetime,
};
pub use url::{RequestTarget, ServiceUrl};
pub use usecase::{
    AccessTokens, DeviceLogin, ImportRefreshToken, LoginOptions, Logout, LogoutOutcome,
    MAX_IMPORTED_TOKEN_LEN, TokenRequest, call_with_bearer,
};

/// Mocks of the ports, for tests in this crate.
#[cfg(test)]
pub(crate) mod mocks {
    pub use crate::ports::{
        MockIdentityProvider, MockPresenter, MockProfileLock, MockResourceClient, MockTokenStore,
    };
}

// Test modules, one per topic; `test_support` holds the manual clock and builders.
#[cfg(test)]
mod device_tests;
#[cfg(test)]
mod keep_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_lifecycle;
#[cfg(test)]
mod tests_redaction;
#[cfg(test)]
mod tests_status;
#[cfg(test)]
mod tests_url;

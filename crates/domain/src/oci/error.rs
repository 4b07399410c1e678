//! Failures of the OCI use cases. Messages are one line and never include a
//! token, a key or a response body; what to do about each is the command
//! line's table (`crates/cli/src/remedy.rs`).

use crate::ProviderError;

/// Failures of the OCI session and database-token commands.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("the session of profile `{profile}` has expired and can no longer be refreshed")]
    SessionExpired { profile: String },
    #[error("the OCI auth service refused to refresh the session of profile `{profile}`")]
    RefreshRefused { profile: String },
    #[error("the OCI identity service does not accept the session of profile `{profile}`")]
    SessionInvalid { profile: String },
    #[error("profile `{profile}` has no session (no `security_token_file`)")]
    NoSession { profile: String },
    #[error("OCI config: {0}")]
    Config(String),
    /// The exchange with an OCI service failed (HTTP 401, 403, 404, 5xx, the
    /// network), or what it answered is not what a service sends.
    #[error("{}", service_message(.0))]
    Service(ProviderError),
    #[error("{path}: {detail}")]
    Files { path: String, detail: String },
    /// A refresh's answer would have been written beside a key it is not
    /// bound to: another program replaced the session meanwhile.
    #[error(
        "the session of profile `{profile}` was replaced by another program during the refresh; the refreshed token was not written"
    )]
    SessionChanged { profile: String },
    /// Another process held the lock of a session or db-token directory too long.
    #[error("{what} stayed locked by another process for {waited_secs} s")]
    Locked { what: String, waited_secs: u64 },
    /// No tenancy could be chosen for a new session (see
    /// [`TenancyOcid::for_new_session`](super::TenancyOcid::for_new_session)).
    #[error("profile [{profile}]: {refusal}")]
    Tenancy {
        profile: String,
        refusal: super::TenancyRefusal,
    },
    #[error("browser login failed: {0}")]
    Login(String),
    /// The browser login's local listener could not have its port: another
    /// program holds `address`. Nothing was sent and nothing written.
    #[error("the login listener cannot use {address}: another program is listening there")]
    PortBusy { address: String, port: u16 },
    #[error("{0}")]
    Other(String),
}

impl OciError {
    /// What a service answered (or a session token it sent) is not what it should be.
    pub fn malformed(endpoint: &str, problem: impl Into<String>) -> Self {
        OciError::Service(ProviderError::Malformed {
            endpoint: endpoint.to_owned(),
            problem: problem.into(),
        })
    }
}

/// The messages of [`ProviderError`] speak of OAuth and access tokens; the
/// OCI services sign requests with a session key and are not OAuth servers.
fn service_message(error: &ProviderError) -> String {
    match error {
        ProviderError::Unauthorized { endpoint } => format!(
            "{endpoint} answered HTTP 401 Unauthorized: the request signature or session was not accepted"
        ),
        ProviderError::Malformed { endpoint, problem } => {
            format!("{endpoint} sent a response that is not what was expected: {problem}")
        }
        other => other.to_string(),
    }
}

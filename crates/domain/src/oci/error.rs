//! Failures of the OCI commands, each with its remedy and exit code.
//! Messages never include a token, a key or a response body.

use crate::error::exit;

/// Failures of the OCI session and database-token commands.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    #[error(
        "{endpoint} answered HTTP 401 Unauthorized: the request signature or session was not accepted"
    )]
    Unauthorized { endpoint: String },
    #[error("{endpoint} answered HTTP {status}")]
    Server { endpoint: String, status: u16 },
    #[error("{endpoint} could not be reached: {detail}")]
    Transport { endpoint: String, detail: String },
    #[error("{endpoint} sent a response that is not what was expected: {problem}")]
    Malformed { endpoint: String, problem: String },
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
    #[error("{0}")]
    Other(String),
}

impl OciError {
    pub fn exit_code(&self) -> u8 {
        match self {
            OciError::SessionExpired { .. }
            | OciError::RefreshRefused { .. }
            | OciError::SessionInvalid { .. } => exit::SESSION_EXPIRED,
            OciError::NoSession { .. } => exit::NOT_LOGGED_IN,
            OciError::Config(_) => exit::CONFIG,
            OciError::Unauthorized { .. } => exit::UNAUTHORIZED,
            OciError::Server { .. } => exit::SERVER,
            OciError::Transport { .. } => exit::NETWORK,
            OciError::Malformed { .. } => exit::MALFORMED,
            OciError::Files { .. } => exit::STORE,
            OciError::SessionChanged { .. } | OciError::Locked { .. } => exit::STORE_BUSY,
            OciError::Login(_) => exit::DEVICE_LOGIN,
            OciError::Tenancy { refusal, .. } => match refusal {
                super::TenancyRefusal::Changed { .. } => exit::DEVICE_LOGIN,
                super::TenancyRefusal::ClaimNotOcid => exit::MALFORMED,
                super::TenancyRefusal::Unnamed => exit::CONFIG,
            },
            OciError::Other(_) => exit::FAILURE,
        }
    }

    pub fn remedy(&self) -> Option<String> {
        let authenticate =
            |profile: &str| format!("run `oci-iam-sso session authenticate --profile {profile}`");
        match self {
            OciError::SessionExpired { profile }
            | OciError::SessionInvalid { profile }
            | OciError::NoSession { profile } => Some(authenticate(profile)),
            OciError::RefreshRefused { profile } => Some(format!(
                "the session can no longer be refreshed; log in again: {}",
                authenticate(profile)
            )),
            OciError::Config(_) => {
                Some("fix the OCI config file (see `oci-iam-sso setup config --help`)".into())
            }
            OciError::Unauthorized { .. } => Some(
                "check the session (`oci-iam-sso session validate`) and that the user may get this token (IAM policy)".into(),
            ),
            OciError::Server { .. } => {
                Some("the service is having trouble; try again in a few minutes".into())
            }
            OciError::Transport { .. } => Some(
                "check the region, --endpoint, the network and any proxy (HTTPS_PROXY), then try again".into(),
            ),
            OciError::Malformed { .. } => {
                Some("check --endpoint (a proxy or login page may be answering instead)".into())
            }
            OciError::Files { .. } => {
                Some("check the permissions and free space of that directory".into())
            }
            OciError::SessionChanged { profile } => Some(format!(
                "the session on disk is the newer one; check it with `oci-iam-sso session validate --profile {profile}`"
            )),
            OciError::Locked { .. } => Some(
                "another oci-iam-sso command is using it; let it finish, then try again".into(),
            ),
            OciError::Tenancy { profile, refusal } => Some(match refusal {
                super::TenancyRefusal::Changed { .. } => format!(
                    "log in to the profile's tenancy (--tenancy-name NAME), or pass --allow-tenancy-change to switch profile [{profile}] to the new one"
                ),
                super::TenancyRefusal::Unnamed => format!(
                    "name the tenancy: `oci-iam-sso setup config --profile {profile} --tenancy OCID`, or --tenancy OCID on `session exchange`"
                ),
                super::TenancyRefusal::ClaimNotOcid => {
                    "the login service sent a token this tool cannot use; try again, and report it if it persists".into()
                }
            }),
            OciError::Login(_) => Some("run `oci-iam-sso session authenticate` again".into()),
            OciError::Other(_) => None,
        }
    }
}

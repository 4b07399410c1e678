//! OCI session and database tokens: types and error kinds. The OCI ports and
//! use cases join this module as they land.

use crate::error::exit;

/// Failures of the OCI session and database-token commands.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OciError {
    #[error("the session of profile `{profile}` has expired and can no longer be refreshed")]
    SessionExpired { profile: String },
    #[error("OCI config: {0}")]
    Config(String),
    #[error("{0}")]
    Other(String),
}

impl OciError {
    pub fn exit_code(&self) -> u8 {
        match self {
            OciError::SessionExpired { .. } => exit::SESSION_EXPIRED,
            OciError::Config(_) => exit::CONFIG,
            OciError::Other(_) => exit::FAILURE,
        }
    }

    pub fn remedy(&self) -> Option<String> {
        match self {
            OciError::SessionExpired { profile } => Some(format!(
                "run `oci-iam-sso session authenticate --profile {profile}`"
            )),
            OciError::Config(_) => {
                Some("fix the OCI config file (see `oci-iam-sso setup config --help`)".into())
            }
            OciError::Other(_) => None,
        }
    }
}

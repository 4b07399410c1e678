//! Kubernetes (OKE) credentials made from an OCI session, as the OCI CLI's
//! `ce cluster generate-token` makes them: a GET of the container engine's
//! `cluster_request/{cluster}` URL is signed with the session, and the signed
//! URL itself is the bearer token the cluster's API server checks with OCI.
//!
//! Unlike the OCI CLI, a session about to expire is refreshed first, and one
//! that cannot be refreshed fails at once: `kubectl` runs this as its exec
//! plugin and must never wait on a prompt (oci-cli issues #1119 and #734).

use std::time::Duration;

use zeroize::Zeroizing;

use crate::{Clock, Error, InvalidInput, Lifecycle, Timestamp};

use super::usecase::refresh;
use super::{
    OciAuthService, OciError, OciFiles, OciProfileName, REFRESH_BEFORE_EXPIRY, Region,
    SessionCredentials, decode_claims,
};

/// How long `kubectl` may reuse a credential: the OCI CLI says four minutes,
/// one less than the five the service allows a signed request's `date`.
pub const CLUSTER_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 60);

/// The OCID of an OKE cluster (`ocid1.cluster.oc1.iad.aaaa…`). It becomes a
/// URL path segment, so only OCID characters are accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterId(String);

impl ClusterId {
    pub fn new(value: &str) -> Result<Self, InvalidInput> {
        let value = value.trim();
        let ocid_chars = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if value.starts_with("ocid1.cluster.") && ocid_chars && value.len() <= 255 {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidInput::new(
                "cluster OCID",
                format!(
                    "`{}` is not a cluster OCID like `ocid1.cluster.oc1.iad.aaaa…`",
                    value.chars().take(80).collect::<String>()
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClusterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The bearer token a cluster's API server accepts: it carries the session
/// token inside, so it is a secret. Redacted in `Debug`, zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterToken(Zeroizing<String>);

impl ClusterToken {
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The token, for the credential printed to `kubectl` and nowhere else.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClusterToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClusterToken([redacted])")
    }
}

/// Makes a cluster token: signs `GET {containerengine}/cluster_request/{cluster}`
/// with the session. Pure computation, no request is sent.
#[cfg_attr(test, mockall::automock)]
pub trait ClusterTokenSigner: Send + Sync {
    /// MUST sign a GET of `https://containerengine.{region}.{realm domain}/cluster_request/{cluster}`
    /// (headers `date (request-target) host`, `date` = `at`) with the session
    /// key and key id `ST$<token>`, add the `authorization` and `date` values
    /// as URL-encoded query parameters of that URL, and return the URL encoded
    /// as base64url with padding.
    fn cluster_token(
        &self,
        region: &Region,
        cluster: &ClusterId,
        session: &SessionCredentials,
        at: Timestamp,
    ) -> Result<ClusterToken, OciError>;
}

/// What `oke token` prints (a Kubernetes `ExecCredential`'s status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterCredential {
    pub token: ClusterToken,
    pub expires_at: Timestamp,
    /// True when the session was refreshed first because it was about to expire.
    pub session_refreshed: bool,
}

/// `oke token`.
pub struct GetClusterToken<'a> {
    pub auth: &'a dyn OciAuthService,
    pub files: &'a dyn OciFiles,
    pub signer: &'a dyn ClusterTokenSigner,
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for GetClusterToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GetClusterToken")
    }
}

impl GetClusterToken<'_> {
    /// A credential for `cluster` in `cluster_region` (the profile's region
    /// when `None`). The session is refreshed at its own region when it
    /// expires within [`REFRESH_BEFORE_EXPIRY`], so a credential `kubectl`
    /// caches for four minutes never outlives it; an expired session, or one
    /// the service will not refresh, is an error at once.
    pub async fn run(
        &self,
        name: &OciProfileName,
        cluster: &ClusterId,
        cluster_region: Option<&Region>,
    ) -> Result<ClusterCredential, Error> {
        let (region, session, session_refreshed) = {
            // Under the session's lock: the key and token read are a pair.
            let _lock = self.files.lock_session(name).await?;
            let profile = self.files.load_profile(name).await?;
            let session = self.files.read_session(&profile).await?;
            let claims = decode_claims(session.token.expose_secret())?;
            let now = self.clock.now();
            let region = cluster_region.unwrap_or(&profile.region).clone();
            match claims.lifecycle(now, REFRESH_BEFORE_EXPIRY) {
                Lifecycle::Fresh => (region, session, false),
                Lifecycle::ExpiringSoon => {
                    let (session, _) =
                        refresh(self.auth, self.files, now, &profile, session).await?;
                    (region, session, true)
                }
                Lifecycle::Expired => {
                    return Err(OciError::SessionExpired {
                        profile: name.to_string(),
                    }
                    .into());
                }
            }
        };
        let now = self.clock.now();
        let token = self.signer.cluster_token(&region, cluster, &session, now)?;
        Ok(ClusterCredential {
            token,
            expires_at: now.plus(CLUSTER_TOKEN_LIFETIME),
            session_refreshed,
        })
    }
}

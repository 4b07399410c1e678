//! Cluster tokens for OKE, made as the OCI CLI's `ce cluster generate-token`
//! makes them (oci-cli, `containerengine_cli_extended.py`): a GET of
//! `https://containerengine.{region}.{realm domain}/cluster_request/{cluster}`
//! signed with the session (`date (request-target) host`), whose
//! `authorization` and `date` header values are then added to that URL as
//! form-encoded query parameters (in that order, as Python's `requests`
//! encodes a params dict); the token is the whole URL in base64url with
//! padding (Python's `base64.urlsafe_b64encode`).
//!
//! The OCI CLI writes `oraclecloud.com` into the URL whatever the realm; the
//! region's own realm domain is used here, which is the same for the
//! commercial realm and right for the others. `--endpoint` replaces the
//! scheme, host and port, as for the other OCI services.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use oci_iam_sso_domain::Timestamp;
use oci_iam_sso_domain::oci::{
    ClusterId, ClusterToken, ClusterTokenSigner, OciError, Region, SessionCredentials,
};

use super::client::{HttpOciAuthService, Service};
use super::pem::rsa_key_pair_from_pem;
use super::signer::{KeyId, SigningRequest, sign_request};

impl ClusterTokenSigner for HttpOciAuthService {
    fn cluster_token(
        &self,
        region: &Region,
        cluster: &ClusterId,
        session: &SessionCredentials,
        at: Timestamp,
    ) -> Result<ClusterToken, OciError> {
        let url = self.url(
            region,
            Service::ContainerEngine,
            &format!("/cluster_request/{}", cluster.as_str()),
        )?;
        cluster_token_for_url(url.as_url(), session, at)
    }
}

/// Signs a GET of `url` and returns the URL, with the signature as query
/// parameters, in padded base64url.
fn cluster_token_for_url(
    url: &url::Url,
    session: &SessionCredentials,
    at: Timestamp,
) -> Result<ClusterToken, OciError> {
    let key = rsa_key_pair_from_pem(session.private_key.expose_secret())
        .map_err(|e| OciError::Config(format!("the session's private key: {e}")))?;
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(at.unix()).unwrap_or(0));
    let request = SigningRequest {
        method: "GET",
        url,
        headers: &[],
        body: b"",
    };
    let signed = sign_request(
        &request,
        &key,
        KeyId::SessionToken(session.token.expose_secret()),
        date,
    )
    .map_err(|e| OciError::Other(format!("cannot sign the cluster request: {e}")))?;
    let header = |name: &str| {
        signed
            .get(name)
            .map(str::to_owned)
            .ok_or_else(|| OciError::Other(format!("the signer set no `{name}`")))
    };
    let mut full = url.clone();
    full.query_pairs_mut()
        .clear()
        .append_pair("authorization", &header("authorization")?)
        .append_pair("date", &header("date")?);
    let token = base64::engine::general_purpose::URL_SAFE.encode(full.as_str());
    Ok(ClusterToken::new(token))
}

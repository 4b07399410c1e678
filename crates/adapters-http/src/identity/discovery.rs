//! Finding the endpoints: the OIDC discovery document when the domain serves
//! one, the identity-domain paths when it does not.

use oci_iam_sso_domain::{Endpoints, ProviderError, ServiceUrl};
use reqwest::StatusCode;

use super::response::{Fields, error_answer, is_html, malformed};
use crate::client::Answer;

pub(crate) const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
pub(crate) const DEVICE_PATH: &str = "/oauth2/v1/device";
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";
pub(crate) const REVOKE_PATH: &str = "/oauth2/v1/revoke";

/// The identity domain's fixed paths under `domain`.
pub(crate) fn fallback_endpoints(domain: &ServiceUrl) -> Result<Endpoints, ProviderError> {
    Ok(Endpoints {
        token: domain.join_path(TOKEN_PATH)?,
        device_authorization: domain.join_path(DEVICE_PATH)?,
        revocation: Some(domain.join_path(REVOKE_PATH)?),
    })
}

/// The endpoints the discovery answer gives.
///
/// No document (404 and the like, or an HTML page where JSON should be) means
/// the fixed paths. A document without `device_authorization_endpoint` gets
/// the fixed device path (identity domains may leave it out); one without
/// `revocation_endpoint` has no revocation. Server errors are passed on: a
/// later attempt may find the document.
pub(crate) fn endpoints_from_answer(
    domain: &ServiceUrl,
    endpoint: &str,
    answer: Answer,
) -> Result<Endpoints, ProviderError> {
    let no_document = matches!(
        answer.status,
        StatusCode::NOT_FOUND
            | StatusCode::GONE
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
    ) || (answer.status.is_success() && is_html(&answer));
    if no_document {
        return fallback_endpoints(domain);
    }
    if !answer.status.is_success() {
        return Err(error_answer(
            endpoint,
            &answer,
            std::time::SystemTime::now(),
        ));
    }
    let mut fields = Fields::parse(endpoint, &answer)?;
    let mut url_member = |name: &str| -> Result<Option<ServiceUrl>, ProviderError> {
        match fields.optional_string(name)? {
            Some(text) => endpoint_url(domain, endpoint, name, &text).map(Some),
            None => Ok(None),
        }
    };
    let token = url_member("token_endpoint")?;
    let device_authorization = url_member("device_authorization_endpoint")?;
    let revocation = url_member("revocation_endpoint")?;
    let token = token.ok_or_else(|| {
        malformed(
            endpoint,
            "the discovery document has no token_endpoint".to_owned(),
        )
    })?;
    let device_authorization = match device_authorization {
        Some(url) => url,
        None => domain.join_path(DEVICE_PATH)?,
    };
    Ok(Endpoints {
        token,
        device_authorization,
        revocation,
    })
}

/// An advertised endpoint, held to the same rule as the domain URL (https, or
/// http to loopback) and never a downgrade from an https domain.
fn endpoint_url(
    domain: &ServiceUrl,
    endpoint: &str,
    name: &str,
    text: &str,
) -> Result<ServiceUrl, ProviderError> {
    let url = ServiceUrl::parse(text).map_err(|_| {
        malformed(
            endpoint,
            format!("{name} is not an https:// URL (http:// only to loopback)"),
        )
    })?;
    if domain.as_url().scheme() == "https" && url.as_url().scheme() != "https" {
        return Err(malformed(
            endpoint,
            format!("{name} uses http:// while the domain uses https://"),
        ));
    }
    Ok(url)
}

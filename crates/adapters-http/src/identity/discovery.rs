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

/// Whether the discovery answer says "no document here" (404 and the like,
/// or an HTML page where JSON should be).
pub(crate) fn no_document(answer: &Answer) -> bool {
    matches!(
        answer.status,
        StatusCode::NOT_FOUND
            | StatusCode::GONE
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
    ) || (answer.status.is_success() && is_html(answer))
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
    if no_document(&answer) {
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
/// http to loopback) and to the domain's own origin (scheme, host and port).
///
/// The refresh token, device codes and client secrets go wherever these point,
/// and the document is only the server's word: OpenID Connect Discovery 1.0
/// §4.3 asks clients to check that the `issuer` matches the URL they asked, and
/// Oracle documents every identity-domain OAuth endpoint under the domain URL
/// itself (`{domain}/oauth2/v1/...`). A document that moves an endpoint to
/// another origin is refused, not followed.
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
    if !url.same_origin(domain) {
        return Err(malformed(
            endpoint,
            format!(
                "{name} points to {}, not to the identity domain {}; tokens are only sent to the domain",
                url.origin(),
                domain.origin()
            ),
        ));
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

    use super::*;

    const ENDPOINT: &str =
        "discovery document https://idcs.example.com/.well-known/openid-configuration";

    fn domain() -> ServiceUrl {
        ServiceUrl::parse("https://idcs.example.com").unwrap()
    }

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn discover(status: u16, content_type: &str, body: &str) -> Result<Endpoints, ProviderError> {
        endpoints_from_answer(&domain(), ENDPOINT, answer(status, content_type, body))
    }

    fn problem(result: Result<Endpoints, ProviderError>) -> String {
        match result {
            Err(ProviderError::Malformed { problem, .. }) => problem,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn no_document_means_the_domain_paths() {
        let fallback = fallback_endpoints(&domain()).unwrap();
        assert_eq!(
            fallback.token.as_str(),
            "https://idcs.example.com/oauth2/v1/token"
        );
        for (status, content_type, body) in [
            (404, "text/plain", "not found"),
            (403, "text/html", "<html>forbidden</html>"),
            (200, "text/html", "<html>Sign In</html>"),
        ] {
            assert_eq!(
                discover(status, content_type, body).unwrap(),
                fallback,
                "{status}"
            );
        }
    }

    #[test]
    fn a_document_without_device_or_revocation_endpoints() {
        let endpoints = discover(
            200,
            "application/json",
            r#"{"token_endpoint":"https://idcs.example.com/t"}"#,
        )
        .unwrap();
        assert_eq!(endpoints.token.as_str(), "https://idcs.example.com/t");
        assert_eq!(
            endpoints.device_authorization.as_str(),
            "https://idcs.example.com/oauth2/v1/device"
        );
        assert_eq!(endpoints.revocation, None);
    }

    #[test]
    fn unsafe_or_missing_endpoints_are_refused() {
        let cases = [
            (
                r#"{"token_endpoint":"http://evil.example.com/t"}"#,
                "token_endpoint is not an https:// URL (http:// only to loopback)",
            ),
            (
                r#"{"token_endpoint":"http://127.0.0.1:9/t"}"#,
                "token_endpoint points to http://127.0.0.1:9, not to the identity domain https://idcs.example.com; tokens are only sent to the domain",
            ),
            (
                r#"{"token_endpoint":"https://idcs.example.com.evil.example/t"}"#,
                "token_endpoint points to https://idcs.example.com.evil.example, not to the identity domain https://idcs.example.com; tokens are only sent to the domain",
            ),
            (
                r#"{"token_endpoint":"https://idcs.example.com:8443/t"}"#,
                "token_endpoint points to https://idcs.example.com:8443, not to the identity domain https://idcs.example.com; tokens are only sent to the domain",
            ),
            (
                r#"{"token_endpoint":"https://idcs.example.com/t","device_authorization_endpoint":"evil.example/d"}"#,
                "device_authorization_endpoint points to https://evil.example, not to the identity domain https://idcs.example.com; tokens are only sent to the domain",
            ),
            (
                r#"{"token_endpoint":"https://idcs.example.com/t","revocation_endpoint":"ftp://x/r"}"#,
                "revocation_endpoint is not an https:// URL (http:// only to loopback)",
            ),
            (
                r#"{"issuer":"https://idcs.example.com"}"#,
                "the discovery document has no token_endpoint",
            ),
            (
                r#"{"token_endpoint":"#,
                "the body is not valid JSON (truncated?)",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(problem(discover(200, "application/json", body)), expected);
        }
    }

    #[test]
    fn a_server_error_is_passed_on_not_replaced_by_the_fallback() {
        let error = discover(503, "text/html", "<html>busy</html>").unwrap_err();
        assert!(matches!(error, ProviderError::Server { status: 503, .. }));
    }
}

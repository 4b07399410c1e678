//! [`HttpOciAuthService`]: the domain's `OciAuthService` port over HTTP —
//! session refresh and scoped database tokens at `https://auth.{region}.{realm}`,
//! session validation with a signed `GET /20160918/regions` at
//! `https://identity.{region}.oci.{realm}` — every request signed with the
//! session key (OCI request signatures). `--endpoint` / `OCI_CLI_ENDPOINT` replaces both bases
//! (https, or http to loopback only: a [`ServiceUrl`]).
//!
//! Errors name the endpoint and status, never a response body (a body can
//! hold a token), and no request is retried (a refresh is not idempotent).

use std::time::SystemTime;

use async_trait::async_trait;
use oci_iam_sso_domain::oci::{DbScope, OciAuthService, OciError, Region, SessionCredentials};
use oci_iam_sso_domain::{ProviderError, ServiceUrl, SessionToken};
use reqwest::StatusCode;
use serde_json::json;

use super::pem::rsa_key_pair_from_pem;
use super::signer::{KeyId, SigningRequest, sign_request};
use crate::client::{Answer, HttpSettings, LazyClient, describe_endpoint, read_answer};

/// Answers of the auth service are small JSON documents.
const BODY_LIMIT: usize = 256 * 1024;

/// The OCI auth and identity services for one process.
#[derive(Debug)]
pub struct HttpOciAuthService {
    http: LazyClient,
    endpoint: Option<ServiceUrl>,
}

#[derive(Clone, Copy)]
pub(super) enum Service {
    Auth,
    Identity,
    ContainerEngine,
}

impl HttpOciAuthService {
    /// Cheap: the HTTP client is built on the first request.
    pub fn new(settings: HttpSettings, endpoint: Option<ServiceUrl>) -> Self {
        Self {
            http: LazyClient::new(settings),
            endpoint,
        }
    }

    /// `path` on `service` in `region`, or on `--endpoint` when one is given.
    pub(super) fn url(
        &self,
        region: &Region,
        service: Service,
        path: &str,
    ) -> Result<ServiceUrl, OciError> {
        let base = match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => {
                let base = match service {
                    Service::Auth => region.auth_url(),
                    Service::Identity => region.identity_url(),
                    Service::ContainerEngine => region.container_engine_url(),
                };
                ServiceUrl::parse(&base).map_err(|e| OciError::Config(e.to_string()))?
            }
        };
        base.join_path(path)
            .map_err(|e| OciError::Config(e.to_string()))
    }

    /// Sends one signed request and reads the answer.
    async fn signed(
        &self,
        method: reqwest::Method,
        url: &ServiceUrl,
        body: Option<Vec<u8>>,
        session: &SessionCredentials,
        what: &str,
    ) -> Result<(String, Answer), OciError> {
        let endpoint = describe_endpoint(what, url.as_url());
        let key = rsa_key_pair_from_pem(session.private_key.expose_secret())
            .map_err(|e| OciError::Config(format!("the session's private key: {e}")))?;
        let body = body.unwrap_or_default();
        let content_type = [("content-type".to_owned(), "application/json".to_owned())];
        let request = SigningRequest {
            method: method.as_str(),
            url: url.as_url(),
            headers: &content_type,
            body: &body,
        };
        let signed = sign_request(
            &request,
            &key,
            KeyId::SessionToken(session.token.expose_secret()),
            SystemTime::now(),
        )
        .map_err(|e| OciError::Other(format!("{endpoint}: cannot sign the request: {e}")))?;
        let client = self
            .http
            .get()
            .map_err(|e| OciError::Config(e.to_string()))?;
        let mut builder = client.request(method.clone(), url.as_url().clone());
        for (name, value) in &signed.headers {
            // reqwest writes `host` and `content-length` itself, from the URL and
            // the body: the same values that were signed.
            if !matches!(*name, "host" | "content-length") {
                builder = builder.header(*name, header_value(name, value, &endpoint)?);
            }
        }
        if matches!(method, reqwest::Method::POST) {
            builder = builder.body(body);
        }
        let answer = read_answer(builder, &endpoint, BODY_LIMIT)
            .await
            .map_err(OciError::Service)?;
        Ok((endpoint, answer))
    }

    /// A signed POST of a JSON body to the auth service that answers `{"token": …}`.
    async fn post_for_token(
        &self,
        region: &Region,
        path: &str,
        body: serde_json::Value,
        session: &SessionCredentials,
        what: &str,
    ) -> Result<SessionToken, OciError> {
        let url = self.url(region, Service::Auth, path)?;
        let (endpoint, answer) = self
            .signed(
                reqwest::Method::POST,
                &url,
                Some(body.to_string().into_bytes()),
                session,
                what,
            )
            .await?;
        token_answer(&endpoint, &answer)
    }
}

/// A signed header's value. `authorization` carries `keyId="ST$<session
/// token>"`, so it is marked sensitive: HTTP/2 keeps it out of the HPACK
/// table and `Debug` of the request or header map prints `Sensitive`.
fn header_value(
    name: &str,
    value: &str,
    endpoint: &str,
) -> Result<reqwest::header::HeaderValue, OciError> {
    let mut header = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        OciError::Other(format!(
            "{endpoint}: the signed `{name}` header is not valid"
        ))
    })?;
    header.set_sensitive(name.eq_ignore_ascii_case("authorization"));
    Ok(header)
}

/// A `{"token": "…"}` answer, or the error its status means.
fn token_answer(endpoint: &str, answer: &Answer) -> Result<SessionToken, OciError> {
    check_status(endpoint, answer)?;
    #[derive(serde::Deserialize)]
    struct TokenBody {
        token: String,
    }
    let parsed: TokenBody = serde_json::from_slice(&answer.body)
        .map_err(|_| OciError::malformed(endpoint, "the answer is not JSON with a `token`"))?;
    let token = SessionToken::new(parsed.token);
    if token.is_empty() {
        return Err(OciError::malformed(endpoint, "the `token` is empty"));
    }
    Ok(token)
}

/// What a status other than 2xx means. OCI's error body (`{code, message}`)
/// is not read: the status says enough, and a body can echo the request.
fn check_status(endpoint: &str, answer: &Answer) -> Result<(), OciError> {
    let status = answer.status;
    let code = status.as_u16();
    let endpoint = endpoint.to_owned();
    let error = match status {
        _ if status.is_success() => return Ok(()),
        StatusCode::UNAUTHORIZED => ProviderError::Unauthorized { endpoint },
        // 429 is the service shedding load, like a 5xx. No request is retried
        // here, so `Retry-After` is not read.
        StatusCode::TOO_MANY_REQUESTS => ProviderError::Server {
            endpoint,
            status: code,
            retry_after: None,
        },
        // 403 (no IAM policy allows it), 404 (wrong region or endpoint), 400 (a
        // refused scope or key): sending the same request again will not help.
        _ if status.is_client_error() => ProviderError::Rejected {
            endpoint,
            status: code,
        },
        // Redirects are not followed (see `client::build_client`).
        _ if status.is_redirection() => ProviderError::Malformed {
            endpoint,
            problem: format!(
                "HTTP {code} redirect, which is not followed (a login page or proxy answered?)"
            ),
        },
        _ => ProviderError::Server {
            endpoint,
            status: code,
            retry_after: None,
        },
    };
    Err(OciError::Service(error))
}

#[async_trait]
impl OciAuthService for HttpOciAuthService {
    async fn refresh_session(
        &self,
        region: &Region,
        session: &SessionCredentials,
    ) -> Result<SessionToken, OciError> {
        let body = json!({ "currentToken": session.token.expose_secret() });
        self.post_for_token(
            region,
            "/v1/authentication/refresh",
            body,
            session,
            "session refresh",
        )
        .await
    }

    async fn generate_db_token(
        &self,
        region: &Region,
        session: &SessionCredentials,
        scope: &DbScope,
        public_key_pem: &str,
    ) -> Result<SessionToken, OciError> {
        let body = json!({ "scope": scope.as_str(), "publicKey": public_key_pem });
        self.post_for_token(
            region,
            "/v1/actions/generateScopedAccessToken",
            body,
            session,
            "database token",
        )
        .await
    }

    async fn validate_session(
        &self,
        region: &Region,
        session: &SessionCredentials,
    ) -> Result<bool, OciError> {
        let url = self.url(region, Service::Identity, "/20160918/regions")?;
        let (endpoint, answer) = self
            .signed(
                reqwest::Method::GET,
                &url,
                None,
                session,
                "identity regions",
            )
            .await?;
        match check_status(&endpoint, &answer) {
            Ok(()) => Ok(true),
            Err(OciError::Service(ProviderError::Unauthorized { .. })) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_header_is_sensitive_and_never_shown() {
        let signature = r#"Signature keyId="ST$secret.session.token",signature="x""#;
        let header = header_value("authorization", signature, "e").expect("valid header");
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("secret"));
        assert!(
            !header_value("date", "Tue, 21 Jul 2026 12:00:00 GMT", "e")
                .expect("valid header")
                .is_sensitive()
        );
        let error =
            header_value("authorization", "ST$secret\n", "e").expect_err("a line break is refused");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}

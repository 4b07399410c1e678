//! Calls to resource servers (EPM REST and the like) with
//! `Authorization: Bearer`: the domain's `ResourceClient` port.
//!
//! Every HTTP status comes back as `Ok` (the caller decides what a 401 means),
//! and redirects are returned, not followed, so the token never travels to a
//! host it was not meant for.

use async_trait::async_trait;
use oci_iam_sso_domain::{
    AccessToken, InvalidInput, ProviderError, ResourceClient, ResourceRequest, ResourceResponse,
};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::client::{HttpSettings, LazyClient, describe_endpoint, read_answer};

/// Resource answers can be files (EPM snapshots); this only stops a runaway.
const BODY_LIMIT: usize = 512 * 1024 * 1024;

/// Sends requests to resource servers with a bearer token.
#[derive(Debug)]
pub struct HttpResourceClient {
    client: LazyClient,
}

impl HttpResourceClient {
    /// Cheap: the reqwest client is built on the first request.
    pub fn new(settings: HttpSettings) -> Self {
        Self {
            client: LazyClient::new(settings),
        }
    }
}

#[async_trait]
impl ResourceClient for HttpResourceClient {
    async fn send(
        &self,
        request: &ResourceRequest,
        token: &AccessToken,
    ) -> Result<ResourceResponse, ProviderError> {
        let endpoint = describe_endpoint("resource", request.url.as_url());
        let built = build_request(self.client.get()?, request, token)?;
        let answer = read_answer(built, &endpoint, BODY_LIMIT).await?;
        let headers = answer
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        Ok(ResourceResponse {
            status: answer.status.as_u16(),
            reason: answer
                .status
                .canonical_reason()
                .unwrap_or_default()
                .to_owned(),
            headers,
            body: answer.body,
        })
    }
}

/// The reqwest request for `request`, with the bearer header marked
/// sensitive (hidden from reqwest's and http's `Debug`).
fn build_request(
    client: &reqwest::Client,
    request: &ResourceRequest,
    token: &AccessToken,
) -> Result<reqwest::RequestBuilder, ProviderError> {
    let method = reqwest::Method::from_bytes(request.method.trim().to_ascii_uppercase().as_bytes())
        .map_err(|_| {
            InvalidInput::new(
                "HTTP method",
                format!("`{}` is not a method", request.method),
            )
        })?;
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            InvalidInput::new("HTTP header", format!("`{name}` is not a header name"))
        })?;
        if name == AUTHORIZATION {
            return Err(InvalidInput::new(
                "HTTP header",
                "Authorization is set from the profile's access token; do not pass one",
            )
            .into());
        }
        // The value is not quoted: a header can carry a credential.
        let value = HeaderValue::from_str(value.trim()).map_err(|_| {
            InvalidInput::new("HTTP header", format!("the value of `{name}` is not valid"))
        })?;
        headers.append(name, value);
    }
    headers.insert(AUTHORIZATION, bearer_header(token)?);
    let mut builder = client
        .request(method, request.url.as_url().clone())
        .headers(headers);
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    Ok(builder)
}

fn bearer_header(token: &AccessToken) -> Result<HeaderValue, InvalidInput> {
    let mut value = HeaderValue::from_str(&format!(
        "{} {}",
        oci_iam_sso_domain::BEARER,
        token.expose_secret()
    ))
    .map_err(|_| {
        InvalidInput::new(
            "access token",
            "contains characters an HTTP header cannot carry",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use oci_iam_sso_domain::ServiceUrl;

    fn request() -> ResourceRequest {
        ResourceRequest {
            method: "get".to_owned(),
            url: ServiceUrl::parse("https://epm.example.com/interop/rest/v1/services").unwrap(),
            headers: vec![("X-Trace".to_owned(), "abc".to_owned())],
            body: None,
        }
    }

    #[test]
    fn the_bearer_header_is_sensitive_and_hidden_from_debug() {
        let client = crate::client::build_client(&HttpSettings::default()).unwrap();
        let token = AccessToken::new("at-super-secret-value");
        let built = build_request(&client, &request(), &token)
            .unwrap()
            .build()
            .unwrap();
        let header = built.headers().get(AUTHORIZATION).unwrap();
        assert!(header.is_sensitive());
        assert_eq!(header.to_str().unwrap(), "Bearer at-super-secret-value");
        assert_eq!(built.method(), reqwest::Method::GET);
        assert_eq!(built.headers().get("x-trace").unwrap(), "abc");
        let debug = format!("{built:?} {:?}", built.headers());
        assert!(!debug.contains("at-super-secret-value"), "{debug}");
    }

    #[test]
    fn a_caller_supplied_authorization_header_is_refused() {
        let client = crate::client::build_client(&HttpSettings::default()).unwrap();
        let mut req = request();
        req.headers
            .push(("authorization".to_owned(), "Basic dXNlcjpwdw==".to_owned()));
        let error = build_request(&client, &req, &AccessToken::new("at")).unwrap_err();
        assert!(matches!(error, ProviderError::InvalidInput(_)));
        assert!(!error.to_string().contains("dXNlcjpwdw"), "{error}");
    }

    #[test]
    fn a_bad_method_is_invalid_input() {
        let client = crate::client::build_client(&HttpSettings::default()).unwrap();
        let mut req = request();
        req.method = "GE T".to_owned();
        let error = build_request(&client, &req, &AccessToken::new("at")).unwrap_err();
        assert!(matches!(error, ProviderError::InvalidInput(_)));
    }
}

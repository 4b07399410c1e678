//! The identity-domain OAuth client: the domain's `IdentityProvider` port over
//! HTTP (discovery, RFC 8628 device grant, refresh grant, RFC 7009 revocation),
//! and the token exchange for OCI sessions ([`exchange`]).
//!
//! This file builds and sends the requests; [`response`] reads the answers and
//! [`discovery`] finds the endpoints.

mod discovery;
mod exchange;
#[doc(hidden)]
pub mod fuzzing;
mod response;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    ClientId, ClientSecret, DeviceAuthorization, DeviceCode, Endpoints, IdentityProvider,
    ProviderError, RefreshToken, Scope, ServiceUrl, TokenResponse,
};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use tokio::sync::OnceCell;

use crate::client::{Answer, HttpSettings, LazyClient, describe_endpoint, read_answer};

/// Token and discovery answers are small; anything bigger is not one.
const BODY_LIMIT: usize = 1024 * 1024;
/// The content type the identity-domain guide's curl examples send.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded;charset=utf-8";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// An identity domain (or any OAuth 2.0 server) reached over HTTPS.
///
/// Construction is cheap: no TLS setup and no discovery happen until the
/// first request, and the discovered endpoints are kept for later requests.
#[derive(Debug)]
pub struct HttpIdentityProvider {
    domain: ServiceUrl,
    client: LazyClient,
    endpoints: OnceCell<Endpoints>,
    /// A confidential client authenticates every grant with HTTP Basic.
    client_secret: Option<ClientSecret>,
}

impl HttpIdentityProvider {
    /// A provider that discovers its endpoints on first use.
    pub fn new(domain_url: ServiceUrl, settings: HttpSettings) -> Self {
        Self {
            domain: domain_url,
            client: LazyClient::new(settings),
            endpoints: OnceCell::new(),
            client_secret: None,
        }
    }

    /// A provider with endpoints known already (cached by the caller), which
    /// skips discovery.
    pub fn with_endpoints(
        domain_url: ServiceUrl,
        endpoints: Endpoints,
        settings: HttpSettings,
    ) -> Self {
        Self {
            domain: domain_url,
            client: LazyClient::new(settings),
            endpoints: OnceCell::new_with(Some(endpoints)),
            client_secret: None,
        }
    }

    /// Authenticates every request that carries a `client_id` with HTTP Basic
    /// (`client_secret_basic`), as confidential clients must.
    pub fn with_client_secret(mut self, secret: Option<ClientSecret>) -> Self {
        self.client_secret = secret;
        self
    }

    /// Whether any request has been sent (the reqwest client is built lazily).
    pub fn client_is_built(&self) -> bool {
        self.client.is_built()
    }

    async fn discover(&self) -> Result<Endpoints, ProviderError> {
        let url = self.domain.join_path(discovery::DISCOVERY_PATH)?;
        let endpoint = describe_endpoint("discovery document", url.as_url());
        let request = self
            .client
            .get()?
            .get(url.as_url().clone())
            .header(ACCEPT, "application/json");
        let answer = read_answer(request, &endpoint, BODY_LIMIT).await?;
        discovery::endpoints_from_answer(&self.domain, &endpoint, answer)
    }

    /// POSTs a form to `url` and reads the answer.
    async fn post_form(
        &self,
        url: &ServiceUrl,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<Answer, ProviderError> {
        let mut request = self.form_request(url, form)?;
        let client_id = form.iter().find(|(name, _)| *name == "client_id");
        if let (Some(secret), Some((_, client_id))) = (&self.client_secret, client_id) {
            request = request.basic_auth(client_id, Some(secret.expose_secret()));
        }
        read_answer(request, endpoint, BODY_LIMIT).await
    }

    /// A form POST to `url`, not yet sent (the token exchange adds client
    /// authentication to it).
    fn form_request(
        &self,
        url: &ServiceUrl,
        form: &[(&str, &str)],
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        Ok(self
            .client
            .get()?
            .post(url.as_url().clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .body(body))
    }

    async fn token_endpoint(&self) -> Result<(ServiceUrl, String), ProviderError> {
        let url = self.endpoints().await?.token;
        let endpoint = describe_endpoint("token endpoint", url.as_url());
        Ok((url, endpoint))
    }
}

#[async_trait]
impl IdentityProvider for HttpIdentityProvider {
    async fn endpoints(&self) -> Result<Endpoints, ProviderError> {
        // Errors are not cached: the next call tries discovery again.
        self.endpoints
            .get_or_try_init(|| self.discover())
            .await
            .cloned()
    }

    async fn start_device_authorization(
        &self,
        client_id: &ClientId,
        scope: &Scope,
    ) -> Result<DeviceAuthorization, ProviderError> {
        let url = self.endpoints().await?.device_authorization;
        let endpoint = describe_endpoint("device authorization endpoint", url.as_url());
        let scope = scope.to_string();
        let form = [
            ("response_type", "device_code"),
            ("scope", scope.as_str()),
            ("client_id", client_id.as_str()),
        ];
        let answer = self.post_form(&url, &endpoint, &form).await?;
        response::device_authorization(&endpoint, answer)
    }

    async fn poll_device_token(
        &self,
        client_id: &ClientId,
        device_code: &DeviceCode,
    ) -> Result<TokenResponse, ProviderError> {
        let (url, endpoint) = self.token_endpoint().await?;
        let form = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code.expose_secret()),
            ("client_id", client_id.as_str()),
        ];
        let answer = self.post_form(&url, &endpoint, &form).await?;
        response::token_response(&endpoint, answer)
    }

    async fn refresh(
        &self,
        client_id: &ClientId,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse, ProviderError> {
        let (url, endpoint) = self.token_endpoint().await?;
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        // Sent once: after a failure the token may already be consumed, and
        // only the caller (holding the profile lock) may decide what follows.
        let answer = self.post_form(&url, &endpoint, &form).await?;
        response::token_response(&endpoint, answer)
    }

    async fn revoke(
        &self,
        client_id: &ClientId,
        token: &RefreshToken,
    ) -> Result<bool, ProviderError> {
        let Some(url) = self.endpoints().await?.revocation else {
            return Ok(false);
        };
        let endpoint = describe_endpoint("revocation endpoint", url.as_url());
        let form = [
            ("token", token.expose_secret()),
            ("token_type_hint", "refresh_token"),
            ("client_id", client_id.as_str()),
        ];
        let answer = self.post_form(&url, &endpoint, &form).await?;
        response::revocation(&endpoint, answer).map(|()| true)
    }
}

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

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use oci_iam_sso_domain::{
    ClientId, ClientSecret, DeviceAuthorization, DeviceCode, Endpoints, IdentityProvider,
    ProviderError, RefreshToken, Scope, ServiceUrl, TokenResponse,
};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use tracing::{Instrument, debug, info, info_span, warn};

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
    endpoints: Mutex<Option<InUse>>,
    /// A confidential client authenticates every grant with HTTP Basic.
    client_secret: Option<ClientSecret>,
}

/// The endpoints requests go to, and where they came from.
#[derive(Clone, Debug)]
struct InUse {
    endpoints: Endpoints,
    /// Given by the caller (remembered by an earlier process), not found by
    /// this one: a 404 there means they moved, and discovery runs once.
    remembered: bool,
    /// Whether the trace has said that no discovery is needed.
    announced: bool,
}

impl HttpIdentityProvider {
    /// A provider that discovers its endpoints on first use.
    pub fn new(domain_url: ServiceUrl, settings: HttpSettings) -> Self {
        Self {
            domain: domain_url,
            client: LazyClient::new(settings),
            endpoints: Mutex::new(None),
            client_secret: None,
        }
    }

    /// A provider with endpoints known already (remembered by the caller),
    /// which skips discovery; see [`HttpIdentityProvider::remembering`].
    pub fn with_endpoints(
        domain_url: ServiceUrl,
        endpoints: Endpoints,
        settings: HttpSettings,
    ) -> Self {
        Self::new(domain_url, settings).remembering(Some(endpoints))
    }

    /// Starts from endpoints an earlier process found (the profile's
    /// `known_endpoints`), so no discovery request is sent while they work.
    /// When one answers 404 or 410 (it moved), discovery runs once and the
    /// request goes to what it names. Endpoints off the domain's origin are
    /// ignored: tokens only ever go to the domain.
    pub fn remembering(self, endpoints: Option<Endpoints>) -> Self {
        let usable = endpoints.filter(|endpoints| {
            let on_origin = endpoints.all_on_origin_of(&self.domain);
            if !on_origin {
                warn!(domain = %self.domain, "remembered endpoints leave the domain's origin: ignored, discovering instead");
            }
            on_origin
        });
        *self.in_use() = usable.map(|endpoints| InUse {
            endpoints,
            remembered: true,
            announced: false,
        });
        self
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

    fn in_use(&self) -> MutexGuard<'_, Option<InUse>> {
        // Only plain values are written under it: a panic leaves no half state.
        self.endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The endpoints to use now, discovered on first use when none were given.
    async fn current(&self) -> Result<InUse, ProviderError> {
        if let Some(in_use) = self.in_use().as_mut() {
            if in_use.remembered && !in_use.announced {
                in_use.announced = true;
                debug!(
                    domain = %self.domain,
                    token_endpoint = %in_use.endpoints.token,
                    "endpoints remembered with the profile: no discovery request"
                );
            }
            return Ok(in_use.clone());
        }
        // Errors are not kept: the next call tries discovery again.
        let endpoints = self.discover().await?;
        let in_use = InUse {
            endpoints,
            remembered: false,
            announced: true,
        };
        *self.in_use() = Some(in_use.clone());
        Ok(in_use)
    }

    /// Checks that the domain URL names an identity domain, before a profile
    /// is saved: the endpoints of its discovery document (OpenID Connect
    /// Discovery 1.0, which identity domains serve at
    /// `/.well-known/openid-configuration`), or `Ok(None)` when the server
    /// answers but serves no such document (a 404, an HTML page). Unlike
    /// [`IdentityProvider::endpoints`], never falls back to the fixed paths.
    pub async fn check_domain(&self) -> Result<Option<Endpoints>, ProviderError> {
        let span = info_span!("discovery", domain = %self.domain, check = true);
        async {
            let url = self.domain.join_path(discovery::DISCOVERY_PATH)?;
            let endpoint = describe_endpoint("discovery document", url.as_url());
            let request = self
                .client
                .get()?
                .get(url.as_url().clone())
                .header(ACCEPT, "application/json");
            let answer = read_answer(request, &endpoint, BODY_LIMIT).await?;
            let status = answer.status.as_u16();
            if discovery::no_document(&answer) {
                info!(status, "no discovery document");
                return Ok(None);
            }
            let endpoints = discovery::endpoints_from_answer(&self.domain, &endpoint, answer)?;
            info!(status, token_endpoint = %endpoints.token, "endpoints discovered");
            Ok(Some(endpoints))
        }
        .instrument(span)
        .await
    }

    async fn discover(&self) -> Result<Endpoints, ProviderError> {
        let span = info_span!("discovery", domain = %self.domain);
        async {
            let url = self.domain.join_path(discovery::DISCOVERY_PATH)?;
            let endpoint = describe_endpoint("discovery document", url.as_url());
            let request = self
                .client
                .get()?
                .get(url.as_url().clone())
                .header(ACCEPT, "application/json");
            let answer = read_answer(request, &endpoint, BODY_LIMIT).await?;
            let status = answer.status.as_u16();
            let endpoints = discovery::endpoints_from_answer(&self.domain, &endpoint, answer)?;
            info!(
                status,
                token_endpoint = %endpoints.token,
                device_authorization_endpoint = %endpoints.device_authorization,
                revocation_endpoint = endpoints.revocation.as_ref().map(tracing::field::display),
                "endpoints discovered"
            );
            Ok(endpoints)
        }
        .instrument(span)
        .await
    }

    /// POSTs `form` to the endpoint `pick` chooses (`None`: this server has
    /// no such endpoint) and reads the answer.
    ///
    /// A remembered endpoint that answers 404 or 410 is gone: no grant ran
    /// there, so nothing was consumed. Discovery then runs once, and when it
    /// names another endpoint (on the domain's origin, as discovery demands)
    /// the form goes there, once.
    async fn send_form(
        &self,
        what: &str,
        pick: fn(&Endpoints) -> Option<ServiceUrl>,
        form: &[(&str, &str)],
    ) -> Result<Option<(String, Answer)>, ProviderError> {
        let in_use = self.current().await?;
        let Some(url) = pick(&in_use.endpoints) else {
            return Ok(None);
        };
        let endpoint = describe_endpoint(what, url.as_url());
        let answer = self.post_form(&url, &endpoint, form).await?;
        if !(in_use.remembered && moved(answer.status)) {
            return Ok(Some((endpoint, answer)));
        }
        warn!(
            endpoint = %url,
            status = answer.status.as_u16(),
            "a remembered endpoint is gone: discovering the endpoints again"
        );
        let found = self.discover().await?;
        *self.in_use() = Some(InUse {
            endpoints: found.clone(),
            remembered: false,
            announced: true,
        });
        match pick(&found) {
            Some(moved_to) if moved_to != url => {
                let endpoint = describe_endpoint(what, moved_to.as_url());
                let answer = self.post_form(&moved_to, &endpoint, form).await?;
                Ok(Some((endpoint, answer)))
            }
            _ => Ok(Some((endpoint, answer))),
        }
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

    /// [`Self::send_form`] to an endpoint every server has.
    async fn send_form_to(
        &self,
        what: &str,
        pick: fn(&Endpoints) -> Option<ServiceUrl>,
        form: &[(&str, &str)],
    ) -> Result<(String, Answer), ProviderError> {
        let sent = self.send_form(what, pick, form).await?;
        sent.ok_or_else(|| ProviderError::Malformed {
            endpoint: what.to_owned(),
            problem: "the server has no such endpoint".to_owned(),
        })
    }
}

/// Statuses that say an endpoint is not (or no longer) there.
fn moved(status: StatusCode) -> bool {
    matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE)
}

fn token_url(endpoints: &Endpoints) -> Option<ServiceUrl> {
    Some(endpoints.token.clone())
}

fn device_url(endpoints: &Endpoints) -> Option<ServiceUrl> {
    Some(endpoints.device_authorization.clone())
}

fn revocation_url(endpoints: &Endpoints) -> Option<ServiceUrl> {
    endpoints.revocation.clone()
}

#[async_trait]
impl IdentityProvider for HttpIdentityProvider {
    async fn endpoints(&self) -> Result<Endpoints, ProviderError> {
        self.current().await.map(|in_use| in_use.endpoints)
    }

    fn endpoints_in_use(&self) -> Option<Endpoints> {
        self.in_use()
            .as_ref()
            .map(|in_use| in_use.endpoints.clone())
    }

    async fn start_device_authorization(
        &self,
        client_id: &ClientId,
        scope: &Scope,
    ) -> Result<DeviceAuthorization, ProviderError> {
        let scope = scope.to_string();
        let form = [
            ("response_type", "device_code"),
            ("scope", scope.as_str()),
            ("client_id", client_id.as_str()),
        ];
        let (endpoint, answer) = self
            .send_form_to("device authorization endpoint", device_url, &form)
            .await?;
        response::device_authorization(&endpoint, answer)
    }

    async fn poll_device_token(
        &self,
        client_id: &ClientId,
        device_code: &DeviceCode,
    ) -> Result<TokenResponse, ProviderError> {
        let form = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code.expose_secret()),
            ("client_id", client_id.as_str()),
        ];
        let (endpoint, answer) = self
            .send_form_to("token endpoint", token_url, &form)
            .await?;
        response::token_response(&endpoint, answer)
    }

    async fn refresh(
        &self,
        client_id: &ClientId,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse, ProviderError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        // Sent once: after a failure the token may already be consumed, and
        // only the caller (holding the profile lock) may decide what follows.
        // (A remembered endpoint's 404 consumed nothing; see `send_form`.)
        let (endpoint, answer) = self
            .send_form_to("token endpoint", token_url, &form)
            .await?;
        response::token_response(&endpoint, answer)
    }

    async fn revoke(
        &self,
        client_id: &ClientId,
        token: &RefreshToken,
    ) -> Result<bool, ProviderError> {
        let form = [
            ("token", token.expose_secret()),
            ("token_type_hint", "refresh_token"),
            ("client_id", client_id.as_str()),
        ];
        let Some((endpoint, answer)) = self
            .send_form("revocation endpoint", revocation_url, &form)
            .await?
        else {
            return Ok(false);
        };
        response::revocation(&endpoint, answer).map(|()| true)
    }
}

//! The composition root: builds the store, the identity provider, the resource
//! client and the clock from the settings. Nothing else names an adapter type.

use std::time::Duration;

use async_trait::async_trait;
use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpResourceClient, HttpSettings};
use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::oci::TokenExchanger;
use oci_iam_sso_domain::{
    ClientId, DeviceAuthorization, DeviceCode, Endpoints, Error, IdentityProvider, Profile,
    ProfileName, ProviderError, RefreshToken, ResourceClient, Scope, StoreError, TokenResponse,
    TokenStore,
};

use crate::clock::SystemClock;
use crate::failure::Failure;
use crate::settings::{KeyChoice, Settings};

/// What the identity-domain commands work with.
pub struct App {
    pub settings: Settings,
    pub store: Box<dyn TokenStore>,
    pub clock: SystemClock,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("settings", &self.settings)
            .finish()
    }
}

impl App {
    /// Opens the token store with the key the settings choose.
    pub fn open(settings: Settings) -> Result<Self, Failure> {
        let key = match &settings.key {
            KeyChoice::Base64(value) => KeySource::Base64(value.clone()),
            KeyChoice::KeyFile(path) => KeySource::KeyFile(path.clone()),
            KeyChoice::PassphraseEnv(var) => {
                let value = std::env::var(var).map_err(|_| {
                    Failure::from(StoreError::KeyUnavailable {
                        reason: format!("the passphrase variable {var} is not set"),
                    })
                })?;
                KeySource::passphrase(value)
            }
            KeyChoice::PassphrasePrompt => KeySource::passphrase(prompt_passphrase()?),
        };
        let options = StoreOptions {
            lock_timeout: settings.lock_timeout,
        };
        let store = SqliteTokenStore::open(&settings.store_path, key, options)?;
        Ok(Self {
            settings,
            store: Box::new(store),
            clock: SystemClock,
        })
    }

    /// The profile a single-profile command works on; unknown is an error.
    pub async fn profile(&self) -> Result<Profile, Failure> {
        let name = ProfileName::new(self.settings.profile())?;
        self.store
            .profile(&name)
            .await?
            .ok_or_else(|| Error::UnknownProfile(name).into())
    }

    pub fn http_settings(&self) -> HttpSettings {
        HttpSettings {
            connect_timeout: self.settings.connect_timeout,
            request_timeout: self.settings.request_timeout,
            ..HttpSettings::default()
        }
    }

    /// The identity provider of `profile`'s domain. Cheap: no client is built
    /// and nothing is sent until a method needs the network.
    pub fn provider(&self, profile: &Profile) -> Box<dyn IdentityProvider> {
        let http = HttpIdentityProvider::new(profile.domain_url.clone(), self.http_settings())
            .remembering(profile.known_endpoints().cloned())
            .with_client_secret(profile.client_secret.clone());
        match self.settings.device_poll_interval {
            Some(interval) => Box::new(PollIntervalOverride {
                inner: http,
                interval,
            }),
            None => Box::new(http),
        }
    }

    /// The token exchange (§7) at `profile`'s domain.
    pub fn token_exchanger(&self, profile: &Profile) -> Box<dyn TokenExchanger> {
        Box::new(HttpIdentityProvider::new(
            profile.domain_url.clone(),
            self.http_settings(),
        ))
    }

    pub fn resources(&self) -> Box<dyn ResourceClient> {
        Box::new(HttpResourceClient::new(self.http_settings()))
    }
}

/// Test and demo aid (hidden `device_poll_interval` setting): gives a device
/// authorization that came without `interval` this one instead of RFC 8628's
/// 5 s, so a login against a local fake takes milliseconds.
struct PollIntervalOverride<P> {
    inner: P,
    interval: Duration,
}

#[async_trait]
impl<P: IdentityProvider> IdentityProvider for PollIntervalOverride<P> {
    async fn endpoints(&self) -> Result<Endpoints, ProviderError> {
        self.inner.endpoints().await
    }

    fn endpoints_in_use(&self) -> Option<Endpoints> {
        self.inner.endpoints_in_use()
    }

    async fn start_device_authorization(
        &self,
        client_id: &ClientId,
        scope: &Scope,
    ) -> Result<DeviceAuthorization, ProviderError> {
        let mut authorization = self
            .inner
            .start_device_authorization(client_id, scope)
            .await?;
        authorization.interval = authorization.interval.or(Some(self.interval));
        Ok(authorization)
    }

    async fn poll_device_token(
        &self,
        client_id: &ClientId,
        device_code: &DeviceCode,
    ) -> Result<TokenResponse, ProviderError> {
        self.inner.poll_device_token(client_id, device_code).await
    }

    async fn refresh(
        &self,
        client_id: &ClientId,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse, ProviderError> {
        self.inner.refresh(client_id, refresh_token).await
    }

    async fn revoke(
        &self,
        client_id: &ClientId,
        token: &RefreshToken,
    ) -> Result<bool, ProviderError> {
        self.inner.revoke(client_id, token).await
    }
}

/// Reads the store passphrase from the terminal without echo. Scripts have no
/// terminal: they are told to use a variable instead of hanging on a prompt.
fn prompt_passphrase() -> Result<String, Failure> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(StoreError::KeyUnavailable {
            reason: "--ask-passphrase needs a terminal; use --passphrase-env VAR or OCI_IAM_SSO_KEY in scripts".into(),
        }
        .into());
    }
    let passphrase = rpassword::prompt_password("Store passphrase: ").map_err(|e| {
        Failure::from(StoreError::KeyUnavailable {
            reason: format!("could not read the passphrase: {e}"),
        })
    })?;
    if passphrase.is_empty() {
        return Err(StoreError::KeyUnavailable {
            reason: "the passphrase is empty".into(),
        }
        .into());
    }
    Ok(passphrase)
}

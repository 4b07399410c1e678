//! The composition root: builds the store, the identity provider, the resource
//! client, the OCI files and auth service, and the clock from the settings and
//! flags. Nothing else names an adapter type.
//!
//! Every command gets the same [`App`]. It opens nothing up front: the
//! settings are read and the token store opened (with its key, which may
//! prompt) on first use, so the OCI commands other than `session exchange`,
//! which work on `~/.oci` files only, run whatever state the store is in.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpResourceClient, HttpSettings};
use oci_iam_sso_adapters_http::{HttpOciAuthService, HttpProbe, ProbeAnswer};
use oci_iam_sso_adapters_store::{
    FsOciFiles, config_location, private_key_public_numbers, profile_name,
};
use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::oci::{OciError, OciProfileName, RsaPublicNumbers, TokenExchanger};
use oci_iam_sso_domain::{
    ClientId, DeviceAuthorization, DeviceCode, Endpoints, Error, IdentityProvider, Profile,
    ProfileName, ProviderError, RefreshToken, ResourceClient, Scope, ServiceUrl, StoreError,
    TokenResponse, TokenStore,
};

use crate::args::GlobalArgs;
use crate::clock::SystemClock;
use crate::failure::Failure;
use crate::oci::{OciGlobalArgs, OciProfileArg};
use crate::output::Output;
use crate::settings::{self, KeyChoice, Settings};

/// What every command works with.
pub struct App {
    global: GlobalArgs,
    settings: OnceLock<Settings>,
    store: OnceLock<Box<dyn TokenStore>>,
    pub clock: SystemClock,
    /// Where everything the run prints goes.
    pub out: Output,
    /// What the use cases tell the user, printed through `out`.
    notices: crate::notices::StderrNotices,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("settings", &self.settings.get())
            .field("store_open", &self.store.get().is_some())
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app for these global flags that prints to `out`. Reads and opens nothing.
    pub fn new(global: GlobalArgs, out: Output) -> Self {
        Self {
            global,
            settings: OnceLock::new(),
            store: OnceLock::new(),
            clock: SystemClock,
            notices: crate::notices::StderrNotices::new(out.clone()),
            out,
        }
    }

    /// Where the use cases' notices go (stderr; notes dropped with `--quiet`).
    pub fn notices(&self) -> &dyn oci_iam_sso_domain::Notices {
        &self.notices
    }

    /// The checked settings (file, `OCI_IAM_SSO_*` variables and global
    /// flags), read on first use.
    pub fn settings(&self) -> Result<&Settings, Failure> {
        if let Some(settings) = self.settings.get() {
            return Ok(settings);
        }
        let loaded = settings::load(&self.global, &|name| std::env::var(name).ok())?;
        Ok(self.settings.get_or_init(|| loaded))
    }

    /// The settings file this run reads (it need not exist).
    pub fn settings_file(&self) -> Option<PathBuf> {
        settings::settings_file(&self.global, &|name| std::env::var(name).ok())
    }

    /// The token store, opened on first use with the key the settings choose.
    pub fn store(&self) -> Result<&dyn TokenStore, Failure> {
        if let Some(store) = self.store.get() {
            return Ok(store.as_ref());
        }
        let opened = open_store(self.settings()?)?;
        Ok(self.store.get_or_init(|| opened).as_ref())
    }

    /// The profile a single-profile command works on; unknown is an error.
    pub async fn profile(&self) -> Result<Profile, Failure> {
        let name = ProfileName::new(self.settings()?.profile())?;
        self.named_profile(name).await
    }

    /// The stored profile `name`; unknown is an error that lists the known ones.
    pub async fn named_profile(&self, name: ProfileName) -> Result<Profile, Failure> {
        match self.store()?.profile(&name).await? {
            Some(profile) => Ok(profile),
            None => Err(self.unknown_profile(name).await),
        }
    }

    /// The error for a profile the store does not have, naming those it has.
    pub async fn unknown_profile(&self, name: ProfileName) -> Failure {
        let known = match self.store() {
            Ok(store) => store
                .profiles()
                .await
                .map(|all| all.into_iter().map(|p| p.name).collect())
                .unwrap_or_default(),
            Err(failure) => return failure,
        };
        Error::UnknownProfile {
            profile: name,
            known,
        }
        .into()
    }

    fn http_settings(&self) -> Result<HttpSettings, Failure> {
        let settings = self.settings()?;
        Ok(HttpSettings {
            connect_timeout: settings.connect_timeout,
            request_timeout: settings.request_timeout,
            extra_ca_files: settings.ca_bundle.iter().cloned().collect(),
            proxy: settings.proxy.clone(),
            ..HttpSettings::default()
        })
    }

    /// The identity provider of `profile`'s domain. Cheap: no client is built
    /// and nothing is sent until a method needs the network.
    pub fn provider(&self, profile: &Profile) -> Result<Box<dyn IdentityProvider>, Failure> {
        let http = HttpIdentityProvider::new(profile.domain_url.clone(), self.http_settings()?)
            .remembering(profile.known_endpoints().cloned())
            .with_client_secret(profile.client_secret.clone());
        Ok(match self.settings()?.device_poll_interval {
            Some(interval) => Box::new(PollIntervalOverride {
                inner: http,
                interval,
            }),
            None => Box::new(http),
        })
    }

    /// Whether `profile`'s domain URL serves an identity domain's discovery
    /// document: its endpoints, or `None` when the server answers without one.
    pub async fn check_domain(&self, profile: &Profile) -> Result<Option<Endpoints>, Failure> {
        let http = HttpIdentityProvider::new(profile.domain_url.clone(), self.http_settings()?);
        http.check_domain()
            .await
            .map_err(|e| Error::Provider(e).into())
    }

    /// The token exchange (RFC 8693) at `profile`'s domain.
    pub fn token_exchanger(&self, profile: &Profile) -> Result<Box<dyn TokenExchanger>, Failure> {
        Ok(Box::new(
            HttpIdentityProvider::new(profile.domain_url.clone(), self.http_settings()?)
                .remembering(profile.known_endpoints().cloned()),
        ))
    }

    /// One plain GET of `url`, without a credential (`doctor`'s reachability
    /// and clock checks), with the settings' timeouts when they load.
    pub async fn probe(&self, url: &ServiceUrl) -> Result<ProbeAnswer, Failure> {
        let settings = self.http_settings().unwrap_or_default();
        HttpProbe::new(settings)
            .get(url)
            .await
            .map_err(|e| Error::Provider(e).into())
    }

    pub fn resources(&self) -> Result<Box<dyn ResourceClient>, Failure> {
        Ok(Box::new(HttpResourceClient::new(self.http_settings()?)))
    }

    /// What an OCI command that sends no request works with (`setup
    /// config`, `session authenticate`, `session validate --local`),
    /// resolved from its flags and the environment. Reads neither the
    /// settings nor the token store.
    pub fn oci(
        &self,
        globals: &OciGlobalArgs,
        profile: &OciProfileArg,
    ) -> Result<OciContext, Failure> {
        self.oci_with(globals, profile, HttpSettings::default())
    }

    /// What an OCI command that calls an OCI service works with: as
    /// [`App::oci`], with the network settings (timeouts, proxy, CA bundle)
    /// of the settings file and variables, under the OCI CLI's flags
    /// (`--connection-timeout`, `--read-timeout`, `--cert-bundle`). Opens no store.
    pub fn oci_online(
        &self,
        globals: &OciGlobalArgs,
        profile: &OciProfileArg,
    ) -> Result<OciContext, Failure> {
        self.oci_with(globals, profile, self.http_settings()?)
    }

    fn oci_with(
        &self,
        globals: &OciGlobalArgs,
        profile: &OciProfileArg,
        mut http: HttpSettings,
    ) -> Result<OciContext, Failure> {
        if let Some(seconds) = globals.connection_timeout {
            http.connect_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = globals.read_timeout {
            http.request_timeout = Duration::from_secs(seconds);
        }
        if let Some(bundle) = &globals.cert_bundle {
            http.extra_ca_files.push(bundle.clone());
        }
        let env = |name: &str| std::env::var(name).ok();
        let home = globals
            .home
            .clone()
            .or_else(dirs::home_dir)
            .ok_or_else(|| OciError::Config("cannot find the home directory (set HOME)".into()))?;
        let config_path = config_location(globals.config_file.as_deref(), &env, &home);
        let name = profile_name(
            profile.profile.as_deref().or(globals.profile.as_deref()),
            &env,
        );
        let profile = OciProfileName::new(name)?;
        let endpoint = globals
            .endpoint
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(ServiceUrl::parse)
            .transpose()?;
        Ok(OciContext {
            files: FsOciFiles::new(config_path, home.clone(), globals.region.clone()),
            auth: HttpOciAuthService::new(http, endpoint.clone()),
            home,
            profile,
            endpoint,
            region: globals.region.clone(),
        })
    }
}

/// What an OCI command works with: the home directory `~` stands for, the
/// OCI profile, the endpoint override, the files adapter and the auth client.
#[derive(Debug)]
pub struct OciContext {
    pub home: PathBuf,
    pub profile: OciProfileName,
    pub endpoint: Option<ServiceUrl>,
    pub files: FsOciFiles,
    pub auth: HttpOciAuthService,
    pub region: Option<String>,
}

impl OciContext {
    /// The public half of a private key PEM (PKCS#8 or PKCS#1), to compare
    /// with the key a token is bound to; `None` when it is not an RSA key.
    pub fn public_numbers(&self, private_pem: &str) -> Option<RsaPublicNumbers> {
        private_key_public_numbers(private_pem)
    }
}

/// How many certificates the PEM bundle at `path` holds, as the HTTP client
/// would read it.
pub fn ca_bundle_certificates(
    path: &std::path::Path,
) -> Result<usize, oci_iam_sso_domain::InvalidInput> {
    oci_iam_sso_adapters_http::ca_bundle_certificates(path)
}

/// The key source the settings choose (prompting for a passphrase when asked to).
fn key_source(settings: &Settings) -> Result<KeySource, Failure> {
    Ok(match &settings.key {
        KeyChoice::Base64(value) => KeySource::Base64(value.clone()),
        KeyChoice::KeyFile {
            path,
            explicit: true,
        } => KeySource::KeyFile(path.clone()),
        KeyChoice::KeyFile {
            path,
            explicit: false,
        } => KeySource::Default(path.clone()),
        KeyChoice::Keyring => KeySource::Keyring,
        KeyChoice::PassphraseEnv(var) => {
            let value = std::env::var(var).map_err(|_| {
                Failure::from(StoreError::KeyUnavailable {
                    reason: format!("the passphrase variable {var} is not set"),
                })
            })?;
            KeySource::passphrase(value)
        }
        KeyChoice::PassphrasePrompt => KeySource::passphrase(prompt_passphrase()?),
    })
}

fn open_sqlite(settings: &Settings) -> Result<SqliteTokenStore, Failure> {
    let options = StoreOptions {
        lock_timeout: settings.lock_timeout,
    };
    Ok(SqliteTokenStore::open(
        &settings.store_path,
        key_source(settings)?,
        options,
    )?)
}

fn open_store(settings: &Settings) -> Result<Box<dyn TokenStore>, Failure> {
    if let Some(url) = &settings.store_url {
        return open_postgres(url.expose(), key_source(settings)?, settings);
    }
    Ok(Box::new(open_sqlite(settings)?))
}

/// Where `store rekey` puts the new key.
#[derive(Debug)]
pub enum NewKeyHome {
    KeyFile,
    /// A base64 key (from OCI_IAM_SSO_NEW_KEY).
    Env(zeroize::Zeroizing<String>),
    Passphrase(zeroize::Zeroizing<String>),
    Keyring,
}

/// What `store rekey` did, for its report.
pub use oci_iam_sso_adapters_store::RekeyReport;

impl App {
    /// Opens the store with its current key and moves it to `to`. The store
    /// must not be open in this process (the rekey waits for every handle).
    pub fn rekey_store(&self, to: NewKeyHome) -> Result<RekeyReport, Failure> {
        let settings = self.settings()?;
        if settings.store_url.is_some() {
            return Err(Error::Settings(
                "store rekey moves the SQLite store only; the PostgreSQL store (store_url) keeps \
                 the key source it was made with"
                    .into(),
            )
            .into());
        }
        let store = open_sqlite(settings)?;
        let to = match to {
            NewKeyHome::KeyFile => KeySource::KeyFile(settings.key_file.clone()),
            NewKeyHome::Env(value) => KeySource::Base64(value),
            NewKeyHome::Passphrase(value) => KeySource::Passphrase(value),
            NewKeyHome::Keyring => KeySource::Keyring,
        };
        Ok(store.rekey(to)?)
    }
}

/// Reads a new passphrase twice from the terminal (for `store rekey`).
pub fn prompt_new_passphrase() -> Result<zeroize::Zeroizing<String>, Failure> {
    let first = read_passphrase(
        "New store passphrase: ",
        "a new passphrase needs a terminal; use --new-passphrase-env VAR in scripts",
    )?;
    if *read_secret_line("Again: ")? != *first {
        return Err(key_unavailable(
            "the two passphrases differ; nothing was changed",
        ));
    }
    Ok(first)
}

/// A passphrase typed at the terminal (not echoed); refused without a
/// terminal (`no_terminal` says what to use instead) or when empty.
fn read_passphrase(prompt: &str, no_terminal: &str) -> Result<zeroize::Zeroizing<String>, Failure> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(key_unavailable(no_terminal));
    }
    let passphrase = read_secret_line(prompt)?;
    if passphrase.is_empty() {
        return Err(key_unavailable("the passphrase is empty"));
    }
    Ok(passphrase)
}

fn read_secret_line(prompt: &str) -> Result<zeroize::Zeroizing<String>, Failure> {
    rpassword::prompt_password(prompt)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| key_unavailable(&format!("could not read the passphrase: {e}")))
}

fn key_unavailable(reason: &str) -> Failure {
    Failure::from(StoreError::KeyUnavailable {
        reason: reason.to_owned(),
    })
}

/// The shared PostgreSQL store (`store_url`). Connects on first use.
#[cfg(feature = "postgres")]
fn open_postgres(
    url: &str,
    key: KeySource,
    settings: &Settings,
) -> Result<Box<dyn TokenStore>, Failure> {
    use oci_iam_sso_adapters_store::{PostgresOptions, PostgresTokenStore};
    let options = PostgresOptions {
        lock_timeout: settings.lock_timeout,
        connect_timeout: settings.connect_timeout,
        // This host's fallback for a rotation the server cannot take: beside
        // where the SQLite store would be, owner-only like it.
        local_pending_dir: Some(settings.store_path.with_file_name("postgres.pending")),
    };
    Ok(Box::new(PostgresTokenStore::open(url, key, options)?))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(
    _url: &str,
    _key: KeySource,
    _settings: &Settings,
) -> Result<Box<dyn TokenStore>, Failure> {
    Err(Error::Settings(
        "store_url: this build has no PostgreSQL store (built without the `postgres` feature); \
         unset store_url / OCI_IAM_SSO_STORE_URL or use a build with it"
            .into(),
    )
    .into())
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
    let mut passphrase = read_passphrase(
        "Store passphrase: ",
        "--ask-passphrase needs a terminal; use --passphrase-env VAR or OCI_IAM_SSO_KEY in scripts",
    )?;
    // Moved out, not copied: the emptied wrapper has nothing left to wipe.
    Ok(std::mem::take(&mut *passphrase))
}

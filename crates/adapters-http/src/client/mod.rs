//! The shared reqwest setup: one place that decides timeouts, redirects,
//! proxies, TLS roots and the user agent for every HTTP adapter.
//!
//! Building a TLS client loads the platform's root store, which costs
//! milliseconds; the `token` command's cache-hit path constructs adapters but
//! never sends a request, so [`LazyClient`] builds the client on first use.

mod proxy;
pub(crate) mod tls;
mod transport;

use std::path::PathBuf;
use std::sync::{Once, OnceLock};
use std::time::Duration;

use oci_iam_sso_domain::InvalidInput;

pub use proxy::{ProxyChoice, ProxyUrl, choose_proxy};
pub use transport::{Answer, describe_endpoint, read_answer};

/// How the HTTP adapters talk to servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSettings {
    /// Time allowed to open the TCP connection and finish the TLS handshake.
    pub connect_timeout: Duration,
    /// Time allowed for a whole exchange, from sending to the last body byte.
    pub request_timeout: Duration,
    pub user_agent: String,
    /// PEM bundles of extra trusted roots (a private CA, a corporate
    /// TLS-inspecting proxy), added to the platform's roots, never replacing them.
    pub extra_ca_files: Vec<PathBuf>,
    /// The proxy for https:// requests (`--proxy`, the `proxy` setting); when
    /// `None`, `HTTPS_PROXY` / `ALL_PROXY` from the environment. `NO_PROXY`
    /// applies either way.
    pub proxy: Option<ProxyUrl>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            user_agent: concat!("oci-iam-sso/", env!("CARGO_PKG_VERSION")).to_owned(),
            extra_ca_files: Vec::new(),
            proxy: None,
        }
    }
}

/// The rustls crypto provider of the whole process: the one crypto stack of
/// the workspace. Switching stacks is this line (and the `rustls` feature).
fn crypto_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

/// Installs the workspace's rustls crypto provider, once. Another provider
/// installed earlier (by the binary or a test) is kept.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // `Err` only means a provider is already installed, which is fine.
        let _ = crypto_provider().install_default();
    });
}

/// Builds a client with the settings: timeouts, redirects off, no automatic
/// retries, the proxy, and the extra CA roots.
///
/// Redirects are off because a token request must go where it was aimed
/// (SSRF), a bearer token must not follow a redirect to another host, and a
/// redirect to a login page is a misconfiguration to report, not to follow.
pub fn build_client(settings: &HttpSettings) -> Result<reqwest::Client, InvalidInput> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .user_agent(settings.user_agent.as_str())
        .redirect(reqwest::redirect::Policy::none())
        // A refresh grant must be sent at most once: the token may be consumed.
        .retry(reqwest::retry::never())
        .referer(false);
    builder = match proxy::https_proxy(settings.proxy.as_ref(), &|name| std::env::var(name).ok())? {
        Some(proxy) => builder.proxy(proxy),
        // reqwest would read the environment itself (HTTP_PROXY too): the
        // choice is made above, once.
        None => builder.no_proxy(),
    };
    let mut extra = Vec::new();
    for path in &settings.extra_ca_files {
        extra.extend(tls::read_ca_bundle(path)?);
    }
    if !extra.is_empty() {
        builder = builder.tls_certs_merge(extra);
    }
    builder
        .build()
        .map_err(|e| InvalidInput::new("HTTP client settings", error_chain(&e)))
}

/// A reqwest client built on first use and then shared by every request of
/// the adapter that owns it.
pub struct LazyClient {
    settings: HttpSettings,
    client: OnceLock<reqwest::Client>,
}

impl LazyClient {
    /// Cheap: nothing is built until [`LazyClient::get`].
    pub fn new(settings: HttpSettings) -> Self {
        Self {
            settings,
            client: OnceLock::new(),
        }
    }

    /// The client, built now if this is the first request. A failed build is
    /// not remembered (the next call tries again).
    pub fn get(&self) -> Result<&reqwest::Client, InvalidInput> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let built = build_client(&self.settings)?;
        // Two first requests racing both build; one client wins, both work.
        Ok(self.client.get_or_init(|| built))
    }

    /// Whether the client has been built (for tests of the lazy path).
    pub fn is_built(&self) -> bool {
        self.client.get().is_some()
    }
}

impl std::fmt::Debug for LazyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyClient")
            .field("settings", &self.settings)
            .field("built", &self.is_built())
            .finish()
    }
}

/// The messages of an error and its sources, joined, without the request URL.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        // Wrappers often repeat their source's text; keep each message once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn building_is_deferred_to_the_first_use() {
        let lazy = LazyClient::new(HttpSettings::default());
        assert!(!lazy.is_built());
        lazy.get().unwrap();
        assert!(lazy.is_built());
    }

    #[test]
    fn an_unreadable_or_empty_ca_file_is_invalid_input() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for path in [missing, empty] {
            let settings = HttpSettings {
                extra_ca_files: vec![path.clone()],
                ..HttpSettings::default()
            };
            let error = build_client(&settings).unwrap_err();
            assert_eq!(error.what, "CA file", "{error}");
            assert!(error.problem.contains(&path.display().to_string()));
            // A failed build is not remembered as built.
            let lazy = LazyClient::new(settings);
            assert!(lazy.get().is_err());
            assert!(!lazy.is_built());
        }
    }
}

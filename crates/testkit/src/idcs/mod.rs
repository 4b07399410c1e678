//! The fake identity domain (IDCS) and the fake EPM-like resource server, on
//! real loopback HTTP. One [`FakeIdentityDomain::start`] starts both; dropping
//! the handle stops them.

mod control;
mod control_http;
mod device_flow;
mod exchange;
mod jwt;
mod oauth;
mod random;
mod resource;
pub use resource::UNAUTHORIZED_HTML;
mod scope;
mod state;

use std::sync::Arc;
use std::time::Duration;

pub use control::{Counters, FakeControl, Fault, GenerationEvent, Ttls};

/// How a fake identity domain behaves. Defaults match a real domain, except
/// that the client `test-client` is registered.
#[derive(Clone, Debug)]
pub struct FakeIdcsConfig {
    /// Registered (public) client ids.
    pub client_ids: Vec<String>,
    /// Polls closer together than this get `slow_down` (tests use zero).
    pub min_poll_interval: Duration,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub device_ttl: Duration,
    /// Approve every new user code as this user at once.
    pub auto_approve: Option<String>,
    /// Serve `/.well-known/openid-configuration` (false: 404, to test fallbacks).
    pub discovery: bool,
    /// Port of the identity domain on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Confidential clients (client id, client secret) allowed the token
    /// exchange (RFC 8693), authenticated with HTTP Basic.
    pub confidential_clients: Vec<(String, String)>,
    /// Mints the OCI session tokens the token exchange hands out (from
    /// [`crate::oci::FakeOciAuth::minter`]); without one the grant is refused.
    pub session_minter: Option<crate::oci::SessionMinter>,
    /// Plain http (the default) or https with a test CA's certificate, for
    /// both the domain and the resource server.
    pub serve: crate::tls::Serve,
}

impl Default for FakeIdcsConfig {
    fn default() -> Self {
        let ttls = Ttls::default();
        Self {
            client_ids: vec!["test-client".to_owned()],
            min_poll_interval: Duration::from_secs(5),
            access_ttl: ttls.access,
            refresh_ttl: ttls.refresh,
            device_ttl: ttls.device,
            auto_approve: None,
            discovery: true,
            port: 0,
            confidential_clients: Vec::new(),
            session_minter: None,
            serve: crate::tls::Serve::Http,
        }
    }
}

/// A running fake identity domain plus its resource server. Both stop when
/// this handle is dropped.
#[derive(Debug)]
pub struct FakeIdentityDomain {
    control: FakeControl,
    resource_url: String,
    // Dropping the sender tells both accept loops and their connections to stop.
    _shutdown: tokio::sync::watch::Sender<()>,
}

impl FakeIdentityDomain {
    /// Binds 127.0.0.1 (the domain on `config.port`, the resource server on a
    /// free port) and serves on the current Tokio runtime.
    pub async fn start(config: FakeIdcsConfig) -> std::io::Result<Self> {
        let domain_listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let resource_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let scheme = config.serve.scheme();
        let base_url = format!("{scheme}://{}", domain_listener.local_addr()?);
        let resource_url = format!("{scheme}://{}", resource_listener.local_addr()?);
        let serve = config.serve.clone();
        let shared = Arc::new(state::Shared::new(base_url, state::Inner::new(&config)));
        let (shutdown, stopped) = tokio::sync::watch::channel(());

        let domain_routes = oauth::routes()
            .nest("/_testkit", control_http::routes())
            .with_state(shared.clone())
            .layer(axum::middleware::map_response_with_state(
                shared.clone(),
                |axum::extract::State(shared): axum::extract::State<Arc<state::Shared>>,
                 response: axum::response::Response| async move {
                    let now = shared.lock().now();
                    crate::date_header::stamp(response, now)
                },
            ));
        tokio::spawn(crate::server::serve(
            domain_listener,
            domain_routes,
            serve.clone(),
            stopped.clone(),
        ));
        tokio::spawn(crate::server::serve(
            resource_listener,
            resource::routes().with_state(shared.clone()),
            serve,
            stopped,
        ));
        Ok(Self {
            control: FakeControl { shared },
            resource_url,
            _shutdown: shutdown,
        })
    }

    /// The domain's base URL, like `http://127.0.0.1:41234` (or `https://`; no trailing slash).
    pub fn url(&self) -> String {
        self.control.shared.base_url.clone()
    }

    /// The fake resource server's base URL (another port, like another host).
    pub fn resource_url(&self) -> String {
        self.resource_url.clone()
    }

    /// Base of the HTTP control API, `<url>/_testkit`.
    pub fn control_url(&self) -> String {
        format!("{}/_testkit", self.url())
    }

    pub fn control(&self) -> FakeControl {
        self.control.clone()
    }
}

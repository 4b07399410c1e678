//! A fake OCI auth service on loopback: session refresh, scoped database
//! tokens, the identity regions list and the console login, each signed
//! request checked exactly as OCI's "Request Signatures" documentation
//! says.
//!
//! One base URL serves what are three hosts in OCI (`auth.`, `identity.`,
//! `login.`): point `--endpoint` / `OCI_CLI_ENDPOINT` at [`FakeOciAuth::url`].

mod browser;
mod hold;
mod minter;
mod oke;
mod routes;
mod state;
mod token;
mod verify;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

pub use browser::{
    complete_login, complete_login_from_file, http_get, wait_for_url, write_browser_script,
};
pub use hold::{HeldEndpoint, Hold};
pub use minter::{SessionMinter, jwk_of_private_key_pem};
pub use oke::VerifiedClusterToken;
pub use state::{FAKE_TENANCY, FAKE_USER, FakeOciControl, OciCounters, Rejection};
pub use token::{FakeClaims, Jwk};
pub use verify::MAX_CLOCK_SKEW_SECS;

/// How the fake starts.
#[derive(Clone, Debug)]
pub struct FakeOciConfig {
    /// Lifetime of minted session tokens (OCI: at most 60 minutes).
    pub token_ttl: Duration,
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Plain http (the default) or https with a test CA's certificate.
    pub serve: crate::tls::Serve,
}

impl Default for FakeOciConfig {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(3600),
            port: 0,
            serve: crate::tls::Serve::Http,
        }
    }
}

/// A running fake; it stops when dropped.
#[derive(Debug)]
pub struct FakeOciAuth {
    url: String,
    control: FakeOciControl,
    // Dropping the sender stops the accept loop and its connections.
    _shutdown: tokio::sync::watch::Sender<()>,
}

impl FakeOciAuth {
    /// Binds 127.0.0.1 on the configured port (default: a free one) and serves until dropped.
    pub async fn start(config: FakeOciConfig) -> std::io::Result<Self> {
        let control = FakeOciControl {
            state: Arc::new(Mutex::new(state::State::new(config.token_ttl))),
        };
        let router = Router::new()
            .route("/v1/authentication/refresh", post(routes::refresh))
            .route(
                "/v1/actions/generateScopedAccessToken",
                post(routes::generate_scoped_access_token),
            )
            .route("/20160918/regions", get(routes::regions))
            .route("/v1/oauth2/authorize", get(routes::authorize))
            .with_state(control.clone())
            .layer(axum::middleware::map_response_with_state(
                control.clone(),
                |axum::extract::State(control): axum::extract::State<FakeOciControl>,
                 response: axum::response::Response| async move {
                    let now = control.lock().now();
                    crate::date_header::stamp(response, now)
                },
            ));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let url = format!("{}://{}", config.serve.scheme(), listener.local_addr()?);
        let (shutdown, stopped) = tokio::sync::watch::channel(());
        tokio::spawn(crate::server::serve(
            listener,
            router,
            config.serve,
            stopped,
        ));
        Ok(Self {
            url,
            control,
            _shutdown: shutdown,
        })
    }

    /// `http://127.0.0.1:PORT` (or `https://`), without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn control(&self) -> FakeOciControl {
        self.control.clone()
    }

    /// Mints sessions of this fake for another one (see
    /// [`crate::FakeIdcsConfig::session_minter`]).
    pub fn minter(&self) -> SessionMinter {
        self.control.minter()
    }
}

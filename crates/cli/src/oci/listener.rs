//! The loopback listener of the browser login: bound before the browser
//! opens, it serves a page at `/` whose script sends the URL fragment (where
//! the console put the token) back as `GET /token?<fragment>`, and returns
//! that token. HTTP/1.1 is hyper's server: one request per connection, each
//! connection on its own task, with a short time to send the request head.
//!
//! Any local process or web page can send a `GET /token?…` here, so a token
//! is taken only when it is bound to this login's key pair (its `jwk` claim;
//! only the holder of that private key can use the session) and, when the
//! console sent an id_token, when that names this login's nonce (an id_token
//! without one is refused too: OpenID Connect Core 1.0, section 3.2.2.11, has
//! the client check the nonce whenever it sent one,
//! https://openid.net/specs/openid-connect-core-1_0.html#ImplicitIDTValidation).
//! Anything else gets a 400 and the listener keeps waiting.

use std::convert::Infallible;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE, HOST, HeaderValue, REFERRER_POLICY};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{OciError, RsaPublicNumbers, bound_public_key, string_claim};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Request heads larger than this are refused (a token is a few KiB): hyper's
/// read buffer stops there and answers 431.
const MAX_HEAD: usize = 32 * 1024;

/// How long a connection may take to send its request head; a browser sends
/// it at once.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one connection may take in all, answer included.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

const TEXT: &str = "text/plain";
const HTML: &str = "text/html; charset=utf-8";

/// What ends a login: the token, or the console's error.
type Outcome = Result<SessionToken, OciError>;

/// Connections served at once; more are closed at once (it is loopback:
/// the browser needs two).
const MAX_CONNECTIONS: usize = 64;

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>oci-iam-sso login</title></head>
<body><p id="message">Completing the login…</p>
<script>
if (window.location.hash.length > 1) {
  window.location.replace("/token?" + window.location.hash.substring(1));
} else {
  document.getElementById("message").textContent = "No token arrived; run the command again.";
}
</script></body></html>
"#;

const DONE: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>oci-iam-sso login</title></head>\n<body><p>Authorization completed. You can close this window and return to the terminal.</p></body></html>\n";

/// What a token must show to be this login's.
#[derive(Clone, Debug)]
pub(crate) struct LoginBinding {
    /// The public half of the key pair this login generated and sent to the console.
    pub public_key: RsaPublicNumbers,
    /// The `nonce` this login sent to the console.
    pub nonce: String,
}

impl LoginBinding {
    /// The session token must be bound to our key; an id_token, when it
    /// came, must name our nonce.
    fn accepts(&self, session_token: &str, id_token: Option<&str>) -> bool {
        let our_key = bound_public_key(session_token).is_some_and(|key| key == self.public_key);
        let our_nonce = id_token
            .is_none_or(|t| string_claim(t, "nonce").is_some_and(|nonce| nonce == self.nonce));
        our_key && our_nonce
    }
}

/// Listens on `localhost:PORT` (127.0.0.1, and ::1 when available).
#[derive(Debug)]
pub(crate) struct LoginListener {
    port: u16,
    connections: mpsc::Receiver<TcpStream>,
    accept_tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for LoginListener {
    fn drop(&mut self) {
        self.accept_tasks.iter().for_each(|t| t.abort());
    }
}

/// Whether a failed bind of ::1 only means that this machine has no IPv6
/// loopback (then IPv4 alone is right), not that someone else holds the port.
pub(crate) fn ipv6_unavailable(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::AddrNotAvailable
        || error.raw_os_error() == Some(libc::EAFNOSUPPORT)
}

/// Why a bind failed: the ::1 port is taken (worth another try when the
/// system chose the port), or anything else.
enum BindError {
    Ipv6Taken(OciError),
    Other(OciError),
}

impl LoginListener {
    /// Binds now, so the port is ours before any browser is sent to it.
    pub async fn bind(port: u16) -> Result<Self, OciError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match Self::bind_once(port).await {
                Ok(listener) => return Ok(listener),
                // With port 0 the system picked a port free on 127.0.0.1 only.
                Err(BindError::Ipv6Taken(_)) if port == 0 && attempts < 5 => continue,
                Err(BindError::Ipv6Taken(e) | BindError::Other(e)) => return Err(e),
            }
        }
    }

    async fn bind_once(port: u16) -> Result<Self, BindError> {
        let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| {
                BindError::Other(if e.kind() == std::io::ErrorKind::AddrInUse {
                    OciError::PortBusy {
                        address: format!("127.0.0.1:{port}"),
                        port,
                    }
                } else {
                    OciError::Login(format!(
                        "cannot listen on 127.0.0.1:{port}: {e} (choose another --port)"
                    ))
                })
            })?;
        let port = v4
            .local_addr()
            .map_err(|e| BindError::Other(OciError::Login(format!("listener address: {e}"))))?
            .port();
        let mut listeners = vec![v4];
        // Browsers may resolve `localhost` to ::1 first, so the redirect may go
        // there: where IPv6 exists the port must be ours on ::1 too, or another
        // program listening there would receive the token.
        match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
            Ok(v6) => listeners.push(v6),
            Err(e) if ipv6_unavailable(&e) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                // A browser may send the login to ::1, so a port taken
                // there is as busy as one taken on 127.0.0.1.
                return Err(BindError::Ipv6Taken(OciError::PortBusy {
                    address: format!("[::1]:{port}"),
                    port,
                }));
            }
            Err(e) => {
                return Err(BindError::Other(OciError::Login(format!(
                    "cannot listen on [::1]:{port}: {e} (choose another --port)"
                ))));
            }
        }
        let (sender, connections) = mpsc::channel(16);
        let accept_tasks = listeners
            .into_iter()
            .map(|listener| {
                let sender = sender.clone();
                tokio::spawn(async move {
                    while let Ok((stream, _)) = listener.accept().await {
                        if sender.send(stream).await.is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        Ok(Self {
            port,
            connections,
            accept_tasks,
        })
    }

    /// The port listened on (the one chosen when `--port 0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://localhost:PORT`: where the console sends the browser back.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Serves requests until one brings a `security_token` bound to this
    /// login (or the console's error).
    ///
    /// Each connection is served on its own task, with a short time to send
    /// its request head: served one after the other, a few idle local
    /// connections (a port scanner, a stuck client) held the console's
    /// redirect up for as long as their timeouts added up.
    pub async fn wait_for_token(
        &mut self,
        binding: &LoginBinding,
    ) -> Result<SessionToken, OciError> {
        let login = Arc::new(Login {
            port: self.port,
            binding: binding.clone(),
        });
        let (outcomes_sender, mut outcomes) = mpsc::channel(1);
        // Dropped on return: the connections still open are closed with it.
        let mut serving = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                Some(outcome) = outcomes.recv() => return outcome,
                Some(_) = serving.join_next(), if !serving.is_empty() => {}
                stream = self.connections.recv() => {
                    let Some(stream) = stream else {
                        return Err(OciError::Login("the local listener stopped".into()));
                    };
                    if serving.len() >= MAX_CONNECTIONS {
                        continue; // dropped: closed at once
                    }
                    let (login, sender) = (login.clone(), outcomes_sender.clone());
                    serving.spawn(async move {
                        if let Some(outcome) = login.serve(stream).await {
                            let _ = sender.send(outcome).await;
                        }
                    });
                }
            }
        }
    }
}

/// What every connection of one login is checked against.
#[derive(Debug)]
struct Login {
    port: u16,
    binding: LoginBinding,
}

impl Login {
    /// One connection, one request. `Some` ends the login (with the token or
    /// the console's error), and only once the answer was written: the
    /// browser shows the page before the listener goes away.
    async fn serve(self: Arc<Self>, stream: TcpStream) -> Option<Outcome> {
        let outcome = Arc::new(Mutex::new(None));
        let service = {
            let outcome = outcome.clone();
            service_fn(move |request: Request<hyper::body::Incoming>| {
                let (response, ends) = self.answer(&request);
                if ends.is_some() {
                    *outcome.lock().unwrap_or_else(PoisonError::into_inner) = ends;
                }
                std::future::ready(Ok::<_, Infallible>(response))
            })
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEAD_TIMEOUT)
            .max_buf_size(MAX_HEAD)
            .keep_alive(false)
            .serve_connection(TokioIo::new(stream), service);
        // A connection that fails (slow, malformed, the browser going away
        // mid-answer) ends only itself; a token it brought still counts.
        let _ = tokio::time::timeout(ANSWER_TIMEOUT, connection).await;
        outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The answer to one request, and whether it ends the login.
    fn answer<B>(&self, request: &Request<B>) -> (Response<String>, Option<Outcome>) {
        let host_ok = request
            .headers()
            .get(HOST)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|host| self.is_own_host(host.trim()));
        if request.method() != Method::GET || !host_ok {
            // Another Host is a DNS-rebinding page, not the console's redirect.
            return (
                respond(StatusCode::BAD_REQUEST, TEXT, "bad request\n"),
                None,
            );
        }
        // Only the origin form (`/token?…`) is this listener's; a proxy's
        // absolute form names some other place.
        let path = match request.uri().authority() {
            Some(_) => "",
            None => request.uri().path(),
        };
        match path {
            "/" => (respond(StatusCode::OK, HTML, PAGE), None),
            "/token" => self.token(request.uri().query().unwrap_or("")),
            _ => (respond(StatusCode::NOT_FOUND, TEXT, "not found\n"), None),
        }
    }

    /// `GET /token?<fragment>`: the console's token or error, sent on by the page.
    fn token(&self, query: &str) -> (Response<String>, Option<Outcome>) {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if let Some(token) = value("security_token").filter(|t| !t.is_empty()) {
            if !self.binding.accepts(&token, value("id_token").as_deref()) {
                // Not this login's token (another key pair, another nonce):
                // refuse it and keep waiting for the console's redirect.
                let refused = "this token was not issued to this login\n";
                return (respond(StatusCode::BAD_REQUEST, TEXT, refused), None);
            }
            return (
                respond(StatusCode::OK, HTML, DONE),
                Some(Ok(SessionToken::new(token))),
            );
        }
        if let Some(error) = value("error") {
            let code: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return (
                respond(
                    StatusCode::BAD_REQUEST,
                    TEXT,
                    "the login failed; see the terminal\n",
                ),
                Some(Err(OciError::Login(format!(
                    "the console answered `{code}`"
                )))),
            );
        }
        let missing = "no security_token\n";
        (respond(StatusCode::BAD_REQUEST, TEXT, missing), None)
    }

    fn is_own_host(&self, host: &str) -> bool {
        let port = self.port;
        [
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: &str) -> Response<String> {
    let mut response = Response::new(body.to_owned());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // no-store and no-referrer: the /token URL holds the token and must
    // neither be kept nor travel on.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly on purpose

    use super::*;

    fn login() -> Login {
        Login {
            port: 8181,
            binding: LoginBinding {
                public_key: RsaPublicNumbers::from_jwk_json(
                    r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#,
                )
                .unwrap(),
                nonce: "n".into(),
            },
        }
    }

    fn get(target: &str, host: &str) -> Request<()> {
        Request::get(target).header(HOST, host).body(()).unwrap()
    }

    fn status(request: &Request<()>) -> (u16, bool) {
        let (response, outcome) = login().answer(request);
        (response.status().as_u16(), outcome.is_some())
    }

    #[test]
    fn only_get_to_this_listener_is_served() {
        assert_eq!(status(&get("/", "localhost:8181")), (200, false));
        assert_eq!(status(&get("/", "127.0.0.1:8181")), (200, false));
        assert_eq!(status(&get("/", "[::1]:8181")), (200, false));
        assert_eq!(status(&get("/", "evil.example:8181")), (400, false));
        assert_eq!(status(&get("/", "localhost:8182")), (400, false));
        let no_host = Request::get("/").body(()).unwrap();
        assert_eq!(status(&no_host), (400, false));
        let post = Request::post("/")
            .header(HOST, "localhost:8181")
            .body(())
            .unwrap();
        assert_eq!(status(&post), (400, false));
        assert_eq!(status(&get("/other", "localhost:8181")), (404, false));
        assert_eq!(
            status(&get(
                "http://localhost:8181/token?error=x",
                "localhost:8181"
            )),
            (404, false)
        );
    }

    #[test]
    fn the_page_and_answers_are_never_cached_nor_referred() {
        let (response, _) = login().answer(&get("/", "localhost:8181"));
        assert_eq!(response.body(), PAGE);
        let headers = response.headers();
        assert_eq!(headers[CONTENT_TYPE], HTML);
        assert_eq!(headers[CACHE_CONTROL], "no-store");
        assert_eq!(headers[REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[CONNECTION], "close");
    }

    #[test]
    fn the_consoles_error_ends_the_login_and_a_foreign_token_does_not() {
        let (response, outcome) = login().answer(&get(
            "/token?error=access_denied%0A%1b[31m",
            "localhost:8181",
        ));
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let message = outcome.unwrap().unwrap_err().to_string();
        assert!(message.contains("`access_denied31m`"), "{message}");
        assert_eq!(
            status(&get("/token?security_token=e30.e30.c2ln", "localhost:8181")),
            (400, false)
        );
        assert_eq!(status(&get("/token", "localhost:8181")), (400, false));
    }
}

//! The loopback listener of the browser login: bound before the browser
//! opens, it serves a page at `/` whose script sends the URL fragment (where
//! the console put the token) back as `GET /token?<fragment>`, and returns
//! that token. A tiny HTTP/1.1 server: one request per connection, each
//! connection on its own task.
//!
//! Any local process or web page can send a `GET /token?…` here, so a token
//! is taken only when it is bound to this login's key pair (its `jwk` claim;
//! only the holder of that private key can use the session) and, when the
//! console sent an id_token, when that names this login's nonce (an id_token
//! without one is refused too: OpenID Connect Core 1.0, section 3.2.2.11, has
//! the client check the nonce whenever it sent one,
//! https://openid.net/specs/openid-connect-core-1_0.html#ImplicitIDTValidation).
//! Anything else gets a 400 and the listener keeps waiting.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{OciError, RsaPublicNumbers, bound_public_key, string_claim};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Request heads larger than this are refused (a token is a few KiB).
const MAX_HEAD: usize = 32 * 1024;

/// How long a connection may take to send its request head; a browser sends
/// it at once.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one connection may take in all, answer included.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

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
                BindError::Other(OciError::Login(format!(
                    "cannot listen on 127.0.0.1:{port}: {e} (choose another --port)"
                )))
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
                return Err(BindError::Ipv6Taken(OciError::Login(format!(
                    "another program listens on [::1]:{port}, where a browser may send the login (choose another --port)"
                ))));
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
                        if let Ok(Some(outcome)) =
                            tokio::time::timeout(ANSWER_TIMEOUT, login.serve(stream)).await
                        {
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
    /// One request. `Some` ends the login (with the token or the console's error).
    async fn serve(&self, mut stream: TcpStream) -> Option<Result<SessionToken, OciError>> {
        let binding = &self.binding;
        let head = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream))
            .await
            .ok()??;
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next()?.split(' ');
        let (method, target) = (request_line.next()?, request_line.next()?);
        let host_ok = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
            .is_some_and(|(_, value)| self.is_own_host(value.trim()));
        if method != "GET" || !host_ok {
            // Another Host is a DNS-rebinding page, not the console's redirect.
            respond(
                &mut stream,
                "400 Bad Request",
                "text/plain",
                "bad request\n",
            )
            .await;
            return None;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        match path {
            "/" => {
                respond(&mut stream, "200 OK", "text/html; charset=utf-8", PAGE).await;
                None
            }
            "/token" => {
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
                    if !binding.accepts(&token, value("id_token").as_deref()) {
                        // Not this login's token (another key pair, another nonce):
                        // refuse it and keep waiting for the console's redirect.
                        respond(
                            &mut stream,
                            "400 Bad Request",
                            "text/plain",
                            "this token was not issued to this login\n",
                        )
                        .await;
                        return None;
                    }
                    respond(&mut stream, "200 OK", "text/html; charset=utf-8", DONE).await;
                    return Some(Ok(SessionToken::new(token)));
                }
                if let Some(error) = value("error") {
                    respond(
                        &mut stream,
                        "400 Bad Request",
                        "text/plain",
                        "the login failed; see the terminal\n",
                    )
                    .await;
                    let code: String = error
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .take(64)
                        .collect();
                    return Some(Err(OciError::Login(format!(
                        "the console answered `{code}`"
                    ))));
                }
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "text/plain",
                    "no security_token\n",
                )
                .await;
                None
            }
            _ => {
                respond(&mut stream, "404 Not Found", "text/plain", "not found\n").await;
                None
            }
        }
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

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() + read > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8(head).ok()
}

async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &str) {
    // no-referrer: the /token URL holds the token and must not travel on.
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser going away mid-answer changes nothing for the login.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

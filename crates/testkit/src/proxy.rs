//! A tiny HTTP CONNECT proxy on loopback that counts its tunnels, as a
//! corporate proxy sees https:// traffic: it never reads inside a tunnel.
//! It only opens tunnels to loopback (a test never reaches the network
//! through it), can require Basic credentials (answering 407 without them),
//! and can stall: take the CONNECT and never answer, to test connect timeouts.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// How the proxy behaves.
#[derive(Clone, Debug, Default)]
pub struct ProxyConfig {
    /// `(user, password)` the client must send in `Proxy-Authorization`.
    pub credentials: Option<(String, String)>,
    /// Accept CONNECT requests and never answer them.
    pub stall: bool,
}

#[derive(Debug, Default)]
struct Seen {
    /// The `host:port` of every tunnel opened, in order.
    tunnels: Vec<String>,
    /// CONNECT requests refused for missing or wrong credentials.
    refused: usize,
    /// Whether any request carried `Proxy-Authorization`.
    authorization_sent: bool,
}

/// A running proxy; it stops when dropped.
#[derive(Debug)]
pub struct ConnectProxy {
    url: String,
    seen: Arc<Mutex<Seen>>,
    _shutdown: tokio::sync::watch::Sender<()>,
}

impl ConnectProxy {
    /// Binds 127.0.0.1 on a free port and serves on the current runtime.
    pub async fn start(config: ProxyConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (shutdown, mut stop) = tokio::sync::watch::channel(());
        let state = seen.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => continue,
                    },
                    _ = stop.changed() => return,
                };
                let (config, seen, mut stop) = (config.clone(), state.clone(), stop.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        _ = tunnel(stream, &config, &seen) => {}
                        _ = stop.changed() => {}
                    }
                });
            }
        });
        Ok(Self {
            url,
            seen,
            _shutdown: shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `http://user:password@127.0.0.1:PORT`.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        self.url
            .replacen("http://", &format!("http://{user}:{password}@"), 1)
    }

    /// The `host:port` targets of the tunnels opened so far.
    pub fn tunnels(&self) -> Vec<String> {
        self.lock().tunnels.clone()
    }

    /// CONNECT requests refused with 407.
    pub fn refused(&self) -> usize {
        self.lock().refused
    }

    /// Whether any CONNECT carried a `Proxy-Authorization` header.
    pub fn authorization_sent(&self) -> bool {
        self.lock().authorization_sent
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn tunnel(mut client: TcpStream, config: &ProxyConfig, seen: &Mutex<Seen>) {
    let Some(head) = read_head(&mut client).await else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or_default();
    let mut words = request.split(' ');
    let (method, target) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, value)| value.trim().to_owned());
    if authorization.is_some() {
        lock(seen).authorization_sent = true;
    }
    if method != "CONNECT" {
        let _ = client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    }
    if let Some((user, password)) = &config.credentials {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        if authorization.as_deref() != Some(expected.as_str()) {
            lock(seen).refused += 1;
            let _ = client
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                .await;
            return;
        }
    }
    if config.stall {
        std::future::pending::<()>().await;
    }
    let loopback = ["127.0.0.1:", "localhost:", "[::1]:"]
        .iter()
        .any(|prefix| target.starts_with(prefix));
    let upstream = if loopback {
        TcpStream::connect(target.replacen("localhost:", "127.0.0.1:", 1)).await
    } else {
        Err(std::io::Error::other("not loopback"))
    };
    let Ok(mut upstream) = upstream else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    lock(seen).tunnels.push(target.to_owned());
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|e| e.into_inner())
}

/// The request head, up to the blank line (at most 16 KiB), read byte by
/// byte so nothing of the tunnel's first bytes is taken.
async fn read_head(client: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return None;
        }
        let mut byte = [0u8; 1];
        if client.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

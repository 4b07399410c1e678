//! Our own accept loop instead of `axum::serve`: each connection runs in its
//! own task that a handler can kill, so a fault can close the TCP connection
//! without any response (something a handler alone cannot do), and a
//! connection can be TLS ([`Serve::Https`]) before it is HTTP.

use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_service::Service as _;

use crate::tls::Serve;

/// Put in every request's extensions: notifying it drops the connection.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Drops the connection the current request came on, unanswered.
    pub async fn close_without_response(&self) -> axum::response::Response {
        self.0.notify_one();
        // The connection task drops this handler's future when it sees the notice.
        std::future::pending().await
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    serve: Serve,
    mut stop: watch::Receiver<()>,
) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Out of file descriptors and the like: try the next one.
                Err(_) => continue,
            },
            _ = stop.changed() => return,
        };
        let kill = Arc::new(Notify::new());
        let router = router.clone();
        let mut stop = stop.clone();
        let request_kill = ConnectionKill(kill.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(request_kill.clone());
            router.clone().call(request)
        });
        let serve = serve.clone();
        tokio::spawn(async move {
            let http = hyper::server::conn::http1::Builder::new();
            match serve {
                Serve::Http => {
                    let connection = http.serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = connection => {}
                        _ = kill.notified() => {}
                        _ = stop.changed() => {}
                    }
                }
                Serve::Https(acceptor) => {
                    // A client that refuses the certificate ends the handshake here.
                    let tls = tokio::select! {
                        accepted = acceptor.accept(stream) => match accepted {
                            Ok(tls) => tls,
                            Err(_) => return,
                        },
                        _ = stop.changed() => return,
                    };
                    let connection = http.serve_connection(TokioIo::new(tls), service);
                    tokio::select! {
                        _ = connection => {}
                        _ = kill.notified() => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        });
    }
}

//! The login listener under load and conflict: idle local connections must
//! not hold up the console's redirect, and a port that another process holds
//! on ::1 (where a browser may send `localhost`) must stop the login.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::time::Duration;

use oci_iam_sso_testkit::oci::{complete_login, wait_for_url, write_browser_script};

use super::tests::{env, profile};
use super::*;

/// Generous: only a login stuck behind the idle connections takes this long.
const HANG: Duration = Duration::from_secs(30);

#[tokio::test]
async fn idle_local_connections_do_not_hold_up_the_login() {
    let mut env = env().await;
    env.globals.region = Some("us-ashburn-1".into());
    let url_file = env.home.path().join("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let browser = std::thread::spawn(move || {
        let url = wait_for_url(&url_file, Duration::from_secs(60))?;
        let redirect = url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .find(|(name, _)| name == "redirect_uri")
            .map(|(_, value)| url::Url::parse(&value).unwrap())
            .unwrap();
        // Connections that never send a request (a port scanner, a stuck
        // client), opened before the browser comes back.
        let idle: Vec<std::net::TcpStream> = (0..8)
            .map(|_| std::net::TcpStream::connect(("127.0.0.1", redirect.port().unwrap())).unwrap())
            .collect();
        let status = complete_login(&url);
        drop(idle);
        status
    });
    let login = env.session_cmd(SessionCommand::Authenticate(AuthenticateArgs {
        profile: profile("work"),
        tenancy_name: None,
        no_browser: false,
        port: 0,
        browser_command: Some(script.display().to_string()),
        allow_tenancy_change: false,
        profile_name: None,
        config_location: None,
        convert_api_key_profile: false,
    }));
    let (result, _) = tokio::time::timeout(HANG, login)
        .await
        .expect("the login waited behind idle connections");
    result.unwrap();
    assert_eq!(browser.join().unwrap(), Ok(200));
}

#[tokio::test]
async fn a_port_taken_on_ipv6_loopback_stops_the_login() {
    let Ok(squatter) = std::net::TcpListener::bind("[::1]:0") else {
        return; // this machine has no ::1: nothing can take a port there
    };
    let port = squatter.local_addr().unwrap().port();
    let mut env = env().await;
    env.globals.region = Some("us-ashburn-1".into());
    let args = AuthenticateArgs {
        profile: profile("p"),
        tenancy_name: None,
        no_browser: true,
        port,
        browser_command: None,
        allow_tenancy_change: false,
        profile_name: None,
        config_location: None,
        convert_api_key_profile: false,
    };
    let (result, output) = env
        .authenticate_within(args, Duration::from_millis(300))
        .await;
    let failure = result.unwrap_err();
    let message = failure.message();
    assert!(message.contains(&format!("[::1]:{port}")), "{message}");
    assert!(!message.contains('\n'), "{message}");
    // Its own kind: not a denied login (exit 8), and the remedy names --port.
    assert_eq!(failure.exit_code(), crate::remedy::exit::PORT_BUSY);
    assert!(failure.hint().unwrap().contains("--port"), "{failure:?}");
    assert!(!output.contains("authorize"), "no login URL: {output}");
    assert!(!env.home.path().join(".oci/config").exists());
    drop(squatter);
}

#[test]
fn only_a_missing_ipv6_loopback_lets_the_login_go_on_with_ipv4() {
    use super::listener::ipv6_unavailable;
    use std::io::{Error, ErrorKind};
    assert!(ipv6_unavailable(&Error::from(ErrorKind::AddrNotAvailable)));
    assert!(ipv6_unavailable(&Error::from_raw_os_error(
        libc::EAFNOSUPPORT
    )));
    assert!(!ipv6_unavailable(&Error::from(ErrorKind::AddrInUse)));
    assert!(!ipv6_unavailable(&Error::from(ErrorKind::PermissionDenied)));
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_cut_off_and_the_listener_serves_on() {
    use std::io::{Read as _, Write as _};
    use std::time::Instant;

    use oci_iam_sso_domain::oci::RsaPublicNumbers;
    use oci_iam_sso_testkit::oci::http_get;

    use super::listener::{LoginBinding, LoginListener};

    let mut listener = LoginListener::bind(0).await.unwrap();
    let redirect = listener.redirect_uri();
    let port: u16 = redirect.rsplit(':').next().unwrap().parse().unwrap();
    let binding = LoginBinding {
        public_key: RsaPublicNumbers::from_jwk_json(r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#)
            .unwrap(),
        nonce: "n".into(),
    };
    let waiting = tokio::spawn(async move { listener.wait_for_token(&binding).await });
    let (read, waited, page) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        // A client that starts a request and never finishes its head.
        let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        slow.set_read_timeout(Some(HANG)).unwrap();
        write!(slow, "GET / HTTP/1.1\r\nHost: localhost:{port}\r\n").unwrap();
        let read = slow.read(&mut [0u8; 64]).map_err(|e| e.kind());
        let waited = started.elapsed();
        (read, waited, http_get(&format!("{redirect}/")).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(read, Ok(0), "closed without an answer");
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(15)).contains(&waited),
        "cut off after {waited:?}"
    );
    let (status, headers) = page;
    assert_eq!(status, 200);
    for (name, value) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("connection", "close"),
    ] {
        assert!(
            headers.iter().any(|(n, v)| n == name && v == value),
            "{name}: {value} missing in {headers:?}"
        );
    }
    assert!(!waiting.is_finished(), "the login still waits");
    waiting.abort();
}

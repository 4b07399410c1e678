//! The identity-domain side over real TLS: the fake domain and its resource
//! server serve https with a certificate from a CA made at test time, and the
//! real binary trusts it only through `--ca-bundle` / `OCI_IAM_SSO_CA_BUNDLE`
//! (added to the system's roots). Without it, one line names the certificate
//! problem and the flag. A CONNECT proxy on loopback sees the refresh, and
//! `NO_PROXY` bypasses it; proxy credentials never show.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use oci_iam_sso_testkit::proxy::{ConnectProxy, ProxyConfig};
use oci_iam_sso_testkit::tls::{Serve, TestCa};
use support::{CLIENT_ID, TestEnv, approving};

/// A fake domain on https with `names` in its certificate, and the CA's PEM
/// written into the test's home.
fn https_env(names: &[&str], expired: bool) -> (TestEnv, String) {
    let ca = TestCa::new();
    let cert = if expired {
        ca.expired_server(names)
    } else {
        ca.server(names)
    };
    let env = TestEnv::start(oci_iam_sso_testkit::FakeIdcsConfig {
        serve: Serve::https(&cert),
        ..approving()
    });
    let bundle = env.home().join("test-ca.pem");
    ca.write_pem(&bundle).unwrap();
    (env, bundle.display().to_string())
}

/// A proxy served on its own runtime thread (the test blocks on the binary),
/// and the sender that keeps that thread alive.
fn start_proxy(config: ProxyConfig) -> (ConnectProxy, std::sync::mpsc::Sender<()>) {
    let (ready, started) = std::sync::mpsc::channel();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            ready
                .send(ConnectProxy::start(config).await.unwrap())
                .unwrap();
            let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
        });
    });
    (started.recv().unwrap(), stop)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn add_and_login(env: &TestEnv, bundle: &str) {
    assert!(env.url.starts_with("https://127.0.0.1:"), "{}", env.url);
    env.cmd()
        .args(["--ca-bundle", bundle, "profile", "add", "epm"])
        .args(["--domain-url", &env.url, "--client-id", CLIENT_ID])
        .args(["--resource-url", &env.resource_url])
        .assert()
        .success();
    env.cmd()
        .env("OCI_IAM_SSO_CA_BUNDLE", bundle)
        .args(["login", "--no-browser", "--profile", "epm"])
        .assert()
        .success();
}

#[test]
fn the_journey_and_a_rotation_run_over_https_with_the_ca_bundle() {
    let (env, bundle) = https_env(&["127.0.0.1", "localhost"], false);
    add_and_login(&env, &bundle);
    let token = env
        .cmd()
        .env("OCI_IAM_SSO_CA_BUNDLE", &bundle)
        .args(["token", "--profile", "epm", "--force-refresh"])
        .output()
        .unwrap();
    assert!(token.status.success(), "{}", text(&token.stderr));
    let call = env
        .cmd()
        .args(["--ca-bundle", &bundle, "call", "--profile", "epm"])
        .arg("/interop/rest/v1/services/dailymaintenance")
        .output()
        .unwrap();
    assert!(call.status.success(), "{}", text(&call.stderr));
    let counters = env.control.counters();
    assert!(counters.refresh_grants >= 1, "{counters:?}");
    assert_eq!(counters.resource_requests, 1, "{counters:?}");
}

#[test]
fn without_the_ca_one_line_names_the_problem_and_the_flag() {
    for (names, expired, problem) in [
        (&["127.0.0.1"][..], false, "unknown issuer"),
        (&["127.0.0.1"][..], true, "expired"),
        (&["other.example"][..], false, "name mismatch"),
    ] {
        let (env, bundle) = https_env(names, expired);
        env.cmd()
            .args(["profile", "add", "epm", "--no-check"])
            .args(["--domain-url", &env.url, "--client-id", CLIENT_ID])
            .assert()
            .success();
        // The CA is trusted for the expired and mismatched cases: the
        // certificate itself is what is wrong there.
        let mut cmd = env.cmd();
        if problem != "unknown issuer" {
            cmd.env("OCI_IAM_SSO_CA_BUNDLE", &bundle);
        }
        let output = cmd
            .args(["login", "--no-browser", "--profile", "epm"])
            .output()
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(20), "{stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains(problem), "{problem}: {stderr}");
        if problem == "unknown issuer" {
            assert!(stderr.contains("--ca-bundle FILE"), "{stderr}");
        }
        assert_eq!(env.control.counters().device_authorizations, 0);
    }
}

#[test]
fn a_plain_http_url_off_loopback_is_refused() {
    let (env, _) = https_env(&["127.0.0.1"], false);
    let output = env
        .cmd()
        .args(["profile", "add", "epm", "--no-check"])
        .args([
            "--domain-url",
            "http://idcs.example.com",
            "--client-id",
            CLIENT_ID,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
}

#[test]
fn the_refresh_goes_through_the_proxy_unless_no_proxy_exempts_the_host() {
    let (env, bundle) = https_env(&["127.0.0.1", "localhost"], false);
    add_and_login(&env, &bundle);
    let (proxy, _running) = start_proxy(ProxyConfig::default());
    let port = env.url.rsplit(':').next().unwrap().to_owned();
    for (var, no_proxy, tunnelled) in [
        ("HTTPS_PROXY", None, true),
        ("https_proxy", None, true),
        ("ALL_PROXY", None, true),
        ("HTTPS_PROXY", Some("127.0.0.1"), false),
        ("HTTPS_PROXY", Some("localhost, 127.0.0.0/8"), false),
    ] {
        let before = proxy.tunnels().len();
        let mut cmd = env.cmd();
        cmd.env("OCI_IAM_SSO_CA_BUNDLE", &bundle)
            .env(var, proxy.url());
        if let Some(list) = no_proxy {
            cmd.env("NO_PROXY", list);
        }
        let output = cmd
            .args(["token", "--profile", "epm", "--force-refresh"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{var}: {}", text(&output.stderr));
        let tunnels = proxy.tunnels()[before..].to_vec();
        if tunnelled {
            assert!(
                tunnels.contains(&format!("127.0.0.1:{port}")),
                "{var}: {tunnels:?}"
            );
        } else {
            assert!(tunnels.is_empty(), "{no_proxy:?}: {tunnels:?}");
        }
    }
}

#[test]
fn proxy_credentials_are_sent_and_never_printed() {
    let (env, bundle) = https_env(&["127.0.0.1"], false);
    add_and_login(&env, &bundle);
    let (proxy, _running) = start_proxy(ProxyConfig {
        credentials: Some(("alice".into(), "pr0xy-s3cret".into())),
        stall: false,
    });
    // The right credentials, from the `--proxy` flag.
    let good = proxy.url_with_credentials("alice", "pr0xy-s3cret");
    let output = env
        .cmd()
        .env("OCI_IAM_SSO_CA_BUNDLE", &bundle)
        .args([
            "--proxy",
            &good,
            "-vv",
            "token",
            "--profile",
            "epm",
            "--force-refresh",
        ])
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("pr0xy-s3cret"), "{stderr}");
    assert_eq!(proxy.tunnels().len(), 1);
    // Wrong ones, from the setting's variable: refused by the proxy, and the
    // error names neither the password nor the user.
    let bad = proxy.url_with_credentials("alice", "wr0ng-s3cret");
    let output = env
        .cmd()
        .env("OCI_IAM_SSO_CA_BUNDLE", &bundle)
        .env("OCI_IAM_SSO_PROXY", &bad)
        .args(["-vv", "token", "--profile", "epm", "--force-refresh"])
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(10), "{stderr}");
    assert!(
        !stderr.contains("wr0ng-s3cret") && !stderr.contains("alice"),
        "{stderr}"
    );
    assert!(proxy.refused() >= 1);
    // A malformed proxy is refused without quoting it.
    let output = env
        .cmd()
        .env("HTTPS_PROXY", "socks5://alice:s0cks-s3cret@127.0.0.1:1")
        .args(["token", "--profile", "epm", "--force-refresh"])
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("HTTPS_PROXY") && !stderr.contains("s0cks-s3cret"),
        "{stderr}"
    );
}

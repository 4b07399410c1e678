//! `call` and `exec` through the real binary.

mod support;

use oci_iam_sso_testkit::FakeIdcsConfig;
use support::{CLIENT_ID, TestEnv, approving};

const MAINTENANCE: &str = "/interop/rest/v1/services/dailymaintenance";

fn logged_in() -> TestEnv {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.login("default");
    env
}

#[test]
fn call_a_path_on_the_resource_url() {
    let env = logged_in();
    let output = cli_snapshot!(
        "call_ok",
        env.filters(),
        env.cmd().args(["call", MAINTENANCE])
    );
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json body");
    assert_eq!(body["status"], 0);
    // A full URL works the same.
    let full = format!("{}{MAINTENANCE}", env.resource_url);
    env.cmd().args(["call", &full]).assert().success();
    assert_eq!(env.control.counters().resource_requests, 2);
}

#[test]
fn call_sends_method_headers_and_body() {
    let env = logged_in();
    let token = env.token("default");
    std::fs::write(env.home().join("body.json"), "{\"from\":\"file\"}").expect("write");
    for (data, expected, stdin) in [
        ("inline text", "inline text", ""),
        ("@body.json", "{\"from\":\"file\"}", ""),
        ("-", "piped body", "piped body"),
    ] {
        let (url, server) = support::echo_server();
        let output = env
            .cmd()
            .args(["call", "-X", "post", &format!("{url}/echo?q=1")])
            .args([
                "-H",
                "X-Test: yes",
                "-H",
                "Content-Type: text/plain",
                "-d",
                data,
            ])
            .write_stdin(stdin)
            .output()
            .expect("runs");
        server.join().expect("echo server");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let echoed = String::from_utf8_lossy(&output.stdout);
        assert!(echoed.starts_with("POST /echo?q=1 HTTP/1.1"), "{echoed}");
        assert!(
            echoed.to_ascii_lowercase().contains("x-test: yes"),
            "{echoed}"
        );
        assert!(
            echoed.contains(&format!("uthorization: Bearer {token}")),
            "the bearer token is sent"
        );
        assert!(echoed.ends_with(expected), "{echoed}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr).trim(),
            "HTTP 200 OK"
        );
    }
}

#[test]
fn call_errors() {
    let env = logged_in();
    // A status of 400 or more exits 16, body still on stdout.
    cli_snapshot!(
        "call_http_405",
        env.filters(),
        env.cmd().args(["call", "-X", "DELETE", MAINTENANCE])
    );
    cli_snapshot!(
        "call_bad_header",
        env.filters(),
        env.cmd().args(["call", MAINTENANCE, "-H", "no colon here"])
    );
    cli_snapshot!(
        "call_missing_body_file",
        env.filters(),
        env.cmd()
            .args(["call", "-X", "POST", MAINTENANCE, "-d", "@missing.json"])
    );
    env.cmd()
        .args([
            "profile",
            "add",
            "bare",
            "--domain-url",
            &env.url,
            "--client-id",
            CLIENT_ID,
        ])
        .assert()
        .success();
    cli_snapshot!(
        "call_path_without_resource_url",
        env.filters(),
        env.cmd().args(["call", "--profile", "bare", MAINTENANCE])
    );
}

#[test]
fn call_401_html_refreshes_once_then_fails() {
    let env = logged_in();
    // A resource server of another domain refuses this domain's tokens with EPM's HTML 401.
    let other = TestEnv::start(FakeIdcsConfig::default());
    let refreshes = env.control.counters().refresh_grants;
    let url = format!("{}{MAINTENANCE}", other.resource_url);
    cli_snapshot!(
        "call_401_html",
        env.filters(),
        env.cmd().args(["call", &url])
    );
    assert_eq!(
        other.control.counters().resource_unauthorized,
        2,
        "sent twice"
    );
    assert_eq!(
        env.control.counters().refresh_grants,
        refreshes + 1,
        "refreshed once"
    );
}

#[test]
fn exec_passes_the_token_in_the_environment_only() {
    let env = logged_in();
    let token = env.token("default");
    let output = env
        .cmd()
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "printf %s \"$OCI_IAM_SSO_ACCESS_TOKEN\"; echo \" $#\"",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("{token} 0")
    );
}

#[test]
fn exec_never_hands_the_store_key_to_the_program() {
    let env = logged_in();
    let output = env
        .cmd()
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "printf '[%s]' \"${OCI_IAM_SSO_KEY-unset}\"",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "[unset]");
}

#[test]
fn exec_propagates_exit_codes_and_signals() {
    let env = logged_in();
    let status = env
        .cmd()
        .args(["exec", "--", "sh", "-c", "exit 42"])
        .output()
        .expect("runs");
    assert_eq!(status.status.code(), Some(42));
    let status = env
        .cmd()
        .args(["exec", "--", "sh", "-c", "kill -TERM $$"])
        .output()
        .expect("runs");
    assert_eq!(status.status.code(), Some(128 + 15));
    cli_snapshot!(
        "exec_not_found",
        env.filters(),
        env.cmd().args(["exec", "--", "no-such-program-here"])
    );
}

#[test]
fn exec_needs_a_login() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    let output = env
        .cmd()
        .args(["exec", "--", "true"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4));
}

#[test]
fn call_errors_never_repeat_the_query_string() {
    let env = logged_in();
    let output = env
        .cmd()
        .args([
            "call",
            "/interop/rest/v1/no-such-thing?signature=SECRET-SIG",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(16), "{stderr}");
    assert!(
        stderr.contains("/interop/rest/v1/no-such-thing"),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET-SIG"), "{stderr}");
}

#[test]
fn a_path_without_a_leading_slash_joins_the_resource_url() {
    let env = logged_in();
    // Whatever would leave for a guessed host goes through this proxy, which
    // accepts connections but never answers: the test reads back whether
    // anything tried it. (The resource URL is loopback, never proxied.)
    let trap = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    trap.set_nonblocking(true).expect("nonblocking");
    let proxy = format!("http://{}", trap.local_addr().expect("addr"));
    let output = env
        .cmd()
        .env("HTTPS_PROXY", &proxy)
        .env("OCI_IAM_SSO_REQUEST_TIMEOUT", "5s")
        .args(["call", MAINTENANCE.trim_start_matches('/')])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json body");
    assert_eq!(body["status"], 0);
    assert_eq!(env.control.counters().resource_requests, 1);
    assert!(
        matches!(trap.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "nothing but the resource URL was contacted"
    );
}

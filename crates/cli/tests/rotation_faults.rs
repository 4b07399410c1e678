//! The fault matrix: the token endpoint misbehaves during a refresh. Each
//! fault gives a clear error (snapshot of exit code and stderr) and leaves the
//! stored refresh token untouched and still accepted, so that once the fault
//! is gone the next refresh continues the same generation chain.

mod support;

use std::time::Duration;

use oci_iam_sso_testkit::{Fault, GenerationEvent};
use support::{TestEnv, approving};

fn logged_in() -> TestEnv {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.login("default");
    env
}

/// The fingerprint of the refresh token the store holds, from the audit trail
/// `status` shows (the store writes a rotation record with every token set).
fn stored_fingerprint(env: &TestEnv) -> String {
    let output = env
        .cmd()
        .args(["status", "--json", "--profile", "default"])
        .output()
        .expect("status runs");
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("status JSON");
    value[0]["recent_rotations"][0]["fingerprint"]
        .as_str()
        .expect("a rotation is recorded")
        .to_owned()
}

fn latest(log: &[GenerationEvent]) -> GenerationEvent {
    log.last()
        .expect("the login issued a refresh token")
        .clone()
}

/// One row of the matrix: `fault` is played `times` times on the token
/// endpoint during `token --force-refresh` (with `settings` in the
/// environment); the client must send exactly `requests` token requests.
fn fault_keeps_the_chain(
    snapshot: &str,
    fault: Fault,
    times: u32,
    settings: &[(&str, &str)],
    requests: u64,
) {
    let env = logged_in();
    let log_before = env.control.generation_log();
    let current = latest(&log_before);
    assert_eq!(stored_fingerprint(&env), current.fingerprint);
    let before = env.control.counters();

    env.control.inject(fault.clone(), times);
    let mut cmd = env.cmd();
    for (name, value) in settings {
        cmd.env(name, value);
    }
    cmd.args(["token", "--force-refresh"]);
    let output = cli_snapshot!(snapshot, env.filters(), &mut cmd);
    assert!(!output.status.success(), "{fault:?} must fail the refresh");
    assert!(output.stdout.is_empty(), "no token on stdout");
    if let Fault::Delay(pause) = fault {
        // Give the fake the time it would need to finish the delayed grant, so
        // the checks below see a consumed token if it ever ran.
        std::thread::sleep(pause + Duration::from_millis(300));
    }
    env.control.clear_faults();

    let during = env.control.counters();
    assert_eq!(
        during.token_requests - before.token_requests,
        requests,
        "{fault:?}: token requests sent (retries included)"
    );
    assert_eq!(
        during.refresh_grants, before.refresh_grants,
        "{fault:?}: no refresh grant ran"
    );
    assert_eq!(
        env.control.generation_log(),
        log_before,
        "{fault:?}: no token was consumed or issued"
    );
    assert_eq!(
        stored_fingerprint(&env),
        current.fingerprint,
        "{fault:?}: the stored token is untouched"
    );

    // The fault is gone: the stored token is accepted and the chain goes on.
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    let after = env.control.counters();
    assert_eq!(after.refresh_grants, before.refresh_grants + 1);
    assert_eq!(after.consumed_token_reuses, 0);
    let log_after = env.control.generation_log();
    assert_eq!(log_after.len(), log_before.len() + 1);
    let next = latest(&log_after);
    assert_eq!(next.chain, current.chain, "the same chain");
    assert_eq!(
        next.generation,
        current.generation + 1,
        "the next generation"
    );
    assert!(next.delivered);
    assert_eq!(stored_fingerprint(&env), next.fingerprint);
}

/// 500 is retried (3 attempts in all, backoff with jitter), then reported.
#[test]
fn server_error_500() {
    fault_keeps_the_chain("fault_500", Fault::ServerError500, 5, &[], 3);
}

/// 503 is retried after the server's Retry-After, then reported.
#[test]
fn service_unavailable_503_with_retry_after() {
    let fault = Fault::ServiceUnavailable {
        retry_after_secs: 1,
    };
    fault_keeps_the_chain("fault_503_retry_after", fault, 5, &[], 3);
}

/// The request was sent and the connection closed unanswered: the token may
/// be consumed, so the client does not send it again blindly.
#[test]
fn connection_closed_without_response() {
    fault_keeps_the_chain("fault_closed", Fault::CloseWithoutResponse, 5, &[], 1);
}

/// The whole-request timeout (here 1 s) ends a refresh the server sits on;
/// like a lost answer, it is not retried.
#[test]
fn request_timeout() {
    fault_keeps_the_chain(
        "fault_timeout",
        Fault::Delay(Duration::from_secs(3)),
        1,
        &[("OCI_IAM_SSO_REQUEST_TIMEOUT", "1s")],
        1,
    );
}

/// A login page or proxy answering 200 with HTML.
#[test]
fn html_with_status_200() {
    fault_keeps_the_chain("fault_html_200", Fault::HtmlOk, 5, &[], 1);
}

#[test]
fn malformed_json() {
    fault_keeps_the_chain("fault_malformed_json", Fault::MalformedJson, 5, &[], 1);
}

#[test]
fn truncated_body() {
    fault_keeps_the_chain("fault_truncated_json", Fault::TruncatedJson, 5, &[], 1);
}

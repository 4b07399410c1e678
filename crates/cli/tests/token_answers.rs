//! What the token endpoint hands in is checked before it is trusted: odd or
//! hostile answers around real tokens, played by the fake over loopback HTTP,
//! seen through the real binary.

mod support;

use std::time::Duration;

use base64::Engine as _;
use oci_iam_sso_testkit::{FakeIdcsConfig, Fault};
use serde_json::{Value, json};
use support::{TestEnv, approving};

/// The fake's access tokens live 30 minutes, so a fallback to 3600 s shows.
const ACCESS_TTL: Duration = Duration::from_secs(1800);

fn logged_in() -> TestEnv {
    let env = TestEnv::start(FakeIdcsConfig {
        access_ttl: ACCESS_TTL,
        ..approving()
    });
    env.add_profile("default");
    env.login("default");
    env
}

/// `token --json` (forcing a refresh when asked): exit code, JSON, stderr.
fn token_json(env: &TestEnv, force: bool) -> (Option<i32>, Option<Value>, String) {
    let mut cmd = env.cmd();
    cmd.args(["token", "--json"]);
    if force {
        cmd.arg("--force-refresh");
    }
    let output = cmd.output().expect("runs");
    (
        output.status.code(),
        serde_json::from_slice(&output.stdout).ok(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The `exp` claim of a JWT, read the way a test may (no signature check).
fn exp_claim(jwt: &str) -> i64 {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&bytes).expect("JSON claims");
    claims["exp"].as_i64().expect("numeric exp")
}

fn rfc3339_unix(text: &str) -> i64 {
    humantime::parse_rfc3339(text)
        .expect("RFC 3339")
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .try_into()
        .expect("fits")
}

#[test]
fn an_odd_expires_in_uses_the_tokens_own_expiry_keeps_the_chain_and_is_reported() {
    for odd in [json!(0), json!(-5), json!("soon"), Value::Null] {
        let env = logged_in();
        env.control
            .inject(Fault::rewrite_grant([("expires_in", odd.clone())]), 1);
        let (code, answer, stderr) = token_json(&env, true);
        assert_eq!(code, Some(0), "{odd}: {stderr}");
        let answer = answer.expect("JSON on stdout");
        let token = answer["access_token"].as_str().expect("a token");
        let expires_at = rfc3339_unix(answer["expires_at"].as_str().expect("a time"));
        // Neither 3600 s from now nor "already expired": the JWT's own `exp`.
        assert_eq!(expires_at, exp_claim(token), "{odd}");
        if odd.is_null() {
            // RFC 6749 §5.1: expires_in is only RECOMMENDED, so absent is no oddity.
            assert!(!stderr.contains("warning"), "{stderr}");
        } else {
            assert!(
                stderr.contains("warning:") && stderr.contains("expires_in"),
                "{odd}: the odd answer is reported: {stderr}"
            );
        }
        assert!(!stderr.contains(token), "{stderr}");

        // The next command uses the stored token: no refresh on every call.
        let refreshes = env.control.counters().refresh_grants;
        let (code, again, _) = token_json(&env, false);
        assert_eq!(code, Some(0));
        assert_eq!(again.expect("JSON")["access_token"], token);
        assert_eq!(env.control.counters().refresh_grants, refreshes, "{odd}");
        // And the rotated refresh token was kept: a forced refresh works.
        assert_eq!(token_json(&env, true).0, Some(0), "{odd}");
    }
}

#[test]
fn an_access_token_with_control_characters_is_refused_and_the_new_refresh_token_kept() {
    for hostile in [
        "eyJhbGciOiJIUzI1NiJ9.e30.sig\u{1b}[2J",
        "first-half\nsecond-half",
    ] {
        let env = logged_in();
        env.control
            .inject(Fault::rewrite_grant([("access_token", json!(hostile))]), 1);
        let output = env
            .cmd()
            .args(["token", "--force-refresh"])
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(12), "a protocol error: {stderr}");
        assert!(stdout.is_empty(), "nothing printed: {stdout:?}");
        for shown in [&stderr, &stdout] {
            assert!(!shown.contains('\u{1b}'), "{shown:?}");
            assert!(
                !shown.contains("half") && !shown.contains("sig"),
                "{shown:?}"
            );
        }
        assert!(stderr.contains("access_token"), "{stderr}");

        // The answer's new refresh token was stored: the next command refreshes with it.
        let refreshes = env.control.counters().refresh_grants;
        let consumed = env.control.counters().consumed_token_reuses;
        let (code, answer, stderr) = token_json(&env, false);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(answer.is_some());
        assert_eq!(env.control.counters().refresh_grants, refreshes + 1);
        assert_eq!(env.control.counters().consumed_token_reuses, consumed);
    }
}

#[test]
fn what_the_user_sees_when_an_answer_is_odd() {
    let env = logged_in();
    env.control.inject(
        Fault::rewrite_grant([
            ("access_token", json!("at\u{1b}[2J")),
            ("expires_in", json!(0)),
        ]),
        1,
    );
    cli_snapshot!(
        "token_access_token_refused",
        env.filters(),
        env.cmd().args(["token", "--force-refresh"])
    );
}

#[test]
fn a_refresh_token_with_whitespace_is_refused_without_quoting_it() {
    let env = logged_in();
    env.control.inject(
        Fault::rewrite_grant([("refresh_token", json!("rt-first\nrt-second"))]),
        1,
    );
    let output = env
        .cmd()
        .args(["token", "--force-refresh"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(12), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        !stderr.contains("rt-first") && !stderr.contains("rt-second"),
        "{stderr}"
    );
    assert!(stderr.contains("refresh_token"), "{stderr}");
}

#[test]
fn import_refuses_a_refresh_token_with_control_characters() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    let token = env.control.issue_refresh_token_for("ada@example.com");
    for bad in [format!("{token}\u{1b}[2J\n"), format!("{token} {token}\n")] {
        let output = env
            .cmd()
            .arg("import")
            .write_stdin(bad)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{stderr}");
        assert!(!stderr.contains(&token), "{stderr}");
    }
    // Surrounding whitespace (the newline of a file) is not part of a token.
    env.cmd()
        .arg("import")
        .write_stdin(format!("  {token}\n"))
        .assert()
        .success();
}

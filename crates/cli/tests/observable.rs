//! What `-v` and `RUST_LOG` show on stderr: the demo's journey at trace level
//! names its steps (discovery, cache hit, lock, refresh, persist) and never a
//! token, code, client id, client secret or key; and the endpoints found at
//! login are remembered, so a refreshing process sends no discovery request.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use oci_iam_sso_testkit::FakeIdcsConfig;
use support::{KEY, TestEnv, approving};

/// Looks like a secret so that a leak is easy to find.
const CLIENT: &str = "trace-client-SECRET-4c1d";
const SECRET: &str = "trace-client-secret-SECRET-9b2e";
const SECRET_VAR: &str = "TRACE_CLIENT_SECRET";
const PROFILE: &str = "demo";

/// A fake that knows the client only as confidential: every grant carries its
/// secret in `Authorization: Basic`.
fn confidential_fake() -> TestEnv {
    TestEnv::start(FakeIdcsConfig {
        client_ids: Vec::new(),
        confidential_clients: vec![(CLIENT.into(), SECRET.into())],
        ..approving()
    })
}

struct Step {
    args: Vec<String>,
    stdout: String,
    stderr: String,
}

/// Runs `args` with `RUST_LOG=trace` (and the client secret in its variable);
/// the command must succeed.
fn traced(env: &TestEnv, args: &[&str]) -> Step {
    let output = env
        .cmd()
        .args(args)
        .env("RUST_LOG", "trace")
        .env(SECRET_VAR, SECRET)
        .output()
        .unwrap();
    let step = Step {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        output.status.success(),
        "{:?} failed:\n{}",
        step.args,
        step.stderr
    );
    step
}

/// A line of the fmt subscriber: `2026-01-01T00:00:00.000000Z  INFO …`.
fn is_trace_line(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let stamp = words.next().unwrap_or_default();
    let level = words.next().unwrap_or_default();
    stamp.len() > 20
        && stamp.as_bytes()[4] == b'-'
        && stamp.as_bytes()[10] == b'T'
        && stamp.ends_with('Z')
        && ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level)
}

fn trace_lines(step: &Step) -> Vec<&str> {
    step.stderr.lines().filter(|l| is_trace_line(l)).collect()
}

fn assert_traced(step: &Step, expected: &[&str]) {
    let trace = trace_lines(step).join("\n");
    for text in expected {
        assert!(
            trace.contains(text),
            "{:?}: no `{text}` in the trace:\n{trace}",
            step.args
        );
    }
}

fn assert_not_traced(step: &Step, unexpected: &[&str]) {
    let trace = trace_lines(step).join("\n");
    for text in unexpected {
        assert!(
            !trace.contains(text),
            "{:?}: `{text}` in the trace:\n{trace}",
            step.args
        );
    }
}

#[test]
fn the_demo_journey_at_trace_level_shows_each_step_and_no_secret() {
    let env = confidential_fake();
    let mut steps = vec![traced(
        &env,
        &[
            "profile",
            "add",
            PROFILE,
            "--domain-url",
            &env.url,
            "--client-id",
            CLIENT,
            "--client-secret-env",
            SECRET_VAR,
            "--resource-url",
            &env.resource_url,
        ],
    )];
    // `profile add` checks the domain by discovery and remembers what it found,
    assert_traced(
        &steps[0],
        &["discovery{domain=http://127.0.0.1:", "endpoints discovered"],
    );

    // so the login goes straight to the device endpoint.
    let login = traced(&env, &["login", "--no-browser", "--profile", PROFILE]);
    assert!(!login.stderr.contains("discovery{"), "{}", login.stderr);
    assert_traced(
        &login,
        &[
            "method=POST url=http://127.0.0.1:",
            "/oauth2/v1/device status=200",
            "device authorization started",
            "device login approved",
            "persist{profile=demo generation=1}",
            "token set sealed and synced in its kept-aside slot",
            "token set written and synced",
        ],
    );
    // The presenter shows the user code (that is its job); the trace never does.
    let user_codes: Vec<String> = env
        .control
        .issued_secrets()
        .into_iter()
        .filter(|s| login.stderr.contains(&format!("enter the code {s}")))
        .collect();
    assert_eq!(user_codes.len(), 1, "{}", login.stderr);
    steps.push(login);

    let hit = traced(&env, &["token", "--profile", PROFILE]);
    assert_traced(&hit, &["cache hit: the stored access token is fresh"]);
    assert_not_traced(&hit, &["HTTP request", "refresh{"]);
    steps.push(hit);

    let call = traced(
        &env,
        &[
            "call",
            "--profile",
            PROFILE,
            "/interop/rest/v1/services/dailymaintenance",
        ],
    );
    assert_traced(
        &call,
        &[
            "cache hit",
            "method=GET url=http://127.0.0.1:",
            "/interop/rest/v1/services/dailymaintenance status=200",
        ],
    );
    steps.push(call);

    let refresh = traced(&env, &["token", "--profile", PROFILE, "--force-refresh"]);
    assert_traced(
        &refresh,
        &[
            "profile_lock{profile=demo}",
            "profile lock taken",
            "refresh{profile=demo generation=1}",
            "refresh grant answered attempts=1 generation=2 rotated=true",
            "/oauth2/v1/token status=200",
            "persist{profile=demo base_generation=1 generation=2}",
            "token set written and synced profile=demo generation=2 fingerprint=",
            "endpoints remembered with the profile: no discovery request",
            "time.busy=",
        ],
    );
    assert_not_traced(&refresh, &["discovery{", "endpoints discovered"]);
    steps.push(refresh);

    steps.push(traced(&env, &["status", "--profile", PROFILE]));
    let logout = traced(&env, &["logout", "--profile", PROFILE]);
    assert_traced(&logout, &["/oauth2/v1/revoke status=200"]);
    steps.push(logout);

    // Every secret of the journey: what the fake handed out (access and
    // refresh tokens, device and user codes), the client's id and secret, and
    // the store key.
    let mut secrets = env.control.issued_secrets();
    assert!(secrets.len() >= 6, "{secrets:?}");
    secrets.extend([CLIENT.to_owned(), SECRET.to_owned(), KEY.to_owned()]);
    for step in &steps {
        let trace = trace_lines(step).join("\n");
        assert!(!trace.is_empty(), "{:?} traced nothing", step.args);
        for secret in &secrets {
            assert!(
                !trace.contains(secret.as_str()),
                "{:?} traced a secret:\n{trace}",
                step.args
            );
            // Outside the trace only the presenter's user code may appear.
            if !user_codes.contains(secret) {
                assert!(
                    !step.stderr.contains(secret.as_str()),
                    "{:?} printed a secret on stderr:\n{}",
                    step.args,
                    step.stderr
                );
            }
        }
        // Nothing JWT-shaped either, whoever issued it.
        assert!(!trace.contains("eyJ"), "{:?}:\n{trace}", step.args);
    }
    // The access token goes where it was asked for: stdout of `token`.
    assert!(steps[2].stdout.starts_with("eyJ"));
}

#[test]
fn without_v_or_rust_log_nothing_is_traced_and_each_v_says_more() {
    let env = TestEnv::start(approving());
    env.add_profile(PROFILE);
    env.login(PROFILE);
    let run = |flags: &[&str]| {
        let output = env
            .cmd()
            .args(["token", "--profile", PROFILE])
            .args(flags)
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };

    assert_eq!(run(&[]), "", "stderr is untouched by default");
    let info = run(&["-v"]);
    assert!(
        info.contains(" INFO ") && info.contains("cache hit"),
        "{info}"
    );
    assert!(!info.contains("DEBUG"), "{info}");
    let debug = run(&["-vv"]);
    assert!(
        debug.contains("DEBUG") && debug.contains("token store opened"),
        "{debug}"
    );
    assert!(!debug.contains("TRACE"), "{debug}");
    // Plain text: no colour escapes into files and CI logs.
    assert!(!run(&["-vvv"]).contains('\u{1b}'));
}

#[test]
fn a_refreshing_process_sends_no_discovery_request() {
    let env = TestEnv::start(approving());
    env.add_profile(PROFILE);
    env.login(PROFILE);
    assert_eq!(env.control.counters().discovery_requests, 1, "at login");

    for _ in 0..2 {
        env.cmd()
            .args(["token", "--profile", PROFILE, "--force-refresh"])
            .assert()
            .success();
    }
    env.cmd()
        .args(["logout", "--profile", PROFILE])
        .assert()
        .success();

    let counters = env.control.counters();
    assert_eq!(counters.refresh_grants, 2);
    assert_eq!(counters.revocations, 1);
    assert_eq!(
        counters.discovery_requests, 1,
        "the endpoints found at login served every later process"
    );
}

#[test]
fn a_new_domain_url_discards_the_remembered_endpoints() {
    let old = TestEnv::start(approving());
    let new = TestEnv::start(approving());
    old.add_profile(PROFILE);
    old.login(PROFILE);
    let before = old.control.counters();
    // The profile now names another domain (as a `profile add` over it
    // would), with the endpoints of the old one still in its row.
    let conn = rusqlite::Connection::open(old.store_path()).unwrap();
    let changed = conn
        .execute(
            "UPDATE profiles SET domain_url = ?1 WHERE name = ?2",
            [new.url.as_str(), PROFILE],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);

    // The old domain's refresh token means nothing to the new one: the
    // refresh fails, and it must fail at the new domain.
    let output = old
        .cmd()
        .args(["token", "--profile", PROFILE, "--force-refresh"])
        .output()
        .unwrap();
    assert!(!output.status.success());

    assert_eq!(
        old.control.counters(),
        before,
        "nothing went to the old domain's remembered endpoints"
    );
    let at_new = new.control.counters();
    assert_eq!(at_new.discovery_requests, 1, "discovered afresh");
    assert_eq!(at_new.refresh_grants, 1);
}

//! `keep` with an identity domain: a session that nears the service's cap is
//! made anew by token exchange (no warning, no refusal), and an identity
//! profile's refresh token is rotated once its share of life has passed.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use oci_iam_sso_testkit::FakeIdcsConfig;
use oci_iam_sso_testkit::oci::FakeOciConfig;
use support::oci::{Oci, start_oci_with};
use support::{CLIENT_ID, KEY, TestEnv, approving};

const CONFIDENTIAL: &str = "ci-confidential-app";
const SECRET: &str = "ci-SECRET-0f9e8d";
const SECRET_VAR: &str = "CI_CLIENT_SECRET";

/// The fake OCI service with six-second sessions it refreshes for ten
/// seconds after their login.
fn start_oci() -> Oci {
    let oci = start_oci_with(FakeOciConfig {
        token_ttl: Duration::from_secs(6),
        port: 0,
        ..FakeOciConfig::default()
    });
    oci.control.set_session_cap(Duration::from_secs(10));
    oci
}

fn fakes() -> (TestEnv, Oci) {
    let env = TestEnv::start(FakeIdcsConfig {
        client_ids: vec![CLIENT_ID.into()],
        confidential_clients: vec![(CONFIDENTIAL.into(), SECRET.into())],
        ..approving()
    });
    let oci = start_oci();
    env.control.set_session_minter(oci.control.minter());
    env.cmd()
        .args(["profile", "add", "ci", "--domain-url", &env.url])
        .args([
            "--client-id",
            CONFIDENTIAL,
            "--client-secret-env",
            SECRET_VAR,
        ])
        .env(SECRET_VAR, SECRET)
        .assert()
        .success();
    env.login("ci");
    (env, oci)
}

/// The binary as `TestEnv::cmd` sets it up, as a std command that can be
/// spawned and signalled.
fn command(env: &TestEnv, oci: &Oci, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.home().join("config"))
        .env("XDG_DATA_HOME", env.home().join("data"))
        .env("OCI_IAM_SSO_KEY", KEY)
        .env("OCI_CLI_ENDPOINT", &oci.url)
        .current_dir(env.home())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(mut command: Command) -> Output {
    command.output().unwrap()
}

#[test]
fn near_the_cap_a_session_with_an_exchange_source_is_made_anew() {
    let (env, oci) = fakes();
    let exchange = run(command(
        &env,
        &oci,
        &[
            "session",
            "exchange",
            "--idcs-profile",
            "ci",
            "--region",
            "us-ashburn-1",
        ],
    ));
    assert!(exchange.status.success(), "{}", text(&exchange.stderr));
    let child = command(
        &env,
        &oci,
        &["keep", "--session", "DEFAULT:ci", "--session-cap", "10s"],
    )
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_secs(14));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let anew = stderr
        .lines()
        .filter(|l| {
            l.starts_with(
                "keep: session [DEFAULT] made anew from identity profile [ci] (token exchange); valid until ",
            )
        })
        .count();
    assert!(anew >= 2, "{stderr}");
    assert!(
        !stderr.contains("warning:") && !stderr.contains("error:"),
        "{stderr}"
    );
    assert_eq!(oci.control.counters().refused_past_cap, 0, "{stderr}");
    assert!(!stderr.contains(SECRET));
    // The session on disk still works.
    let validate = run(command(&env, &oci, &["session", "validate"]));
    assert!(validate.status.success(), "{}", text(&validate.stderr));
}

#[test]
fn a_refresh_token_is_rotated_when_its_share_of_life_has_passed() {
    let (env, oci) = fakes();
    let keep = |env: &TestEnv| {
        let mut command = command(env, &oci, &["keep", "--once", "--idcs", "ci"]);
        command.env("OCI_IAM_SSO_REFRESH_TOKEN_LIFETIME", "4s");
        run(command)
    };
    // Young: nothing to do.
    let before = env.control.counters().refresh_grants;
    let young = keep(&env);
    assert_eq!(young.status.code(), Some(0), "{}", text(&young.stderr));
    assert_eq!(text(&young.stderr), "");
    assert_eq!(env.control.counters().refresh_grants, before);
    // Past half of its (four-second) life: rotated, once.
    std::thread::sleep(Duration::from_millis(2500));
    let old = keep(&env);
    assert_eq!(old.status.code(), Some(0), "{}", text(&old.stderr));
    assert_eq!(
        text(&old.stderr),
        "keep: identity profile [ci]: refresh token rotated\n"
    );
    assert_eq!(env.control.counters().refresh_grants, before + 1);
    let again = keep(&env);
    assert_eq!(text(&again.stderr), "", "idempotent");
    assert_eq!(env.control.counters().refresh_grants, before + 1);
}

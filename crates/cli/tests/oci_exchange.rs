//! `session exchange` with the real binary, no browser anywhere: a confidential
//! client's profile (secret from an environment variable), a device login
//! against the fake identity domain, then the token exchange writes an OCI
//! session that `session validate` and `db-token get` use against the fake OCI
//! auth service. Failures: no client secret, a wrong one, not logged in.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use oci_iam_sso_testkit::FakeIdcsConfig;
use oci_iam_sso_testkit::oci::FAKE_TENANCY;
use support::oci::{Oci, start_oci};
use support::{CLIENT_ID, TestEnv, approving};

const CONFIDENTIAL: &str = "ci-confidential-app";
const SECRET: &str = "ci-SECRET-0f9e8d";
const SECRET_VAR: &str = "CI_CLIENT_SECRET";

/// Both fakes; the domain knows the client only as confidential, so the device
/// login and every refresh must authenticate with its secret too, and it mints
/// its exchanged sessions with the OCI fake.
fn fakes() -> (TestEnv, Oci) {
    fakes_with(vec![CLIENT_ID.into()])
}

/// As [`fakes`], but the client may also log in as a public client (without its
/// secret), so the exchange step itself can be shown refusing a missing or
/// wrong secret.
fn fakes_lenient() -> (TestEnv, Oci) {
    fakes_with(vec![CLIENT_ID.into(), CONFIDENTIAL.into()])
}

fn fakes_with(public_clients: Vec<String>) -> (TestEnv, Oci) {
    let env = TestEnv::start(FakeIdcsConfig {
        client_ids: public_clients,
        confidential_clients: vec![(CONFIDENTIAL.into(), SECRET.into())],
        ..approving()
    });
    let oci = start_oci();
    env.control.set_session_minter(oci.control.minter());
    (env, oci)
}

fn cmd(env: &TestEnv, oci: &Oci) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.env("OCI_CLI_ENDPOINT", &oci.url);
    cmd
}

/// `profile add NAME` for the confidential client, the secret given as `secret`.
fn add_confidential(env: &TestEnv, name: &str, secret: Option<&str>) {
    let mut cmd = env.cmd();
    cmd.args(["profile", "add", name, "--domain-url", &env.url])
        .args(["--client-id", CONFIDENTIAL]);
    if let Some(secret) = secret {
        cmd.args(["--client-secret-env", SECRET_VAR])
            .env(SECRET_VAR, secret);
    }
    cmd.assert().success();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn exchange_then_validate_and_db_token_with_no_browser() {
    let (env, oci) = fakes();
    add_confidential(&env, "ci", Some(SECRET));
    env.login("ci");

    let output = cli_snapshot!(
        "exchange_ok",
        env.filters(),
        cmd(&env, &oci).args([
            "session",
            "exchange",
            "--idcs-profile",
            "ci",
            "--profile",
            "work",
            "--region",
            "us-ashburn-1",
        ])
    );
    assert!(output.status.success());
    // The login discovered the endpoints and remembered them with the profile:
    // the exchange (and the access token it needs) discovers nothing again.
    assert_eq!(env.control.counters().discovery_requests, 1);
    assert_eq!(env.control.counters().token_exchanges, 1);

    // Files and permissions exactly as a browser login writes them.
    let dir = env.home().join(".oci/sessions/work");
    assert_eq!(mode(&dir), 0o700);
    for file in ["oci_api_key.pem", "oci_api_key_public.pem", "token"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    let token = std::fs::read_to_string(dir.join("token")).unwrap();
    assert!(!token.ends_with('\n') && token.split('.').count() == 3);
    assert!(
        std::fs::read_to_string(dir.join("oci_api_key.pem"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let config = std::fs::read_to_string(env.home().join(".oci/config")).unwrap();
    assert_eq!(mode(&env.home().join(".oci/config")), 0o600);
    for line in [
        "[work]".to_owned(),
        format!("tenancy={FAKE_TENANCY}"),
        "region=us-ashburn-1".to_owned(),
        format!("security_token_file={}", dir.join("token").display()),
        format!("key_file={}", dir.join("oci_api_key.pem").display()),
    ] {
        assert!(
            config
                .lines()
                .any(|l| l.replace(' ', "") == line.replace(' ', "")),
            "{line} in\n{config}"
        );
    }
    // Neither the secret nor a token was printed.
    for secret in [SECRET, token.as_str()] {
        assert!(!text(&output.stdout).contains(secret) && !text(&output.stderr).contains(secret));
    }

    let validate = cmd(&env, &oci)
        .args(["session", "validate", "--profile", "work"])
        .output()
        .unwrap();
    assert!(validate.status.success(), "{}", text(&validate.stderr));
    assert!(text(&validate.stderr).contains("accepted by the service"));
    assert_eq!(text(&validate.stdout), "", "stdout is for data only");

    let db = cmd(&env, &oci)
        .args(["db-token", "get", "--profile", "work"])
        .output()
        .unwrap();
    assert!(db.status.success(), "{}", text(&db.stderr));
    assert!(env.home().join(".oci/db-token/token").exists());

    let refresh = cmd(&env, &oci)
        .args(["session", "refresh", "--profile", "work"])
        .output()
        .unwrap();
    assert!(refresh.status.success(), "{}", text(&refresh.stderr));

    let counters = oci.control.counters();
    assert_eq!(
        (counters.validations, counters.db_tokens, counters.refreshes),
        (1, 1, 1)
    );
    assert_eq!(counters.signature_failures, 0);
}

#[test]
fn the_default_identity_profile_and_oci_profile_are_used_without_flags() {
    let (env, oci) = fakes();
    add_confidential(&env, "default", Some(SECRET));
    env.login("default");
    let output = cmd(&env, &oci)
        .args(["session", "exchange", "--region", "us-ashburn-1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(env.home().join(".oci/sessions/DEFAULT/token").exists());
    assert!(text(&output.stderr).contains("identity profile `default`"));
}

#[test]
fn without_a_client_secret_the_remedy_says_how_to_store_one() {
    let (env, oci) = fakes_lenient();
    add_confidential(&env, "ci", None);
    env.login("ci");
    let output = cli_snapshot!(
        "exchange_no_client_secret",
        env.filters(),
        cmd(&env, &oci).args([
            "session",
            "exchange",
            "--idcs-profile",
            "ci",
            "--region",
            "us-ashburn-1",
        ])
    );
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(env.control.counters().token_exchanges, 0);
    assert!(!env.home().join(".oci").exists());
}

#[test]
fn a_wrong_client_secret_is_refused_and_nothing_is_written() {
    // A wrong secret fails every grant: the login, and the refresh that
    // `import` redeems the token with, which is refused before the token is
    // consumed. The exchange then has no login to start from.
    let (env, oci) = fakes();
    add_confidential(&env, "ci", Some("ci-SECRET-wrong"));
    let refresh_token = env.control.issue_refresh_token_for("ci.user@example.com");
    let output = cli_snapshot!(
        "exchange_wrong_client_secret",
        env.filters(),
        env.cmd()
            .args(["import", "--profile", "ci"])
            .write_stdin(format!("{refresh_token}\n"))
    );
    assert_eq!(output.status.code(), Some(7));
    assert!(!text(&output.stderr).contains("SECRET"));
    let output = cmd(&env, &oci)
        .args([
            "session",
            "exchange",
            "--idcs-profile",
            "ci",
            "--region",
            "us-ashburn-1",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4), "not logged in");
    assert_eq!(env.control.counters().token_exchanges, 0);
    assert!(env.control.is_refresh_token_current(&refresh_token));
    assert!(!text(&output.stderr).contains("SECRET"));
    assert!(!env.home().join(".oci").exists());
}

#[test]
fn a_profile_that_is_not_logged_in_is_told_to_log_in() {
    let (env, oci) = fakes();
    add_confidential(&env, "ci", Some(SECRET));
    let output = cli_snapshot!(
        "exchange_not_logged_in",
        env.filters(),
        cmd(&env, &oci).args([
            "session",
            "exchange",
            "--idcs-profile",
            "ci",
            "--region",
            "us-ashburn-1",
        ])
    );
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(env.control.counters().token_exchanges, 0);
}

#[test]
fn profile_add_refuses_an_unset_secret_variable() {
    let env = TestEnv::start(approving());
    let output = cli_snapshot!(
        "profile_add_secret_variable_unset",
        env.filters(),
        env.cmd().args([
            "profile",
            "add",
            "ci",
            "--domain-url",
            &env.url,
            "--client-id",
            CONFIDENTIAL,
            "--client-secret-env",
            SECRET_VAR,
        ])
    );
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn a_confidential_client_logs_in_only_with_its_secret() {
    let (env, _oci) = fakes();
    add_confidential(&env, "ci", Some("ci-SECRET-wrong"));
    let output = env
        .cmd()
        .args(["login", "--profile", "ci", "--no-browser"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(7), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("invalid_client"));
    assert!(!text(&output.stderr).contains("SECRET"));
    assert_eq!(env.control.counters().device_authorizations, 0);
}

//! `doctor` with the real binary against the fake identity domain and the fake
//! OCI auth service on loopback: a healthy set-up (exit 0) and a broken one
//! (exit 21: a clock 10 minutes off the domain's, an expired session whose
//! key was replaced, a db token others can read, a CA bundle that is no PEM,
//! a proxy password that must not show), as text and as JSON; and the clock
//! checks skipped when a server does not answer.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::process::Output;

use oci_iam_sso_adapters_store::{FsOciFiles, generate_key_pair};
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{KeySize, OciFiles as _, OciProfileName, TenancyOcid};
use oci_iam_sso_testkit::oci::{FAKE_TENANCY, FakeOciAuth, FakeOciConfig};
use support::{TestEnv, approving};

/// The filters of [`TestEnv::filters`] and the volatile parts of `doctor`'s
/// lines: how long ago something expired and how far a clock is off.
fn filters(env: &TestEnv) -> Vec<(String, String)> {
    let mut all = env.filters();
    all.extend(
        [
            (r"\([0-9hms ]+ ago\)", "([DURATION] ago)"),
            (
                r"clock is [0-9hms ]+ (behind|ahead of)",
                "clock is [SKEW] $1",
            ),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned())),
    );
    all
}

/// A session of the fake OCI service for `DEFAULT`, written as `session
/// authenticate` writes it; with `other_key`, the token is bound to another
/// key than the one written beside it.
async fn oci_session(env: &TestEnv, fake: &FakeOciAuth, other_key: bool) {
    let key = generate_key_pair(KeySize::Rsa2048).unwrap();
    let bound = if other_key {
        generate_key_pair(KeySize::Rsa2048).unwrap()
    } else {
        key.clone()
    };
    let token = fake.control().mint_session(&bound.public_pem).unwrap();
    let files = FsOciFiles::new(env.home().join(".oci/config"), env.home().into(), None);
    let region = files.region("us-ashburn-1").unwrap();
    files
        .save_new_session(
            &OciProfileName::new("DEFAULT").unwrap(),
            &region,
            &TenancyOcid::parse(FAKE_TENANCY).unwrap(),
            &key,
            &SessionToken::new(token),
        )
        .await
        .unwrap();
}

/// An identity-domain profile `default`, logged in, and a settings file.
fn identity(env: &TestEnv) {
    env.add_profile("default");
    env.login("default");
    let settings = env.home().join("config/oci-iam-sso/config.toml");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(settings, "default_profile = \"default\"\nskew = \"60s\"\n").unwrap();
}

/// Runs `doctor` (off the runtime's thread, so the fakes keep answering) and
/// snapshots its text and its JSON (pretty-printed, keys sorted, as the
/// other `json_*` snapshots).
async fn doctor(env: &TestEnv, name: &str, vars: &[(&str, &str)]) -> (Output, serde_json::Value) {
    let run = |json: bool| {
        let mut cmd = env.cmd();
        cmd.arg("doctor").envs(vars.iter().copied());
        if json {
            cmd.args(["--output", "json"]);
        }
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    let text = run(false).await.unwrap();
    let json = run(true).await.unwrap();
    assert_eq!(text.status.code(), json.status.code());
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in filters(env) {
        settings.add_filter(&pattern, replacement);
    }
    settings.set_prepend_module_to_snapshot(false);
    let shown = format!(
        "exit_code: {:?}\n----- stdout -----\n{}----- stderr -----\n{}",
        text.status.code(),
        String::from_utf8_lossy(&text.stdout),
        String::from_utf8_lossy(&text.stderr)
    );
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    settings.bind(|| {
        insta::assert_snapshot!(format!("doctor_{name}"), shown);
        insta::assert_snapshot!(format!("json_doctor_{name}"), pretty);
    });
    (text, value)
}

#[tokio::test]
async fn a_healthy_setup_needs_no_fix_and_exits_0() {
    let env = TestEnv::start(approving());
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    identity(&env);
    oci_session(&env, &fake, false).await;
    let (output, json) = doctor(&env, "healthy", &[("OCI_CLI_ENDPOINT", fake.url())]).await;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json["needs_fixing"], 0);
}

#[tokio::test]
async fn quiet_prints_the_table_only_when_something_needs_fixing() {
    let env = TestEnv::start(approving());
    let quiet = |env: &TestEnv| {
        let mut cmd = env.cmd();
        cmd.args(["-q", "doctor"]);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    let calm = quiet(&env).await.unwrap();
    assert_eq!(calm.status.code(), Some(0));
    assert!(calm.stdout.is_empty() && calm.stderr.is_empty(), "{calm:?}");
    // A settings file that does not parse needs fixing: the table shows.
    let settings = env.home().join("config/oci-iam-sso/config.toml");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, "skew = [\n").unwrap();
    let broken = quiet(&env).await.unwrap();
    assert_eq!(broken.status.code(), Some(21));
    let table = String::from_utf8(broken.stdout).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("settings file") && l.contains(" FIX ")),
        "{table}"
    );
    assert!(table.contains("1 finding needs fixing"), "{table}");
}

#[tokio::test]
async fn a_broken_setup_lists_each_fix_and_exits_21() {
    let env = TestEnv::start(approving());
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    identity(&env);
    // The domain's clock is 10 minutes ahead of this machine's.
    env.control.set_clock_offset(600);
    // OCI's clock is 2 hours behind, so the session minted now expired an hour ago.
    fake.control().set_clock_offset(-7200);
    oci_session(&env, &fake, true).await;
    let db = env.home().join(".oci/db-token");
    std::fs::create_dir_all(&db).unwrap();
    let key = generate_key_pair(KeySize::Rsa2048).unwrap();
    let db_token = fake.control().mint_session(&key.public_pem).unwrap();
    std::fs::write(db.join("token"), &db_token).unwrap();
    std::fs::write(db.join("oci_db_key.pem"), key.private_pem.expose_secret()).unwrap();
    std::fs::set_permissions(db.join("token"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(
        db.join("oci_db_key.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let session_token =
        std::fs::read_to_string(env.home().join(".oci/sessions/DEFAULT/token")).unwrap();

    let (output, json) = doctor(
        &env,
        "broken",
        &[
            ("OCI_CLI_ENDPOINT", fake.url()),
            ("HTTPS_PROXY", "http://ada:s3cret-pw@proxy.invalid:3128"),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(21));
    assert!(json["needs_fixing"].as_u64().unwrap() >= 4, "{json}");
    let everything = format!(
        "{}{}{json}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for secret in [
        "s3cret-pw",
        session_token.trim(),
        db_token.trim(),
        support::KEY,
    ] {
        assert!(!everything.contains(secret), "a secret was printed");
    }
}

/// The proxy row tells the proxy the HTTP client will use: the setting wins
/// over HTTPS_PROXY (the adapter's one rule), and its password never shows.
#[tokio::test]
async fn the_proxy_row_names_the_configured_proxy_first() {
    let env = TestEnv::start(approving());
    identity(&env);
    let mut cmd = env.cmd();
    cmd.args(["doctor", "--output", "json"])
        .env(
            "OCI_IAM_SSO_PROXY",
            "http://ada:s3cret-pw@setting.invalid:3128",
        )
        .env("HTTPS_PROXY", "http://env.invalid:3128");
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let proxy = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "proxy")
        .unwrap_or_else(|| panic!("no proxy row: {json}"));
    assert_eq!(
        proxy["detail"],
        "--proxy or the proxy setting: http://[redacted]@setting.invalid:3128 (https:// requests only; NO_PROXY exempts hosts, loopback included)",
        "{proxy}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("s3cret-pw"));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret-pw"));
}

#[tokio::test]
async fn a_ca_bundle_that_is_no_pem_needs_fixing() {
    let env = TestEnv::start(approving());
    identity(&env);
    let bundle = env.home().join("corporate-ca.pem");
    std::fs::write(&bundle, "not a certificate\n").unwrap();
    let mut cmd = env.cmd();
    cmd.args(["doctor", "--output", "json"])
        .env("OCI_IAM_SSO_CA_BUNDLE", &bundle);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    // Every HTTPS call would fail with it, so doctor says so rather than probing on.
    assert_eq!(output.status.code(), Some(21));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ca = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "CA bundle")
        .unwrap_or_else(|| panic!("no CA bundle row: {json}"));
    assert_eq!(ca["status"], "fix", "{ca}");
}

/// The CA bundle row checks the bundle the HTTP client loads: `--ca-bundle`
/// (like the `ca_bundle` setting) counts, not only the variable.
#[tokio::test]
async fn the_ca_bundle_flag_is_the_bundle_doctor_checks() {
    let env = TestEnv::start(approving());
    identity(&env);
    let bundle = env.home().join("corporate-ca.pem");
    std::fs::write(&bundle, "not a certificate\n").unwrap();
    let mut cmd = env.cmd();
    cmd.args(["doctor", "--output", "json", "--ca-bundle"])
        .arg(&bundle);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ca = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "CA bundle")
        .unwrap_or_else(|| panic!("no CA bundle row: {json}"));
    assert_eq!(ca["status"], "fix", "{ca}");
}

#[tokio::test]
async fn servers_that_do_not_answer_skip_the_clock_checks() {
    let env = TestEnv::start(approving());
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    oci_session(&env, &fake, false).await;
    // A port nothing listens on: bound, then closed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let mut cmd = env.cmd();
    cmd.args(["doctor", "--output", "json"])
        .env("OCI_CLI_ENDPOINT", &closed);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let clock = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "clock vs OCI")
        .unwrap();
    assert_eq!(clock["status"], "info", "{json}");
    assert!(
        clock["detail"].as_str().unwrap().starts_with("skipped"),
        "{json}"
    );
    // Nothing else is wrong: a server offline is no finding to fix here.
    assert_eq!(output.status.code(), Some(0), "{json}");
}

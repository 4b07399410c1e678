//! stdout is data, stderr is for people, on every command, through the real
//! binary against the fake identity domain and the fake OCI auth service:
//! the OCI commands print nothing on stdout in text mode, `--quiet` prints
//! nothing on success (except the data a command exists to print), every
//! `--output json` shape is snapshotted, and `--output` is accepted before
//! and after the command's name (and the old `--json` still works).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::time::Duration;

use oci_iam_sso_testkit::FakeIdcsConfig;
use oci_iam_sso_testkit::oci::{FAKE_TENANCY, complete_login_from_file, write_browser_script};
use support::oci::{Oci, start_oci};
use support::{CLIENT_ID, TestEnv, approving};

const CONFIDENTIAL: &str = "ci-confidential-app";
/// A made-up client secret of the fake domain, not a real one.
const SECRET: &str = "ci-SECRET-0f9e8d";
const SECRET_VAR: &str = "CI_CLIENT_SECRET";

/// Both fakes, a public profile `default` (with a resource URL) and a
/// confidential one `ci` (for `session exchange`), both logged in.
fn logged_in() -> (TestEnv, Oci) {
    let env = TestEnv::start(FakeIdcsConfig {
        client_ids: vec![CLIENT_ID.into()],
        confidential_clients: vec![(CONFIDENTIAL.into(), SECRET.into())],
        ..approving()
    });
    let oci = start_oci();
    env.control.set_session_minter(oci.control.minter());
    env.add_profile("default");
    env.login("default");
    env.cmd()
        .args(["profile", "add", "ci", "--domain-url", &env.url])
        .args(["--client-id", CONFIDENTIAL])
        .args(["--client-secret-env", SECRET_VAR])
        .env(SECRET_VAR, SECRET)
        .assert()
        .success();
    env.login("ci");
    (env, oci)
}

fn cmd(env: &TestEnv, oci: &Oci) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.env("OCI_CLI_ENDPOINT", &oci.url);
    cmd
}

/// The OCI commands in the order a user runs them; each leaves what the
/// next needs (a profile, then a session).
const OCI_COMMANDS: &[&[&str]] = &[
    &[
        "setup",
        "config",
        "--tenancy",
        FAKE_TENANCY,
        "--region",
        "us-ashburn-1",
        "--profile",
        "work",
    ],
    &[
        "session",
        "exchange",
        "--idcs-profile",
        "ci",
        "--profile",
        "work",
    ],
    &["session", "validate", "--profile", "work"],
    &["session", "validate", "--local", "--profile", "work"],
    &["session", "refresh", "--profile", "work"],
    &["db-token", "get", "--profile", "work"],
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `args` (with `extra` flags put first) and checks it succeeded.
fn run(env: &TestEnv, oci: &Oci, extra: &[&str], args: &[&str]) -> std::process::Output {
    let output = cmd(env, oci).args(extra).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
    output
}

#[test]
fn the_oci_commands_print_nothing_on_stdout_in_text_mode() {
    let (env, oci) = logged_in();
    for args in OCI_COMMANDS {
        let output = run(&env, &oci, &[], args);
        assert_eq!(text(&output.stdout), "", "{args:?}: stdout is for data");
        assert!(
            !text(&output.stderr).is_empty(),
            "{args:?}: the person is told what happened"
        );
    }
}

#[test]
fn quiet_prints_nothing_on_success() {
    let (env, oci) = logged_in();
    // Commands that do something: nothing at all on either stream.
    let mut silent: Vec<Vec<&str>> = OCI_COMMANDS.iter().map(|a| a.to_vec()).collect();
    let url = env.url.clone();
    silent.extend([
        vec![
            "profile",
            "add",
            "spare",
            "--domain-url",
            &url,
            "--client-id",
            CLIENT_ID,
        ],
        vec!["profile", "set", "spare", "--scope", "openid"],
        vec!["profile", "default", "default"],
        vec!["logout", "--profile", "spare"],
        vec!["profile", "remove", "spare"],
    ]);
    // Twice over: the profile commands make a cycle (add ... remove).
    for quiet in ["-q", "--quiet"] {
        for args in &silent {
            let output = run(&env, &oci, &[quiet], args);
            assert_eq!(text(&output.stdout), "", "{quiet} {args:?}: stdout");
            assert_eq!(text(&output.stderr), "", "{quiet} {args:?}: stderr");
        }
    }
    // Commands that exist to print something: that, and nothing else.
    for args in [
        &["token"][..],
        &["status"],
        &["profile", "list"],
        &["profile", "show"],
        &["call", "/interop/rest/v1/services/dailymaintenance"],
    ] {
        let output = run(&env, &oci, &["--quiet"], args);
        assert!(!output.stdout.is_empty(), "{args:?}: its data");
        assert_eq!(text(&output.stderr), "", "{args:?}: stderr");
    }
    // `token -q` prints exactly the token.
    let output = run(&env, &oci, &[], &["token", "-q"]);
    assert_eq!(text(&output.stdout).trim(), env.token("default"));
    // A failure still says why, on stderr, with its exit code.
    let output = cmd(&env, &oci)
        .args(["-q", "session", "validate", "--profile", "nowhere"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(text(&output.stdout), "");
    assert!(text(&output.stderr).starts_with("error: "));
}

/// Runs `args` with `--output json --quiet` and snapshots its stdout
/// (pretty-printed, keys sorted; the one line scripts read is checked to be
/// one JSON document), after checking that stderr stays empty.
fn json_snapshot(env: &TestEnv, oci: &Oci, name: &str, args: &[&str]) -> serde_json::Value {
    // --quiet too, for the lines a login shows while it waits.
    let output = run(env, oci, &["--output", "json", "--quiet"], args);
    let stdout = text(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "{name}: one line: {stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(text(&output.stderr), "", "{name}: nothing for people");
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in env.filters() {
        settings.add_filter(&pattern, replacement);
    }
    settings.add_filter(r#""age_seconds": \d+"#, r#""age_seconds": "[SECONDS]""#);
    settings.add_filter(
        r#""fingerprint": "[^"]+""#,
        r#""fingerprint": "[FINGERPRINT]""#,
    );
    settings.set_prepend_module_to_snapshot(false);
    // A path (the scripted browser) is this run's own: shown as [PATH].
    let shown: Vec<&str> = args
        .iter()
        .map(|a| if a.starts_with('/') { "[PATH]" } else { a })
        .collect();
    settings.set_description(format!(
        "oci-iam-sso --output json --quiet {}",
        shown.join(" ")
    ));
    settings.bind(|| {
        insta::assert_snapshot!(
            format!("json_{name}"),
            serde_json::to_string_pretty(&value).unwrap()
        );
    });
    value
}

#[test]
fn every_json_shape() {
    let (env, oci) = logged_in();
    let token = json_snapshot(&env, &oci, "token", &["token"]);
    // The fake's token is a made-up JWT; the snapshot shows it redacted.
    assert!(token["access_token"].as_str().unwrap().starts_with("eyJ"));
    let status = json_snapshot(&env, &oci, "status", &["status", "--profile", "default"]);
    assert_eq!(status[0]["profile"], "default");
    json_snapshot(&env, &oci, "profile_list", &["profile", "list"]);
    json_snapshot(&env, &oci, "profile_show", &["profile", "show", "ci"]);
    let names = [
        "setup_config",
        "session_exchange",
        "session_validate",
        "session_validate_local",
        "session_refresh",
        "db_token_get",
    ];
    for (name, args) in names.iter().zip(OCI_COMMANDS) {
        json_snapshot(&env, &oci, name, args);
    }
}

#[test]
fn session_authenticate_json() {
    let (env, oci) = logged_in();
    let url_file = env.home().join("browser-url");
    let script = write_browser_script(env.home(), &url_file).unwrap();
    let browser =
        std::thread::spawn(move || complete_login_from_file(&url_file, Duration::from_secs(120)));
    let script = script.display().to_string();
    let value = json_snapshot(
        &env,
        &oci,
        "session_authenticate",
        &[
            "session",
            "authenticate",
            "--profile",
            "work",
            "--region",
            "us-ashburn-1",
            "--port",
            "0",
            "--browser-command",
            &script,
        ],
    );
    assert_eq!(browser.join().unwrap(), Ok(200));
    assert_eq!(value["identity_profile"], serde_json::Value::Null);
}

#[test]
fn output_json_is_accepted_before_and_after_the_command_name() {
    let (env, oci) = logged_in();
    run(&env, &oci, &[], OCI_COMMANDS[0]);
    run(&env, &oci, &[], OCI_COMMANDS[1]);
    for args in [
        &["token"][..],
        &["status"],
        &["profile", "list"],
        &["profile", "show"],
        &["session", "validate", "--profile", "work"],
        &["db-token", "get", "--profile", "work"],
    ] {
        let before = run(&env, &oci, &["--output", "json"], args);
        let after = run(&env, &oci, &[], &[args, &["--output=json"]].concat());
        let by_env = cmd(&env, &oci)
            .env("OCI_IAM_SSO_OUTPUT", "json")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            text(&before.stderr),
            "",
            "{args:?}: the JSON replaces the lines"
        );
        for output in [before, after, by_env] {
            let value: serde_json::Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&output.stdout)));
            assert!(value.is_object() || value.is_array(), "{args:?}");
        }
    }
    // `--output text` after the name wins over the variable.
    let output = cmd(&env, &oci)
        .env("OCI_IAM_SSO_OUTPUT", "json")
        .args([
            "session",
            "validate",
            "--profile",
            "work",
            "--output",
            "text",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn the_old_json_flags_still_work() {
    let (env, oci) = logged_in();
    for args in [
        &["token", "--json"][..],
        &["status", "--json"],
        &["profile", "list", "--json"],
        &["profile", "show", "--json"],
    ] {
        let output = run(&env, &oci, &[], args);
        let value: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&output.stdout)));
        assert!(value.is_object() || value.is_array(), "{args:?}");
    }
    // Hidden from the help, which teaches --output json.
    let help = run(&env, &oci, &[], &["token", "--help"]);
    assert!(!text(&help.stdout).contains("--json"));
    assert!(text(&help.stdout).contains("--output"));
}

#[test]
fn timestamps_are_rfc3339_in_token_and_status_alike() {
    let (env, oci) = logged_in();
    let token: serde_json::Value =
        serde_json::from_slice(&run(&env, &oci, &["--output", "json"], &["token"]).stdout).unwrap();
    let status: serde_json::Value = serde_json::from_slice(
        &run(
            &env,
            &oci,
            &["--output", "json"],
            &["status", "--profile", "default"],
        )
        .stdout,
    )
    .unwrap();
    let expires = token["expires_at"].as_str().unwrap();
    assert_eq!(status[0]["access_token"]["expires_at"], expires);
    assert!(expires.ends_with('Z') && expires.len() == 20, "{expires}");
}

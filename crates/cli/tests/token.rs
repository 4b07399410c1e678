//! `token`, `import`, `status` and `logout`, and the user-facing refresh errors.

mod support;

use oci_iam_sso_testkit::Fault;
use support::{CLIENT_ID, OTHER_KEY, TestEnv, approving};

fn logged_in() -> TestEnv {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.login("default");
    env
}

#[test]
fn cache_hit_sends_no_request() {
    let env = logged_in();
    let before = env.control.counters();
    let first = env.token("default");
    let second = env.token("default");
    assert_eq!(first, second);
    assert!(first.starts_with("eyJ"), "a JWT from the fake");
    assert_eq!(
        env.control.counters(),
        before,
        "a cache hit talks to nobody"
    );
}

/// Every entry under `dir` (files and directories, recursively): its path,
/// size and modification time. A directory's time changes when an entry is
/// created or deleted in it, so a file made and removed again is seen too.
fn snapshot_tree(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64, std::time::SystemTime)> {
    let mut entries = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in listing {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                pending.push(path.clone());
            }
            entries.push((path, meta.len(), meta.modified().expect("mtime")));
        }
    }
    entries.sort();
    entries
}

#[test]
fn a_cache_hit_writes_nothing() {
    let env = logged_in();
    // A refresh first: the store and its side directories (locks, kept-aside
    // slots) exist as they do in daily use.
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    let data = env.home().join("data");
    let config = env.home().join("config");
    let before = (snapshot_tree(&data), snapshot_tree(&config));
    // Coarse file-system clocks: a write within the same tick would keep the mtime.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before_counters = env.control.counters();
    for _ in 0..3 {
        env.token("default");
    }
    assert_eq!(env.control.counters(), before_counters, "cache hits");
    let after = (snapshot_tree(&data), snapshot_tree(&config));
    assert_eq!(
        before, after,
        "a cache-hit `token` created, changed or deleted a file"
    );
}

#[test]
fn token_json_and_options() {
    let env = logged_in();
    let output = cli_snapshot!(
        "token_json",
        env.filters(),
        env.cmd().args(["token", "--json"])
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(value["token_type"], "Bearer");
    assert_eq!(
        value["access_token"].as_str(),
        Some(env.token("default").as_str())
    );

    let before = env.control.counters().refresh_grants;
    let old = env.token("default");
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    assert_eq!(env.control.counters().refresh_grants, before + 1);
    assert_ne!(
        env.token("default"),
        old,
        "a forced refresh gives a new token"
    );

    // The fake's tokens live an hour: two cannot be had, and asking for them
    // must not refresh on every call.
    for _ in 0..3 {
        env.cmd()
            .args(["token", "--min-ttl", "2h"])
            .assert()
            .success();
    }
    assert_eq!(env.control.counters().refresh_grants, before + 1);
    // When it does refresh, it says once that the margin cannot be met.
    let output = env
        .cmd()
        .args(["token", "--min-ttl", "2h", "--force-refresh"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("less than the margin"), "{stderr}");
    assert_eq!(env.control.counters().refresh_grants, before + 2);

    // A margin the lifetime can honour is obeyed: 10 s tokens, 2 s later,
    // need a refresh for 9 s but not for 5 s (with no clock-skew margin on top).
    let normal = env.control.ttls();
    env.control.set_ttls(oci_iam_sso_testkit::Ttls {
        access: std::time::Duration::from_secs(10),
        ..normal
    });
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    std::thread::sleep(std::time::Duration::from_secs(2));
    env.cmd()
        .env("OCI_IAM_SSO_SKEW", "0s")
        .args(["token", "--min-ttl", "5s"])
        .assert()
        .success();
    assert_eq!(env.control.counters().refresh_grants, before + 3);
    env.cmd()
        .env("OCI_IAM_SSO_SKEW", "0s")
        .args(["token", "--min-ttl", "9s"])
        .assert()
        .success();
    assert_eq!(env.control.counters().refresh_grants, before + 4);
}

#[test]
fn not_logged_in_and_unknown_profile() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    cli_snapshot!("token_not_logged_in", env.filters(), env.cmd().arg("token"));
    cli_snapshot!(
        "token_unknown_profile",
        env.filters(),
        env.cmd().env("OCI_IAM_SSO_PROFILE", "nope").arg("token")
    );
}

#[test]
fn expired_refresh_token() {
    let env = logged_in();
    // Eight days later at the server: the 7-day refresh token is dead.
    env.control.set_clock_offset(8 * 86_400);
    cli_snapshot!(
        "token_refresh_expired",
        env.filters(),
        env.cmd().args(["token", "--force-refresh"])
    );
}

#[test]
fn invalid_refresh_token() {
    // `import` redeems the token first: garbage is refused and replaces nothing.
    let env = logged_in();
    let before = env.token("default");
    cli_snapshot!(
        "token_refresh_invalid",
        env.filters(),
        env.cmd().arg("import").write_stdin("not-a-token\n")
    );
    assert_eq!(env.token("default"), before, "the working login is kept");
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
}

#[test]
fn consumed_refresh_token() {
    let env = logged_in();
    // Someone else redeems the stored refresh token and the answer never
    // reaches this store (the fake rotates it, then drops the connection).
    env.control
        .inject(oci_iam_sso_testkit::Fault::ConsumeThenDrop, 1);
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .code(10);
    cli_snapshot!(
        "token_refresh_consumed",
        env.filters(),
        env.cmd().args(["token", "--force-refresh"])
    );
}

#[test]
fn malformed_json_from_the_token_endpoint() {
    let env = logged_in();
    env.control.inject(Fault::MalformedJson, 1);
    cli_snapshot!(
        "token_malformed_json",
        env.filters(),
        env.cmd().args(["token", "--force-refresh"])
    );
}

#[test]
fn wrong_store_key() {
    let env = logged_in();
    cli_snapshot!(
        "token_wrong_key",
        env.filters(),
        env.cmd().env("OCI_IAM_SSO_KEY", OTHER_KEY).arg("token")
    );
}

#[test]
fn key_file_and_passphrase() {
    let env = TestEnv::start(approving());
    // Without OCI_IAM_SSO_KEY the key file is created on first use.
    let mut cmd = env.cmd();
    cmd.env_remove("OCI_IAM_SSO_KEY");
    cmd.args([
        "profile",
        "add",
        "default",
        "--domain-url",
        &env.url,
        "--client-id",
        CLIENT_ID,
    ])
    .assert()
    .success();
    assert!(env.home().join("data/oci-iam-sso/store.key").exists());
    let mut cmd = env.cmd();
    cmd.env_remove("OCI_IAM_SSO_KEY")
        .args(["profile", "show", "default"])
        .assert()
        .success();

    let store = env.home().join("pass.db");
    let store = store.to_str().expect("utf-8");
    let with_passphrase = |value: &str| {
        let mut cmd = env.cmd();
        cmd.env_remove("OCI_IAM_SSO_KEY")
            .env("MY_PASS", value)
            .args(["--store", store, "--passphrase-env", "MY_PASS"]);
        cmd
    };
    with_passphrase("correct horse")
        .args([
            "profile",
            "add",
            "p",
            "--domain-url",
            &env.url,
            "--client-id",
            CLIENT_ID,
        ])
        .assert()
        .success();
    with_passphrase("correct horse")
        .args(["profile", "show", "p"])
        .assert()
        .success();
    let output = with_passphrase("wrong")
        .args(["profile", "show", "p"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(14));
    let output = env
        .cmd()
        .args([
            "--store",
            store,
            "--passphrase-env",
            "UNSET_VAR",
            "profile",
            "list",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(14));
}

#[test]
fn no_secret_in_the_store_file() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    let imported = env.control.issue_refresh_token_for("ada@example.com");
    env.cmd()
        .arg("import")
        .write_stdin(format!("{imported}\n"))
        .assert()
        .success();
    let access = env.token("default");
    env.add_profile("second");
    env.login("second");
    let second = env.token("second");
    let mut bytes = std::fs::read(env.store_path()).expect("store file");
    let wal = env.store_path().with_extension("db-wal");
    if let Ok(more) = std::fs::read(&wal) {
        bytes.extend(more);
    }
    for secret in [
        imported.as_str(),
        access.as_str(),
        second.as_str(),
        CLIENT_ID,
    ] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a secret is in the store file in clear"
        );
    }
}

#[test]
fn import_then_token() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    let token = env.control.issue_refresh_token_for("ada@example.com");
    cli_snapshot!(
        "import",
        env.filters(),
        env.cmd().arg("import").write_stdin(format!("{token}\n"))
    );
    let access = env.token("default");
    assert!(access.starts_with("eyJ"));
    assert!(
        !env.control.is_refresh_token_current(&token),
        "rotated by `token`"
    );
    cli_snapshot!(
        "import_empty",
        env.filters(),
        env.cmd().arg("import").write_stdin("\n")
    );
}

#[test]
fn status_and_logout() {
    let env = logged_in();
    env.add_profile("other");
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    cli_snapshot!("status", env.filters(), env.cmd().arg("status"));
    let output = env
        .cmd()
        .args(["status", "--json", "--profile", "default"])
        .output()
        .expect("runs");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(value[0]["profile"], "default");
    assert_eq!(value[0]["refresh_token"]["generation"], 2);
    assert_eq!(value.as_array().map(Vec::len), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains(&env.token("default")),
        "status shows no token"
    );

    // A shorter refresh lifetime setting brings the warning.
    let output = env
        .cmd()
        .env("OCI_IAM_SSO_REFRESH_TOKEN_LIFETIME", "12h")
        .args(["status", "--profile", "default"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&output.stdout).contains("warning:"));

    cli_snapshot!("logout", env.filters(), env.cmd().arg("logout"));
    assert_eq!(env.control.counters().revocations, 1);
    cli_snapshot!("logout_again", env.filters(), env.cmd().arg("logout"));
    cli_snapshot!("token_after_logout", env.filters(), env.cmd().arg("token"));
}

#[test]
fn a_passphrase_prompt_without_a_terminal_is_refused_not_hung() {
    let env = logged_in();
    let output = cli_snapshot!(
        "token_ask_passphrase_without_tty",
        env.filters(),
        env.cmd()
            .env_remove("OCI_IAM_SSO_KEY")
            .args(["token", "--ask-passphrase"])
    );
    assert_eq!(output.status.code(), Some(14));
}

//! Snapshots of every command's `--help`: the text that teaches the tool.

mod support;

fn help(args: &[&str]) -> String {
    let env = tempfile::tempdir().expect("temp dir");
    let output = assert_cmd::Command::cargo_bin("oci-iam-sso")
        .expect("binary")
        .env_clear()
        .env("HOME", env.path())
        .env("COLUMNS", "100")
        .args(args)
        .arg("--help")
        .output()
        .expect("runs");
    assert!(output.status.success(), "--help exits 0");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn every_command_has_help() {
    for args in [
        &[][..],
        &["profile"],
        &["profile", "add"],
        &["profile", "list"],
        &["profile", "show"],
        &["profile", "remove"],
        &["login"],
        &["token"],
        &["call"],
        &["exec"],
        &["status"],
        &["logout"],
        &["import"],
        &["setup"],
        &["setup", "config"],
        &["session"],
        &["session", "authenticate"],
        &["session", "refresh"],
        &["session", "validate"],
        &["session", "exchange"],
        &["db-token"],
        &["db-token", "get"],
        &["keep"],
        &["oke"],
        &["oke", "token"],
        &["oke", "kubeconfig"],
        &["completions"],
        &["doctor"],
        &["store", "rekey"],
    ] {
        let name = if args.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{}", args.join("_"))
        };
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, help(args));
        });
    }
}

#[test]
fn usage_errors_exit_2() {
    let output = assert_cmd::Command::cargo_bin("oci-iam-sso")
        .expect("binary")
        .args(["token", "--min-ttl", "soon"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let output = assert_cmd::Command::cargo_bin("oci-iam-sso")
        .expect("binary")
        .arg("frobnicate")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
}

//! `completions SHELL`: a script on stdout for each shell clap_complete knows,
//! and the hidden `__man DIR` behind `cargo xtask man`.

#[test]
fn each_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = assert_cmd::Command::cargo_bin("oci-iam-sso")
            .expect("binary")
            .env_clear()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{shell}");
        assert!(output.stderr.is_empty(), "{shell}: nothing on stderr");
        let script = String::from_utf8(output.stdout).expect("utf-8");
        for word in ["oci-iam-sso", "login", "db-token", "timeout"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        assert!(
            !script.contains("__man"),
            "{shell}: the hidden command stays hidden"
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    assert_cmd::Command::cargo_bin("oci-iam-sso")
        .expect("binary")
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn man_writes_one_page_per_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("man");
    assert_cmd::Command::cargo_bin("oci-iam-sso")
        .expect("binary")
        .env_clear()
        .arg("__man")
        .arg(&out)
        .assert()
        .success();
    for page in [
        "oci-iam-sso.1",
        "oci-iam-sso-login.1",
        "oci-iam-sso-profile-add.1",
        "oci-iam-sso-session-exchange.1",
        "oci-iam-sso-completions.1",
    ] {
        let text = std::fs::read_to_string(out.join(page)).expect(page);
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page} is roff"
        );
    }
    assert!(!out.join("oci-iam-sso-__man.1").exists());
    let login = std::fs::read_to_string(out.join("oci-iam-sso-login.1")).expect("login page");
    assert!(
        login.contains("timeout"),
        "the login page documents its flags"
    );
}

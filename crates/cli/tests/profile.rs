//! `profile add|list|show|remove` and the settings file, through the real binary.

mod support;

use support::{CLIENT_ID, TestEnv, approving};

#[test]
fn add_list_show_remove() {
    let env = TestEnv::start(approving());
    cli_snapshot!(
        "profile_add",
        env.filters(),
        env.cmd()
            .args(["profile", "add", "epm", "--domain-url", &env.url])
            .args([
                "--client-id",
                CLIENT_ID,
                "--resource-url",
                &env.resource_url
            ])
    );
    // The client id may come from the environment instead of the process args.
    env.cmd()
        .env("OCI_IAM_SSO_CLIENT_ID", "other-client")
        .args(["profile", "add", "second", "--domain-url", &env.url])
        .args(["--scope", "urn:opc:idm:__myscopes__"])
        .assert()
        .success();
    cli_snapshot!(
        "profile_list",
        env.filters(),
        env.cmd().args(["profile", "list"])
    );
    cli_snapshot!(
        "profile_list_json",
        env.filters(),
        env.cmd().args(["profile", "list", "--json"])
    );
    cli_snapshot!(
        "profile_show",
        env.filters(),
        env.cmd().args(["profile", "show", "second"])
    );
    cli_snapshot!(
        "profile_show_json",
        env.filters(),
        env.cmd().args(["profile", "show", "epm", "--json"])
    );
    cli_snapshot!(
        "profile_add_exists",
        env.filters(),
        env.cmd()
            .args(["profile", "add", "epm", "--domain-url", &env.url])
            .args(["--client-id", CLIENT_ID])
    );
    cli_snapshot!(
        "profile_remove",
        env.filters(),
        env.cmd().args(["profile", "remove", "epm"])
    );
    cli_snapshot!(
        "profile_remove_unknown",
        env.filters(),
        env.cmd().args(["profile", "remove", "epm"])
    );
    let listed = env.cmd().args(["profile", "list"]).output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 1);
}

#[test]
fn invalid_input_is_refused() {
    let env = TestEnv::start(approving());
    cli_snapshot!(
        "profile_add_http_url",
        env.filters(),
        env.cmd()
            .args([
                "profile",
                "add",
                "x",
                "--domain-url",
                "http://idcs.example.com"
            ])
            .args(["--client-id", CLIENT_ID])
    );
    cli_snapshot!(
        "profile_add_bad_name",
        env.filters(),
        env.cmd()
            .args(["profile", "add", "a/b", "--domain-url", &env.url])
            .args(["--client-id", CLIENT_ID])
    );
    cli_snapshot!(
        "profile_show_unknown",
        env.filters(),
        env.cmd().args(["profile", "show", "nope"])
    );
}

#[test]
fn bad_settings_file_names_the_key() {
    let env = TestEnv::start(approving());
    let dir = env.home().join("config/oci-iam-sso");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("config.toml"), "lock_timeout = \"soon\"\n").expect("write");
    cli_snapshot!(
        "settings_bad_duration",
        env.filters(),
        env.cmd().args(["profile", "list"])
    );
    std::fs::write(dir.join("config.toml"), "lock_timout = \"5s\"\n").expect("write");
    cli_snapshot!(
        "settings_unknown_key",
        env.filters(),
        env.cmd().args(["profile", "list"])
    );
    // An environment override is named as the source of a bad value.
    std::fs::write(dir.join("config.toml"), "").expect("write");
    cli_snapshot!(
        "settings_bad_env",
        env.filters(),
        env.cmd()
            .env("OCI_IAM_SSO_REQUEST_TIMEOUT", "-1")
            .args(["profile", "list"])
    );
}

#[test]
fn settings_choose_store_and_default_profile() {
    let env = TestEnv::start(approving());
    let dir = env.home().join("config/oci-iam-sso");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let store = env.home().join("elsewhere/t.db");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "default_profile = \"epm\"\nstore_path = \"{}\"\n",
            store.display()
        ),
    )
    .expect("write");
    env.add_profile("epm");
    assert!(store.exists(), "the store is where the settings say");
    assert!(!env.store_path().exists());
    // login picks default_profile (and so does `profile show` without a name).
    env.cmd().args(["login", "--no-browser"]).assert().success();
    // --store wins over the settings file.
    let other = env.home().join("other.db");
    env.cmd()
        .args(["--store", other.to_str().expect("utf-8"), "profile", "list"])
        .assert()
        .success();
    assert!(other.exists());
}

//! The real `oci-iam-sso` binary against the fake OCI auth service, with HOME
//! in a temporary directory and no terminal on stdin: browser login through a
//! scripted browser, db-token get, and the failures (expired session, 401,
//! 403, 404, 503, wrong key, unwritable location, malformed config) with
//! their exit codes.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use oci_iam_sso_adapters_store::FsOciFiles;
use oci_iam_sso_adapters_store::generate_key_pair;
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{KeySize, OciFiles as _, OciProfileName};
use oci_iam_sso_testkit::oci::{
    FAKE_TENANCY, FakeOciAuth, FakeOciConfig, HeldEndpoint, complete_login_from_file,
    write_browser_script,
};

struct Env {
    fake: FakeOciAuth,
    home: tempfile::TempDir,
}

async fn env() -> Env {
    Env {
        fake: FakeOciAuth::start(FakeOciConfig::default()).await.unwrap(),
        home: tempfile::tempdir().unwrap(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

impl Env {
    /// Runs the binary off the runtime's thread, so the fake keeps answering.
    async fn run(&self, args: &[&str]) -> Output {
        self.run_with(
            args,
            &[(
                "OCI_IAM_SSO_KEY",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )],
        )
        .await
    }

    /// [`Env::run`] with these variables instead of the store key.
    async fn run_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCI_CLI_ENDPOINT", self.fake.url())
            .envs(vars.iter().copied())
            .stdin(std::process::Stdio::null());
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    async fn session(&self, name: &str) {
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        let token = self.fake.control().mint_session(&key.public_pem).unwrap();
        let files = FsOciFiles::new(
            self.home.path().join(".oci/config"),
            self.home.path().into(),
            None,
        );
        let region = files.region("us-ashburn-1").unwrap();
        files
            .save_new_session(
                &OciProfileName::new(name).unwrap(),
                &region,
                &oci_iam_sso_domain::oci::TenancyOcid::parse(FAKE_TENANCY).unwrap(),
                &key,
                &SessionToken::new(token),
            )
            .await
            .unwrap();
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.home.path().join(relative)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn browser_login_then_db_token() {
    let env = env().await;
    let url_file = env.path("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let browser =
        std::thread::spawn(move || complete_login_from_file(&url_file, Duration::from_secs(120)));
    let output = env
        .run(&[
            "session",
            "authenticate",
            "--profile",
            "work",
            "--region",
            "us-ashburn-1",
            "--port",
            "0",
            "--browser-command",
            &script.display().to_string(),
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(browser.join().unwrap(), Ok(200));
    assert!(
        text(&output.stderr).contains("is valid until"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(text(&output.stdout), "", "stdout is for data only");
    let dir = env.path(".oci/sessions/work");
    assert_eq!(mode(&dir), 0o700);
    for file in ["oci_api_key.pem", "oci_api_key_public.pem", "token"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    let token = std::fs::read_to_string(dir.join("token")).unwrap();
    assert!(!text(&output.stdout).contains(&token) && !text(&output.stderr).contains(&token));
    assert_eq!(mode(&env.path(".oci/config")), 0o600);

    let output = env.run(&["db-token", "get", "--profile", "work"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let db = env.path(".oci/db-token");
    assert_eq!(mode(&db), 0o700);
    for file in ["token", "oci_db_key.pem", "oci_db_key_public.pem"] {
        assert_eq!(mode(&db.join(file)), 0o600, "{file}");
    }
    assert_eq!(env.fake.control().counters().signature_failures, 0);
}

#[tokio::test]
async fn browser_is_the_login_browser_when_no_command_is_given() {
    let env = env().await;
    let url_file = env.path("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let browser =
        std::thread::spawn(move || complete_login_from_file(&url_file, Duration::from_secs(120)));
    let script = script.display().to_string();
    let output = env
        .run_with(
            &[
                "session",
                "authenticate",
                "--region",
                "us-ashburn-1",
                "--port",
                "0",
            ],
            &[("BROWSER", script.as_str())],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(browser.join().unwrap(), Ok(200));
    assert!(
        text(&output.stderr).contains("Log in in the browser window"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn an_expired_session_exits_17_with_the_login_remedy() {
    let env = env().await;
    env.fake.control().set_token_ttl(Duration::from_secs(1));
    env.fake.control().set_clock_offset(-600);
    env.session("DEFAULT").await;
    let output = env.run(&["db-token", "get"]).await;
    assert_eq!(output.status.code(), Some(17), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("oci-iam-sso session authenticate --profile DEFAULT"),
        "{}",
        text(&output.stderr)
    );
    assert!(!env.path(".oci/db-token").exists());
}

#[tokio::test]
async fn a_revoked_session_cannot_be_refreshed() {
    let env = env().await;
    env.session("DEFAULT").await;
    env.fake.control().revoke_sessions();
    let output = env.run(&["session", "refresh"]).await;
    assert_eq!(output.status.code(), Some(17), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("can no longer be refreshed; log in again"),
        "{}",
        text(&output.stderr)
    );
    let output = env.run(&["db-token", "get"]).await;
    assert_eq!(output.status.code(), Some(9), "{}", text(&output.stderr));
    assert!(!env.path(".oci/db-token/oci_db_key.pem").exists());
}

#[tokio::test]
async fn a_403_or_404_from_oci_exits_16_with_its_own_remedy() {
    let env = env().await;
    env.session("DEFAULT").await;
    for (status, message, fix) in [
        (
            403,
            "answered HTTP 403 Forbidden",
            "check that an IAM policy allows it",
        ),
        (
            404,
            "answered HTTP 404 Not Found",
            "check the profile's region and --endpoint",
        ),
    ] {
        env.fake.control().fail_with(HeldEndpoint::DbToken, status);
        let output = env.run(&["db-token", "get"]).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(16), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(stderr.contains(fix), "{stderr}");
        assert!(!stderr.contains("having trouble"), "{stderr}");
        assert!(!stderr.contains("fake-oci fault body"), "{stderr}");
        assert!(!env.path(".oci/db-token/token").exists());
    }
    env.fake.control().fail_with(HeldEndpoint::Refresh, 503);
    let output = env.run(&["session", "refresh"]).await;
    assert_eq!(output.status.code(), Some(11), "{}", text(&output.stderr));
}

#[tokio::test]
async fn a_wrong_key_and_an_unwritable_location_fail_with_their_codes() {
    let env = env().await;
    env.session("DEFAULT").await;
    let blocker = env.path("a-file");
    std::fs::write(&blocker, "").unwrap();
    let location = blocker.join("db").display().to_string();
    let output = env
        .run(&["db-token", "get", "--db-token-location", &location])
        .await;
    assert_eq!(output.status.code(), Some(13), "{}", text(&output.stderr));

    let other = generate_key_pair(KeySize::Rsa2048).unwrap();
    std::fs::write(
        env.path(".oci/sessions/DEFAULT/oci_api_key.pem"),
        other.private_pem.expose_secret(),
    )
    .unwrap();
    let output = env.run(&["session", "validate"]).await;
    assert_eq!(output.status.code(), Some(17), "{}", text(&output.stderr));
    let output = env.run(&["db-token", "get"]).await;
    assert_eq!(output.status.code(), Some(9), "{}", text(&output.stderr));
}

#[tokio::test]
async fn a_malformed_config_exits_3_naming_the_line() {
    let env = env().await;
    std::fs::create_dir_all(env.path(".oci")).unwrap();
    std::fs::write(
        env.path(".oci/config"),
        "[DEFAULT]\nregion=us-ashburn-1\nnot ini\n",
    )
    .unwrap();
    let output = env.run(&["session", "validate", "--local"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("line 3"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn setup_config_writes_a_session_profile_without_an_api_key() {
    let env = env().await;
    let output = env
        .run(&[
            "setup",
            "config",
            "--tenancy",
            FAKE_TENANCY,
            "--region",
            "us-ashburn-1",
            "--profile",
            "work",
        ])
        .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let config = std::fs::read_to_string(env.path(".oci/config")).unwrap();
    assert!(config.contains("[work]"), "{config}");
    assert!(
        config.contains(&format!("tenancy={FAKE_TENANCY}"))
            || config.contains(&format!("tenancy = {FAKE_TENANCY}")),
        "{config}"
    );
    assert!(
        config.contains("region") && config.contains("us-ashburn-1"),
        "{config}"
    );
    assert!(config.contains("security_token_file"), "{config}");
    assert!(
        !config.contains("key_file") || config.contains("sessions"),
        "no API key: {config}"
    );
    assert_eq!(mode(&env.path(".oci/config")), 0o600);

    let bad = env
        .run(&[
            "setup",
            "config",
            "--tenancy",
            "not-an-ocid",
            "--region",
            "us-ashburn-1",
        ])
        .await;
    assert_eq!(bad.status.code(), Some(3), "{}", text(&bad.stderr));
    assert_eq!(
        text(&bad.stderr)
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );
}

#[tokio::test]
async fn the_oci_commands_run_whatever_state_the_token_store_is_in() {
    let env = env().await;
    env.session("DEFAULT").await;
    let settings = env.path("settings.toml");
    std::fs::write(&settings, "lock_timout = \"5s\"\n").unwrap();
    let settings = settings.display().to_string();
    // A settings file that does not parse, and a store key that is not one:
    // the OCI commands read neither.
    let broken = [("OCI_IAM_SSO_CONFIG", settings.as_str())];
    let bad_key = [("OCI_IAM_SSO_KEY", "not a key")];
    for vars in [&broken[..], &bad_key[..]] {
        for args in [
            &["session", "validate", "--local"][..],
            &["session", "refresh"],
            &["db-token", "get"],
            &[
                "setup",
                "config",
                "--tenancy",
                FAKE_TENANCY,
                "--region",
                "us-ashburn-1",
                "--profile",
                "other",
            ],
        ] {
            let output = env.run_with(args, vars).await;
            assert_eq!(
                output.status.code(),
                Some(0),
                "{args:?} {vars:?}: {}",
                text(&output.stderr)
            );
        }
    }
    // `session exchange` needs the store, so it reports the settings.
    let output = env.run_with(&["session", "exchange"], &broken).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("lock_timout"),
        "{}",
        text(&output.stderr)
    );
    let output = env.run_with(&["session", "exchange"], &bad_key).await;
    assert_ne!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        !env.path(".local/share/oci-iam-sso/tokens.db").exists(),
        "no token store was created"
    );
}

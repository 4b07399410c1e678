//! Flags and files as OCI CLI users know them: `--auth security_token`,
//! `OCI_CLI_REGION`, `--profile-name` / `--config-location`, the
//! `OCI_API_KEY` label line of session keys, region names checked with a
//! did-you-mean, profiles that hold an API key, and the headless login
//! (over SSH: the URL and the port forward on stderr).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use oci_iam_sso_testkit::oci::{
    FAKE_TENANCY, FakeOciAuth, FakeOciConfig, complete_login, complete_login_from_file,
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Env {
    fn command(&self, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCI_CLI_ENDPOINT", self.fake.url())
            .envs(vars.iter().copied())
            .stdin(Stdio::null());
        command
    }

    async fn run(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut command = self.command(args, vars);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.home.path().join(relative)
    }

    /// `session authenticate` with the scripted browser; returns its output.
    async fn login(&self, args: &[&str]) -> Output {
        // A file of its own per login: the browser of a refused login (which
        // never got a URL) still waits on its file and must not take this one's.
        static LOGINS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = LOGINS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let url_file = self.path(&format!("browser-url-{n}"));
        let _ = std::fs::remove_file(&url_file);
        let script = write_browser_script(self.home.path(), &url_file).unwrap();
        let browser = std::thread::spawn(move || {
            complete_login_from_file(&url_file, Duration::from_secs(60))
        });
        let script = script.display().to_string();
        let mut all = vec!["session", "authenticate", "--port", "0"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--browser-command", &script]);
        let output = self.run(&all, &[]).await;
        if output.status.success() {
            assert_eq!(browser.join().unwrap(), Ok(200));
        }
        output
    }
}

#[tokio::test]
async fn the_oci_cli_spellings_work_and_keys_carry_the_label_line() {
    let env = env().await;
    let config = env.path("elsewhere/oci-config");
    let config_arg = config.display().to_string();
    let output = env
        .login(&[
            "--profile-name",
            "work",
            "--config-location",
            &config_arg,
            "--region",
            "us-ashburn-1",
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains("[work]"), "{written}");
    let key = std::fs::read_to_string(env.path(".oci/sessions/work/oci_api_key.pem")).unwrap();
    assert!(
        key.ends_with("-----END PRIVATE KEY-----\nOCI_API_KEY"),
        "{key}"
    );

    // `--auth security_token` is accepted; OCI_CLI_REGION is honoured.
    let output = env
        .run(
            &[
                "db-token",
                "get",
                "--profile",
                "work",
                "--auth",
                "security_token",
            ],
            &[
                ("OCI_CLI_CONFIG_FILE", &config_arg),
                ("OCI_CLI_REGION", "us-phoenix-1"),
            ],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let db_key = std::fs::read_to_string(env.path(".oci/db-token/oci_db_key.pem")).unwrap();
    assert!(
        db_key.trim_end().ends_with("-----END PRIVATE KEY-----"),
        "{db_key}"
    );

    let output = env
        .run(&["db-token", "get", "--auth", "api_key"], &[])
        .await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("session tokens only"), "{stderr}");
    assert!(stderr.contains("--auth security_token"), "{stderr}");
}

#[tokio::test]
async fn oci_cli_region_is_honoured_and_typos_are_refused_with_the_region_meant() {
    let env = env().await;
    let output = env
        .run(
            &["setup", "config", "--tenancy", FAKE_TENANCY],
            &[("OCI_CLI_REGION", "eu-frankfurt-1")],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let config = std::fs::read_to_string(env.path(".oci/config")).unwrap();
    assert!(config.contains("region=eu-frankfurt-1"), "{config}");

    let output = env
        .run(
            &[
                "setup",
                "config",
                "--tenancy",
                FAKE_TENANCY,
                "--region",
                "us-ashbur-1",
            ],
            &[],
        )
        .await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("did you mean `us-ashburn-1`?"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(env.path(".oci/config")).unwrap(),
        config,
        "nothing written"
    );
}

#[tokio::test]
async fn a_profile_that_holds_an_api_key_is_converted_only_when_asked() {
    let env = env().await;
    std::fs::create_dir_all(env.path(".oci")).unwrap();
    let api_key_profile = "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint=aa:bb\nkey_file=~/.oci/oci_api_key.pem\npass_phrase=x\ntenancy=ocid1.tenancy.oc1..aaaa\nregion=us-ashburn-1\n";
    std::fs::write(env.path(".oci/config"), api_key_profile).unwrap();

    // `setup config` keeps it an API-key profile: no security_token_file.
    let output = env
        .run(
            &[
                "setup",
                "config",
                "--tenancy",
                FAKE_TENANCY,
                "--region",
                "us-phoenix-1",
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("--convert-api-key-profile"));
    let config = std::fs::read_to_string(env.path(".oci/config")).unwrap();
    assert!(!config.contains("security_token_file"), "{config}");
    assert!(config.contains("user=ocid1.user"), "{config}");

    let output = env.login(&[]).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("holds an API key"), "{stderr}");
    assert!(stderr.contains("--convert-api-key-profile"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(env.path(".oci/config")).unwrap(),
        config
    );

    let output = env.login(&["--convert-api-key-profile"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let config = std::fs::read_to_string(env.path(".oci/config")).unwrap();
    assert!(
        !config.contains("user=") && !config.contains("pass_phrase"),
        "{config}"
    );
    assert!(config.contains("security_token_file="), "{config}");
}

#[tokio::test]
async fn over_ssh_the_url_and_the_port_forward_go_to_stderr() {
    let env = env().await;
    let mut command = env.command(
        &[
            "session",
            "authenticate",
            "--region",
            "us-ashburn-1",
            "--port",
            "0",
        ],
        &[
            ("SSH_CONNECTION", "10.0.0.5 51234 192.0.2.7 22"),
            ("USER", "ada"),
            ("DISPLAY", ":0"),
        ],
    );
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let finished = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        let mut forward = None;
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.trim_start().starts_with("ssh -L ") {
                forward = Some(line.trim().to_owned());
            }
            if line.trim_start().starts_with("http") && line.contains("/v1/oauth2/authorize") {
                // The user's own browser, through the forward: here, the scripted one.
                assert_eq!(complete_login(line.trim()), Ok(200));
            }
            lines.push(line);
        }
        (forward, lines)
    });
    let status = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (forward, lines) = finished.await.unwrap();
    assert_eq!(status.status.code(), Some(0), "{lines:?}");
    let forward = forward.expect("a port-forward line");
    let port = forward
        .trim_start_matches("ssh -L ")
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        forward,
        format!("ssh -L {port}:localhost:{port} ada@192.0.2.7")
    );
    assert!(env.path(".oci/sessions/DEFAULT/token").exists());
}

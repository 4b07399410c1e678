//! The OCI commands run in process against the fake OCI auth service, with
//! HOME in a temporary directory: the browser login driven by a scripted
//! browser, refresh, validate, db-token get, and their failures.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use oci_iam_sso_adapters_store::FsOciFiles;
use oci_iam_sso_adapters_store::generate_key_pair;
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{KeySize, OciFiles as _, OciProfileName};
use oci_iam_sso_testkit::oci::{FAKE_TENANCY, FakeOciAuth, FakeOciConfig, Rejection};
use oci_iam_sso_testkit::oci::{complete_login_from_file, write_browser_script};

use super::*;
use crate::args::Cli;
use crate::compose::App;
use crate::failure::Failure;
use crate::output::Output;

pub(super) struct Env {
    pub(super) fake: FakeOciAuth,
    pub(super) home: tempfile::TempDir,
    pub(super) globals: OciGlobalArgs,
}

pub(super) async fn env() -> Env {
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let globals = OciGlobalArgs {
        config_file: None,
        endpoint: Some(fake.url().to_owned()),
        region: None,
        profile: None,
        home: Some(home.path().to_path_buf()),
    };
    Env {
        fake,
        home,
        globals,
    }
}

pub(super) fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// An app as the binary builds it, printing into memory. The OCI commands
/// here never read its settings or open its store.
pub(super) fn app() -> App {
    use clap::Parser as _;
    let cli = Cli::try_parse_from(["oci-iam-sso", "status"]).unwrap();
    App::new(cli.global, Output::memory())
}

/// A command's result and the lines it printed for people (stderr).
pub(super) type Run = (Result<u8, Failure>, String);

/// What `app` printed for people; in text mode an OCI command prints
/// nothing on stdout (it writes files, it has no data to print).
pub(super) fn report(app: &App) -> String {
    let stdout = app.out.stdout_text();
    assert!(
        stdout.is_empty(),
        "nothing on stdout in text mode: {stdout}"
    );
    app.out.stderr_text()
}

pub(super) fn profile(name: &str) -> OciProfileArg {
    OciProfileArg {
        profile: Some(name.into()),
    }
}

impl Env {
    fn files(&self) -> FsOciFiles {
        FsOciFiles::new(
            self.home.path().join(".oci/config"),
            self.home.path().into(),
            None,
        )
    }

    /// A session for `name` as a browser login would leave it, without the browser.
    pub(super) async fn session(&self, name: &str) {
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        let token = self.fake.control().mint_session(&key.public_pem).unwrap();
        let files = self.files();
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

    pub(super) fn session_dir(&self, name: &str) -> PathBuf {
        self.home.path().join(".oci/sessions").join(name)
    }

    pub(super) async fn session_cmd(&self, command: SessionCommand) -> Run {
        let app = app();
        let result = session(&app, &self.globals, command).await;
        (result, report(&app))
    }

    pub(super) async fn setup_cmd(&self, command: SetupCommand) -> Run {
        let app = app();
        let result = setup(&app, &self.globals, command).await;
        (result, report(&app))
    }

    /// `session authenticate` that gives up after `timeout`.
    pub(super) async fn authenticate_within(
        &self,
        args: AuthenticateArgs,
        timeout: Duration,
    ) -> Run {
        let app = app();
        let result = super::login::authenticate_within(&app, &self.globals, args, timeout).await;
        (result, report(&app))
    }

    pub(super) async fn db_token(&self, name: &str, location: &Path) -> Run {
        let command = DbTokenCommand::Get(DbTokenGetArgs {
            profile: profile(name),
            scope: "urn:oracle:db::id::*".into(),
            db_token_location: Some(location.to_path_buf()),
            key_size: 2048,
        });
        let app = app();
        let result = db_token(&app, &self.globals, command).await;
        (result, report(&app))
    }
}

#[tokio::test]
async fn browser_login_writes_the_session_and_the_profile() {
    let mut env = env().await;
    env.globals.region = Some("us-ashburn-1".into());
    let url_file = env.home.path().join("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let browser =
        std::thread::spawn(move || complete_login_from_file(&url_file, Duration::from_secs(60)));
    let (result, output) = env
        .session_cmd(SessionCommand::Authenticate(AuthenticateArgs {
            profile: profile("work"),
            tenancy_name: Some("acme".into()),
            no_browser: false,
            port: 0,
            browser_command: Some(script.display().to_string()),
            allow_tenancy_change: false,
        }))
        .await;
    result.unwrap();
    assert_eq!(browser.join().unwrap(), Ok(200));
    assert!(
        output.contains("Session of profile [work] is valid until"),
        "{output}"
    );

    let query = env.fake.control().last_authorize_query().unwrap();
    for part in [
        "action=login",
        "client_id=iaas_console",
        "response_type=token+id_token",
        "scope=openid",
        "tenant=acme",
        "redirect_uri=http%3A%2F%2Flocalhost%3A",
    ] {
        assert!(query.contains(part), "{part} missing in {query}");
    }

    let dir = env.session_dir("work");
    assert_eq!(mode(&dir), 0o700);
    for file in ["oci_api_key.pem", "oci_api_key_public.pem", "token"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    let token = std::fs::read_to_string(dir.join("token")).unwrap();
    assert!(!token.ends_with('\n'));
    let config = std::fs::read_to_string(env.home.path().join(".oci/config")).unwrap();
    assert!(config.starts_with("[work]\nfingerprint="), "{config}");
    assert!(
        config.contains(&format!(
            "tenancy={FAKE_TENANCY}\nregion=us-ashburn-1\nsecurity_token_file="
        )),
        "{config}"
    );
    assert!(!output.contains(&token), "the token must not be printed");

    // The new session works with the service.
    env.globals.region = None;
    let (result, output) = env
        .session_cmd(SessionCommand::Validate(ValidateArgs {
            profile: profile("work"),
            local: false,
        }))
        .await;
    result.unwrap();
    assert!(output.contains("accepted by the service"), "{output}");
    assert_eq!(env.fake.control().counters().signature_failures, 0);
}

#[tokio::test]
async fn no_browser_prints_the_url_and_gives_up_after_the_timeout() {
    let mut env = env().await;
    env.globals.region = Some("us-ashburn-1".into());
    let args = AuthenticateArgs {
        profile: profile("p"),
        tenancy_name: None,
        no_browser: true,
        port: 0,
        browser_command: None,
        allow_tenancy_change: false,
    };
    let (result, output) = env
        .authenticate_within(args, Duration::from_millis(300))
        .await;
    let error = result.unwrap_err();
    assert!(
        output.contains(&format!(
            "{}/v1/oauth2/authorize?action=login",
            env.fake.url()
        )),
        "{output}"
    );
    assert_eq!(error.exit_code(), 8);
    assert!(
        !env.home.path().join(".oci/config").exists(),
        "nothing is written without a login"
    );
}

#[tokio::test]
async fn refresh_validate_and_db_token() {
    let env = env().await;
    env.session("DEFAULT").await;
    let token_file = env.session_dir("DEFAULT").join("token");
    let before = std::fs::read_to_string(&token_file).unwrap();

    let (result, output) = env
        .session_cmd(SessionCommand::Refresh(profile("DEFAULT")))
        .await;
    result.unwrap();
    assert!(output.contains("refreshed; valid until"), "{output}");
    assert_ne!(std::fs::read_to_string(&token_file).unwrap(), before);
    assert_eq!(mode(&token_file), 0o600);

    let (result, output) = env
        .session_cmd(SessionCommand::Validate(ValidateArgs {
            profile: profile("DEFAULT"),
            local: true,
        }))
        .await;
    result.unwrap();
    assert!(output.contains("checked locally"), "{output}");

    let location = env.home.path().join("db");
    let (result, output) = env.db_token("DEFAULT", &location).await;
    result.unwrap();
    assert!(output.contains("db-token is valid until"), "{output}");
    assert_eq!(mode(&location), 0o700);
    for file in ["token", "oci_db_key.pem", "oci_db_key_public.pem"] {
        assert_eq!(mode(&location.join(file)), 0o600, "{file}");
    }
    assert_eq!(
        env.fake.control().last_db_public_key().unwrap(),
        std::fs::read_to_string(location.join("oci_db_key_public.pem")).unwrap()
    );
    assert!(
        std::fs::read_to_string(location.join("oci_db_key.pem"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let counters = env.fake.control().counters();
    assert_eq!(
        (
            counters.refreshes,
            counters.db_tokens,
            counters.signature_failures
        ),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn db_token_refreshes_a_session_about_to_expire() {
    let env = env().await;
    env.fake.control().set_token_ttl(Duration::from_secs(120));
    env.session("DEFAULT").await;
    env.fake.control().set_token_ttl(Duration::from_secs(3600));
    let (result, output) = env.db_token("DEFAULT", &env.home.path().join("db")).await;
    result.unwrap();
    assert!(output.contains("refreshed first"), "{output}");
    assert_eq!(env.fake.control().counters().refreshes, 1);
}

#[tokio::test]
async fn an_expired_session_exits_17_without_a_request() {
    let env = env().await;
    env.fake.control().set_token_ttl(Duration::from_secs(1));
    env.fake.control().set_clock_offset(-600);
    env.session("DEFAULT").await;
    let (result, _) = env.db_token("DEFAULT", &env.home.path().join("db")).await;
    let error = result.unwrap_err();
    assert_eq!(error.exit_code(), 17);
    assert_eq!(
        error.hint().unwrap(),
        "run `oci-iam-sso session authenticate --profile DEFAULT`"
    );
    let (result, _) = env
        .session_cmd(SessionCommand::Refresh(profile("DEFAULT")))
        .await;
    assert_eq!(result.unwrap_err().exit_code(), 17);
    assert_eq!(env.fake.control().counters(), Default::default());
    assert!(!env.home.path().join("db").exists());
}

#[tokio::test]
async fn a_revoked_session_cannot_refresh_nor_get_a_db_token() {
    let env = env().await;
    env.session("DEFAULT").await;
    env.fake.control().revoke_sessions();
    let (result, _) = env
        .session_cmd(SessionCommand::Refresh(profile("DEFAULT")))
        .await;
    let error = result.unwrap_err();
    assert_eq!(error.exit_code(), 17);
    assert!(
        error
            .hint()
            .unwrap()
            .starts_with("the session can no longer be refreshed; log in again")
    );
    let location = env.home.path().join("db");
    let (result, _) = env.db_token("DEFAULT", &location).await;
    assert_eq!(result.unwrap_err().exit_code(), 9);
    assert!(
        !location.join("oci_db_key.pem").exists(),
        "no key without a token"
    );
    let (result, _) = env
        .session_cmd(SessionCommand::Validate(ValidateArgs {
            profile: profile("DEFAULT"),
            local: false,
        }))
        .await;
    assert_eq!(result.unwrap_err().exit_code(), 17);
}

#[tokio::test]
async fn a_wrong_session_key_is_refused() {
    let env = env().await;
    env.session("DEFAULT").await;
    let other = generate_key_pair(KeySize::Rsa2048).unwrap();
    std::fs::write(
        env.session_dir("DEFAULT").join("oci_api_key.pem"),
        other.private_pem.expose_secret(),
    )
    .unwrap();
    let (result, _) = env.db_token("DEFAULT", &env.home.path().join("db")).await;
    assert_eq!(result.unwrap_err().exit_code(), 9);
    assert_eq!(
        env.fake.control().last_rejection(),
        Some(Rejection::BadSignature)
    );
}

#[tokio::test]
async fn a_forbidden_or_missing_db_token_is_not_service_trouble() {
    let env = env().await;
    env.session("DEFAULT").await;
    let location = env.home.path().join("db");
    for (status, fix) in [(403, "IAM policy"), (404, "region and --endpoint")] {
        env.fake
            .control()
            .fail_with(oci_iam_sso_testkit::oci::HeldEndpoint::DbToken, status);
        let (result, _) = env.db_token("DEFAULT", &location).await;
        let error = result.unwrap_err();
        assert_eq!(
            error.exit_code(),
            crate::remedy::exit::HTTP_STATUS,
            "{}",
            error.message()
        );
        let remedy = error.hint().unwrap();
        assert!(remedy.contains(fix), "{status}: {remedy}");
        assert!(!remedy.contains("having trouble"), "{remedy}");
        assert!(
            error.message().contains(&format!("HTTP {status}")),
            "{}",
            error.message()
        );
        assert!(!location.join("token").exists());
    }
    env.fake
        .control()
        .fail_with(oci_iam_sso_testkit::oci::HeldEndpoint::DbToken, 503);
    let (result, _) = env.db_token("DEFAULT", &location).await;
    assert_eq!(result.unwrap_err().exit_code(), crate::remedy::exit::SERVER);
}

#[tokio::test]
async fn an_unwritable_db_token_location_is_a_file_error() {
    let env = env().await;
    env.session("DEFAULT").await;
    let blocker = env.home.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let (result, _) = env.db_token("DEFAULT", &blocker.join("db")).await;
    let error = result.unwrap_err();
    assert_eq!(error.exit_code(), 13);
    assert!(error.message().contains("a-file"), "{error:?}");
}

#[tokio::test]
async fn a_malformed_config_names_the_line() {
    let env = env().await;
    let config = env.home.path().join(".oci/config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[DEFAULT]\nregion=us-ashburn-1\n[broken\n").unwrap();
    let (result, _) = env
        .session_cmd(SessionCommand::Refresh(profile("DEFAULT")))
        .await;
    let error = result.unwrap_err();
    assert_eq!(error.exit_code(), 3);
    assert!(error.message().contains("line 3"), "{error:?}");
}

#[tokio::test]
async fn setup_config_writes_tenancy_and_region() {
    let mut env = env().await;
    env.globals.region = Some("eu-frankfurt-1".into());
    let (result, _) = env
        .setup_cmd(SetupCommand::Config(SetupConfigArgs {
            tenancy: "ocid1.tenancy.oc1..t".into(),
            profile: profile("fra"),
        }))
        .await;
    result.unwrap();
    let config = env.home.path().join(".oci/config");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        format!(
            "[fra]\ntenancy=ocid1.tenancy.oc1..t\nregion=eu-frankfurt-1\nsecurity_token_file={}\n",
            env.home.path().join(".oci/sessions/fra/token").display()
        )
    );
    assert_eq!(mode(&config), 0o600);
    let (bad, _) = env
        .setup_cmd(SetupCommand::Config(SetupConfigArgs {
            tenancy: "not-an-ocid".into(),
            profile: profile("x"),
        }))
        .await;
    assert_eq!(bad.unwrap_err().exit_code(), 3);
}

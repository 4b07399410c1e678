//! Session files change under a lock and stay a matching pair: a token only
//! works with the key it is bound to (its `jwk` claim), so a refresh that
//! overlaps a new login must never leave its token beside the login's key.
//! The fake holds the refresh answer back, so each race is a fixed sequence.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::time::Duration;

use oci_iam_sso_adapters_store::generate_key_pair;
use oci_iam_sso_domain::oci::KeySize;
use oci_iam_sso_domain::oci::layout::{
    DB_TOKEN_LOCK, SESSION_PRIVATE_KEY, SESSION_PUBLIC_KEY, SESSION_TOKEN,
};
use oci_iam_sso_testkit::oci::HeldEndpoint;
use oci_iam_sso_testkit::oci::{complete_login_from_file, write_browser_script};

use super::tests::{env, profile};
use super::*;

fn validate(name: &str) -> SessionCommand {
    SessionCommand::Validate(ValidateArgs {
        profile: profile(name),
        local: false,
    })
}

#[tokio::test]
async fn a_login_during_a_refresh_waits_and_the_pair_stays_matching() {
    let env = env().await;
    env.session("DEFAULT").await;
    let url_file = env.home.path().join("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let hold = env.fake.control().hold(HeldEndpoint::Refresh);

    let refresh = env.session_cmd(SessionCommand::Refresh(profile("DEFAULT")));
    let login = env.session_cmd(SessionCommand::Authenticate(AuthenticateArgs {
        profile: profile("DEFAULT"),
        tenancy_name: None,
        no_browser: false,
        port: 0,
        browser_command: Some(script.display().to_string()),
        allow_tenancy_change: false,
        profile_name: None,
        config_location: None,
        convert_api_key_profile: false,
    }));
    let driver = async {
        // The refresh has read the old key and token and waits for its answer:
        // now a whole browser login happens, then the refresh answer arrives.
        hold.arrived().await;
        let browser = tokio::task::spawn_blocking(move || {
            complete_login_from_file(&url_file, Duration::from_secs(60))
        });
        assert_eq!(browser.await.unwrap(), Ok(200));
        hold.release();
    };
    let ((refreshed, _), (logged_in, _), ()) = tokio::join!(refresh, login, driver);
    refreshed.unwrap();
    logged_in.unwrap();

    let (result, output) = env.session_cmd(validate("DEFAULT")).await;
    result.unwrap();
    assert!(output.contains("accepted by the service"), "{output}");
    assert_eq!(env.fake.control().counters().signature_failures, 0);
}

#[tokio::test]
async fn a_refresh_refuses_to_write_its_token_beside_a_key_replaced_meanwhile() {
    let env = env().await;
    env.session("DEFAULT").await;
    let dir = env.session_dir("DEFAULT");
    let hold = env.fake.control().hold(HeldEndpoint::Refresh);
    let new_key = generate_key_pair(KeySize::Rsa2048).unwrap();
    let new_token = env
        .fake
        .control()
        .mint_session(&new_key.public_pem)
        .unwrap();

    let refresh = env.session_cmd(SessionCommand::Refresh(profile("DEFAULT")));
    let driver = async {
        hold.arrived().await;
        // Another tool (the OCI CLI's own `session authenticate`, which knows
        // nothing of this tool's lock) writes a new key pair and token.
        std::fs::write(
            dir.join(SESSION_PRIVATE_KEY),
            new_key.private_pem.expose_secret(),
        )
        .unwrap();
        std::fs::write(dir.join(SESSION_PUBLIC_KEY), &new_key.public_pem).unwrap();
        std::fs::write(dir.join(SESSION_TOKEN), &new_token).unwrap();
        hold.release();
    };
    let ((result, output), ()) = tokio::join!(refresh, driver);
    let error = result.unwrap_err();
    assert_eq!(error.exit_code(), 15, "{error:?}");
    let message = error.message();
    assert!(!message.contains('\n'), "{message}");
    assert!(message.contains("DEFAULT"), "{message}");
    assert!(error.hint().is_some());
    assert!(!output.contains("refreshed"), "{output}");
    assert!(!message.contains(&new_token));

    assert_eq!(
        std::fs::read_to_string(dir.join("token")).unwrap(),
        new_token,
        "the other tool's token stays beside its key"
    );
    let (result, _) = env.session_cmd(validate("DEFAULT")).await;
    result.unwrap();
}

#[tokio::test]
async fn db_token_get_holds_its_directory_lock_until_the_files_are_written() {
    let env = env().await;
    env.session("DEFAULT").await;
    let location = env.home.path().join("db");
    let hold = env.fake.control().hold(HeldEndpoint::DbToken);

    let get = env.db_token("DEFAULT", &location);
    let driver = async {
        hold.arrived().await;
        // A second `db-token get` into the same directory would now wait: its
        // key and token must not be renamed in between this one's.
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(location.join(DB_TOKEN_LOCK))
            .unwrap();
        assert!(
            matches!(lock.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
            "the directory is not locked during `db-token get`"
        );
        hold.release();
    };
    let ((result, _), ()) = tokio::join!(get, driver);
    result.unwrap();
    assert_eq!(
        crate::oci::tests::mode(&location.join(DB_TOKEN_LOCK)),
        0o600
    );
}

//! Security checks of the OCI commands, in process against the fake OCI auth
//! service: a login takes only a token bound to its own key pair (and nonce),
//! and tenancies that are not plain OCIDs never reach the config file.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oci_iam_sso_adapters_store::generate_key_pair;
use oci_iam_sso_domain::oci::{KeySize, OciError};
use oci_iam_sso_testkit::oci::FAKE_TENANCY;
use oci_iam_sso_testkit::oci::{
    complete_login_from_file, http_get, wait_for_url, write_browser_script,
};

use super::login::login_tenancy;
use super::tests::{env, profile};
use super::*;

/// The `Location` of the fake console's answer to `authorize_url`.
fn console_redirect(authorize_url: &str) -> String {
    let (status, headers) = http_get(authorize_url).unwrap();
    assert_eq!(status, 302);
    headers
        .into_iter()
        .find(|(n, _)| n == "location")
        .unwrap()
        .1
}

/// An unsigned JWT with these claims (the listener reads claims only).
fn jwt(claims: &serde_json::Value) -> String {
    format!(
        "e30.{}.c2ln",
        URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes())
    )
}

#[tokio::test]
async fn a_token_for_another_key_or_nonce_is_refused_and_the_login_still_completes() {
    let mut env = env().await;
    env.globals.region = Some("us-ashburn-1".into());
    // A real session of the fake service, but bound to a key this login did not make.
    let other_key = generate_key_pair(KeySize::Rsa2048).unwrap();
    let forged = env
        .fake
        .control()
        .mint_session(&other_key.public_pem)
        .unwrap();
    let url_file = env.home.path().join("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let sent_forged = forged.clone();
    let browser = std::thread::spawn(move || {
        let url = wait_for_url(&url_file, Duration::from_secs(60)).unwrap();
        let location = console_redirect(&url);
        let (listener, fragment) = location.split_once('#').unwrap();
        let listener = listener.trim_end_matches('/');
        let mut statuses = Vec::new();
        // 1. Another key pair's session token.
        statuses.push(
            http_get(&format!("{listener}/token?security_token={sent_forged}"))
                .unwrap()
                .0,
        );
        // 2. The right token with an id_token naming another nonce.
        let wrong_nonce = jwt(&serde_json::json!({"nonce": "not-this-login"}));
        statuses.push(
            http_get(&format!(
                "{listener}/token?{fragment}&id_token={wrong_nonce}"
            ))
            .unwrap()
            .0,
        );
        // 3. The right token with an id_token that names no nonce at all.
        let no_nonce = jwt(&serde_json::json!({"sub": "ocid1.user.oc1..u"}));
        statuses.push(
            http_get(&format!("{listener}/token?{fragment}&id_token={no_nonce}"))
                .unwrap()
                .0,
        );
        // 4. What the console sent.
        statuses.push(http_get(&format!("{listener}/token?{fragment}")).unwrap().0);
        let right = fragment
            .split('&')
            .find_map(|p| p.strip_prefix("security_token="))
            .unwrap()
            .to_owned();
        (statuses, right)
    });
    let (result, _) = env
        .session_cmd(SessionCommand::Authenticate(AuthenticateArgs {
            profile: profile("work"),
            tenancy_name: None,
            no_browser: false,
            port: 0,
            browser_command: Some(script.display().to_string()),
            allow_tenancy_change: false,
            profile_name: None,
            config_location: None,
            convert_api_key_profile: false,
        }))
        .await;
    let (statuses, right) = browser.join().unwrap();
    result.unwrap();
    assert_eq!(statuses, [400, 400, 400, 200]);
    let saved = std::fs::read_to_string(env.home.path().join(".oci/sessions/work/token")).unwrap();
    assert_eq!(saved, right);
    assert_ne!(saved, forged);
}

#[tokio::test]
async fn a_login_to_another_tenancy_than_the_profiles_is_refused() {
    let mut env = env().await;
    env.globals.region = Some("us-ashburn-1".into());
    let profile_tenancy = "ocid1.tenancy.oc1..theprofiles";
    let (result, _) = env
        .setup_cmd(SetupCommand::Config(SetupConfigArgs {
            tenancy: profile_tenancy.into(),
            profile: profile("work"),
        }))
        .await;
    result.unwrap();
    let config = env.home.path().join(".oci/config");
    let before = std::fs::read_to_string(&config).unwrap();
    let url_file = env.home.path().join("browser-url");
    let script = write_browser_script(env.home.path(), &url_file).unwrap();
    let login = || {
        let url_file = url_file.clone();
        std::thread::spawn(move || complete_login_from_file(&url_file, Duration::from_secs(60)))
    };
    let authenticate = |allow_tenancy_change| {
        SessionCommand::Authenticate(AuthenticateArgs {
            profile: profile("work"),
            tenancy_name: None,
            no_browser: false,
            port: 0,
            browser_command: Some(script.display().to_string()),
            allow_tenancy_change,
            profile_name: None,
            config_location: None,
            convert_api_key_profile: false,
        })
    };

    // The fake console logs in to FAKE_TENANCY, not the profile's tenancy.
    let browser = login();
    let (result, _) = env.session_cmd(authenticate(false)).await;
    browser.join().unwrap().unwrap();
    let error = result.unwrap_err();
    let message = error.message();
    for part in [profile_tenancy, FAKE_TENANCY] {
        assert!(message.contains(part), "{part} missing in {message}");
    }
    // The message says what happened; the flag that changes it is the remedy's.
    assert!(!message.contains("--allow-tenancy-change"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    assert!(!env.home.path().join(".oci/sessions/work").exists());
    assert_eq!(error.exit_code(), 8);
    assert!(
        error.hint().unwrap().contains("--allow-tenancy-change"),
        "{error:?}"
    );

    // Asked for, the change is made.
    std::fs::remove_file(&url_file).unwrap();
    let browser = login();
    let (result, _) = env.session_cmd(authenticate(true)).await;
    browser.join().unwrap().unwrap();
    result.unwrap();
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(
        after.contains(&format!("tenancy={FAKE_TENANCY}\n")),
        "{after}"
    );
}

#[tokio::test]
async fn setup_config_refuses_a_tenancy_that_would_add_config_lines() {
    let mut env = env().await;
    env.globals.region = Some("eu-frankfurt-1".into());
    for tenancy in [
        "ocid1.tenancy.oc1..t\nuser=ocid1.user.oc1..evil",
        "ocid1.tenancy.oc1..t\r\n[DEFAULT]",
        "ocid1.tenancy.oc1..T",
        "ocid1.tenancy.",
    ] {
        let (result, _) = env
            .setup_cmd(SetupCommand::Config(SetupConfigArgs {
                tenancy: tenancy.into(),
                profile: profile("fra"),
            }))
            .await;
        let error = result.unwrap_err();
        assert_eq!(error.exit_code(), 3, "{tenancy:?}");
        assert!(!error.message().contains('\n'), "{error:?}");
    }
    assert!(!env.home.path().join(".oci/config").exists());
}

#[test]
fn a_login_takes_its_tenancy_only_from_a_plain_ocid() {
    #[allow(clippy::result_large_err)]
    fn tenancy(
        claim: Option<&str>,
        profile: Option<&String>,
        allow: bool,
    ) -> Result<String, oci_iam_sso_domain::Error> {
        let name = oci_iam_sso_domain::oci::OciProfileName::new("p").unwrap();
        login_tenancy(&name, claim, profile, allow).map(|t| t.to_string())
    }
    let good = "ocid1.tenancy.oc1..t".to_owned();
    assert_eq!(tenancy(Some(&good), None, false).unwrap(), good);
    assert_eq!(tenancy(None, Some(&good), false).unwrap(), good);
    assert_eq!(tenancy(Some(&good), Some(&good), false).unwrap(), good);
    for bad in ["ocid1.tenancy.oc1..t\nuser=x", "ocid1.user.oc1..u"] {
        assert!(tenancy(Some(bad), Some(&good), true).is_err(), "{bad:?}");
        assert!(
            tenancy(None, Some(&bad.to_owned()), true).is_err(),
            "{bad:?}"
        );
    }
    assert!(tenancy(None, None, true).is_err());
    // Another tenancy than the profile's only when asked for.
    let other = "ocid1.tenancy.oc1..other";
    assert!(matches!(
        tenancy(Some(other), Some(&good), false),
        Err(oci_iam_sso_domain::Error::Oci(OciError::Tenancy {
            refusal: oci_iam_sso_domain::oci::TenancyRefusal::Changed { .. },
            ..
        }))
    ));
    assert_eq!(tenancy(Some(other), Some(&good), true).unwrap(), other);
}

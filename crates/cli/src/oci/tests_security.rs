//! Security checks of the OCI commands, in process against the fake OCI auth
//! service: a login takes only a token bound to its own key pair (and nonce),
//! and tenancies that are not plain OCIDs never reach the config file.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oci_iam_sso_adapters_store::oci::files::generate_key_pair;
use oci_iam_sso_domain::oci::KeySize;
use oci_iam_sso_testkit::oci::browser::{http_get, write_browser_script};

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
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let url = loop {
            if let Ok(url) = std::fs::read_to_string(&url_file)
                && url.ends_with('\n')
            {
                break url.trim().to_owned();
            }
            assert!(std::time::Instant::now() < deadline, "no browser URL");
            std::thread::sleep(Duration::from_millis(20));
        };
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
async fn setup_config_refuses_a_tenancy_that_would_add_config_lines() {
    let mut env = env().await;
    env.globals.region = Some("eu-frankfurt-1".into());
    for tenancy in [
        "ocid1.tenancy.oc1..t\nuser=ocid1.user.oc1..evil",
        "ocid1.tenancy.oc1..t\r\n[DEFAULT]",
        "ocid1.tenancy.oc1..T",
        "ocid1.tenancy.",
    ] {
        let error = run_setup(
            SetupCommand::Config(SetupConfigArgs {
                tenancy: tenancy.into(),
                profile: profile("fra"),
            }),
            &env.globals,
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
        assert_eq!(error.exit_code(), 3, "{tenancy:?}");
        assert!(!error.to_string().contains('\n'), "{error}");
    }
    assert!(!env.home.path().join(".oci/config").exists());
}

#[test]
fn a_login_takes_its_tenancy_only_from_a_plain_ocid() {
    let good = "ocid1.tenancy.oc1..t".to_owned();
    assert_eq!(login_tenancy(Some(&good), None).unwrap(), good);
    assert_eq!(login_tenancy(None, Some(&good)).unwrap(), good);
    for bad in ["ocid1.tenancy.oc1..t\nuser=x", "ocid1.user.oc1..u"] {
        assert!(login_tenancy(Some(bad), Some(&good)).is_err(), "{bad:?}");
        assert!(
            login_tenancy(None, Some(&bad.to_owned())).is_err(),
            "{bad:?}"
        );
    }
    assert!(login_tenancy(None, None).is_err());
}

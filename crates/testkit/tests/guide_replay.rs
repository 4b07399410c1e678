//! Replays the curl steps of the EPM OAuth 2 device-code guide against the
//! fake, with plain HTTP: what a shell script following the guide would see.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CLIENT, post_form, str_of};
use oci_iam_sso_testkit::UNAUTHORIZED_HTML;
use serde_json::json;

const CONSUMED: &str = "The token has already been consumed";

#[tokio::test]
async fn the_guide_step_by_step_with_in_process_approval() {
    let fake = common::start().await;

    // Step 2.1: the device request answers exactly four fields.
    let device = common::device(&fake).await;
    let mut keys: Vec<&str> = device
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["device_code", "expires_in", "user_code", "verification_uri"]
    );
    assert_eq!(device["expires_in"], 300);
    assert_eq!(
        str_of(&device, "verification_uri"),
        format!("{}/ui/v1/device", fake.url())
    );
    let user_code = str_of(&device, "user_code");
    assert_eq!(fake.control().pending_user_codes(), [user_code]);

    // Before approval the token request is pending.
    let device_code = str_of(&device, "device_code");
    let (status, pending) = common::poll(&fake, device_code).await;
    assert_eq!(
        (status, str_of(&pending, "error")),
        (400, "authorization_pending")
    );

    // Step 2.2: the user approves in the browser (here: the control API).
    assert!(fake.control().approve(user_code, "alice"));
    assert!(fake.control().pending_user_codes().is_empty());

    // Step 2.3: the first refresh token.
    let (status, first) = common::poll(&fake, device_code).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 3600);
    assert_eq!(
        str_of(&first, "access_token").split('.').count(),
        3,
        "a JWT"
    );
    let first_refresh = str_of(&first, "refresh_token");

    // Step 3: refresh rotates the refresh token.
    let (status, second) = common::refresh(&fake, first_refresh).await;
    assert_eq!(status, 200, "{second}");
    let second_refresh = str_of(&second, "refresh_token");
    assert_ne!(first_refresh, second_refresh);
    assert!(fake.control().is_refresh_token_current(second_refresh));
    assert!(!fake.control().is_refresh_token_current(first_refresh));

    // The old refresh token is single use.
    let (status, reused) = common::refresh(&fake, first_refresh).await;
    assert_eq!(status, 400);
    assert_eq!(reused["error"], "invalid_grant");
    assert_eq!(reused["error_description"], CONSUMED);
    assert!(!str_of(&reused, "ecid").is_empty());

    // "Use the access token": dailymaintenance with the new token, then a bad one.
    let url = format!(
        "{}/interop/rest/v1/services/dailymaintenance",
        fake.resource_url()
    );
    let ok = common::http()
        .get(&url)
        .bearer_auth(str_of(&second, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["status"], 0);
    assert!(body["details"].is_object() && body["links"].is_array());

    let bad_token = format!("{}x", str_of(&second, "access_token"));
    for request in [
        common::http().get(&url).bearer_auth(&bad_token),
        common::http().get(&url),
    ] {
        let refused = request.send().await.unwrap();
        assert_eq!(refused.status(), 401);
        assert_eq!(refused.text().await.unwrap(), UNAUTHORIZED_HTML);
    }
    assert!(
        UNAUTHORIZED_HTML
            .starts_with("<html>\n<head><title>401 Authorization Required</title></head>\n")
    );

    let counters = fake.control().counters();
    assert_eq!(counters.device_authorizations, 1);
    assert_eq!(counters.device_polls, 2);
    assert_eq!(counters.refresh_grants, 2);
    assert_eq!(counters.consumed_token_reuses, 1);
    assert_eq!(counters.token_requests, 4);
    assert_eq!(
        (counters.resource_requests, counters.resource_unauthorized),
        (3, 2)
    );

    let log = fake.control().generation_log();
    let summary: Vec<_> = log
        .iter()
        .map(|e| (e.chain, e.generation, e.delivered, e.user.as_str()))
        .collect();
    assert_eq!(summary, [(1, 1, true, "alice"), (1, 2, true, "alice")]);
    assert_eq!(
        log[1].fingerprint,
        oci_iam_sso_domain::fingerprint(second_refresh.as_bytes())
    );
}

#[tokio::test]
async fn approval_and_inspection_over_the_http_control_api() {
    let fake = common::start().await;
    let control = fake.control_url();
    let http = common::http();

    let device = common::device(&fake).await;
    let pending: Vec<String> = http
        .get(format!("{control}/pending"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending, [str_of(&device, "user_code")]);

    let approved: serde_json::Value = http
        .post(format!("{control}/approve"))
        .json(&json!({"user_code": str_of(&device, "user_code"), "user": "bob"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(approved, json!({"approved": true}));

    let (status, tokens) = common::poll(&fake, str_of(&device, "device_code")).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh_token = str_of(&tokens, "refresh_token");

    let current = |token: String| {
        let http = http.clone();
        let url = format!("{control}/refresh-token-current");
        async move {
            let answer: serde_json::Value = http
                .post(url)
                .json(&json!({ "token": token }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["current"].as_bool().unwrap()
        }
    };
    assert!(current(refresh_token.to_owned()).await);

    let (status, rotated) = common::refresh(&fake, refresh_token).await;
    assert_eq!(status, 200);
    assert!(!current(refresh_token.to_owned()).await);
    assert!(current(str_of(&rotated, "refresh_token").to_owned()).await);

    let counters: serde_json::Value = http
        .get(format!("{control}/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["refresh_grants"], 1);
    assert_eq!(counters["device_polls"], 1);

    let generations: Vec<serde_json::Value> = http
        .get(format!("{control}/generations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(generations.len(), 2);
    assert_eq!(generations[1]["user"], "bob");
    assert_eq!(generations[1]["generation"], 2);

    // approve-latest and deny, over HTTP.
    let second = common::device(&fake).await;
    let third = common::device(&fake).await;
    let latest: serde_json::Value = http
        .post(format!("{control}/approve-latest"))
        .json(&json!({"user": "carol"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latest["user_code"], third["user_code"]);
    let denied: serde_json::Value = http
        .post(format!("{control}/deny"))
        .json(&json!({"user_code": second["user_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(denied, json!({"denied": true}));
    let (_, refused) = common::poll(&fake, str_of(&second, "device_code")).await;
    assert_eq!(refused["error"], "access_denied");

    // A minted refresh token works like a delivered one.
    let minted: serde_json::Value = http
        .post(format!("{control}/refresh-tokens"))
        .json(&json!({"user": "dave"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, _) = common::refresh(&fake, str_of(&minted, "refresh_token")).await;
    assert_eq!(status, 200);
    let _ = CLIENT;
}

#[tokio::test]
async fn discovery_points_at_the_fake_and_can_be_switched_off() {
    let fake = common::start().await;
    let doc: serde_json::Value = common::http()
        .get(format!("{}/.well-known/openid-configuration", fake.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let base = fake.url();
    assert_eq!(doc["issuer"], base);
    assert_eq!(doc["token_endpoint"], format!("{base}/oauth2/v1/token"));
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{base}/oauth2/v1/device")
    );
    assert_eq!(
        doc["revocation_endpoint"],
        format!("{base}/oauth2/v1/revoke")
    );

    let without =
        oci_iam_sso_testkit::FakeIdentityDomain::start(oci_iam_sso_testkit::FakeIdcsConfig {
            discovery: false,
            ..Default::default()
        })
        .await
        .unwrap();
    let status = common::http()
        .get(format!(
            "{}/.well-known/openid-configuration",
            without.url()
        ))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    let _ = post_form;
}

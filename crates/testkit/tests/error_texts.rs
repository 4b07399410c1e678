//! Every OAuth error the fake answers, with the identity domain's exact texts.
//! The bodies are snapshotted (ecid redacted after checking it is there).
#![allow(clippy::unwrap_used)]

mod common;

use common::{CLIENT, DEVICE_GRANT, SCOPE, post_form, str_of};
use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain};
use serde_json::{Value, json};

struct Case {
    name: &'static str,
    status: u16,
    body: Value,
}

fn case(name: &'static str, (status, body): (u16, Value)) -> Case {
    assert_eq!(status, 400, "{name}: {body}");
    assert!(!str_of(&body, "ecid").is_empty(), "{name} carries an ecid");
    Case { name, status, body }
}

fn snapshot(cases: &[Case]) -> Vec<Value> {
    cases
        .iter()
        .map(|c| json!({ "case": c.name, "status": c.status, "body": c.body }))
        .collect()
}

#[tokio::test]
async fn token_endpoint_error_bodies() {
    let fake = common::start().await;
    let token_url = format!("{}/oauth2/v1/token", fake.url());
    let mut cases = Vec::new();

    cases.push(case(
        "refresh without refresh_token",
        post_form(
            &token_url,
            &[("grant_type", "refresh_token"), ("client_id", CLIENT)],
        )
        .await,
    ));
    cases.push(case(
        "refresh without client_id",
        post_form(
            &token_url,
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        )
        .await,
    ));
    cases.push(case(
        "no grant_type",
        post_form(&token_url, &[("client_id", CLIENT)]).await,
    ));
    cases.push(case(
        "unknown refresh token",
        common::refresh(&fake, "AQIDBAnot-issued=").await,
    ));

    let first = fake.control().issue_refresh_token_for("alice");
    let (status, _) = common::refresh(&fake, &first).await;
    assert_eq!(status, 200);
    cases.push(case(
        "consumed refresh token",
        common::refresh(&fake, &first).await,
    ));

    let aging = fake.control().issue_refresh_token_for("alice");
    fake.control().set_clock_offset(604_800);
    cases.push(case(
        "expired refresh token",
        common::refresh(&fake, &aging).await,
    ));
    fake.control().set_clock_offset(0);

    let fresh = fake.control().issue_refresh_token_for("alice");
    cases.push(case(
        "refresh with scopes of two resources",
        post_form(
            &token_url,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT),
                ("refresh_token", &fresh),
                ("scope", "https://a.example.com/x https://b.example.com/y"),
            ],
        )
        .await,
    ));
    assert!(
        fake.control().is_refresh_token_current(&fresh),
        "a refused scope consumes nothing"
    );
    cases.push(case(
        "refresh by an unknown client",
        post_form(
            &token_url,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "nobody"),
                ("refresh_token", &fresh),
            ],
        )
        .await,
    ));
    cases.push(case(
        "unsupported grant type",
        post_form(
            &token_url,
            &[("grant_type", "password"), ("client_id", CLIENT)],
        )
        .await,
    ));

    insta::with_settings!({ filters => vec![(CLIENT, "[client_id]")] }, {
        insta::assert_yaml_snapshot!(snapshot(&cases), { "[].body.ecid" => "[ecid]" });
    });
}

#[tokio::test]
async fn device_flow_error_bodies() {
    let fake = common::start().await;
    let device_url = format!("{}/oauth2/v1/device", fake.url());
    let mut cases = Vec::new();

    cases.push(case(
        "device without response_type",
        post_form(&device_url, &[("scope", SCOPE), ("client_id", CLIENT)]).await,
    ));
    cases.push(case(
        "device with an unknown client",
        post_form(
            &device_url,
            &[
                ("response_type", "device_code"),
                ("scope", SCOPE),
                ("client_id", "nobody"),
            ],
        )
        .await,
    ));
    cases.push(case(
        "device with scopes of two resources",
        post_form(
            &device_url,
            &[
                ("response_type", "device_code"),
                (
                    "scope",
                    "urn:opc:idm:__myscopes__ https://epm.example.com/read",
                ),
                ("client_id", CLIENT),
            ],
        )
        .await,
    ));

    let pending = common::device(&fake).await;
    cases.push(case(
        "pending",
        common::poll(&fake, str_of(&pending, "device_code")).await,
    ));

    let denied = common::device(&fake).await;
    assert!(fake.control().deny(str_of(&denied, "user_code")));
    cases.push(case(
        "denied",
        common::poll(&fake, str_of(&denied, "device_code")).await,
    ));

    let late = common::device(&fake).await;
    fake.control().set_clock_offset(300);
    assert!(
        !fake.control().approve(str_of(&late, "user_code"), "alice"),
        "expired codes cannot be approved"
    );
    cases.push(case(
        "expired device code",
        common::poll(&fake, str_of(&late, "device_code")).await,
    ));
    fake.control().set_clock_offset(0);

    cases.push(case(
        "unknown device code",
        common::poll(&fake, "not-a-device-code").await,
    ));

    let slow = FakeIdentityDomain::start(FakeIdcsConfig::default())
        .await
        .unwrap();
    let device = common::device(&slow).await;
    let (_, first) = common::poll(&slow, str_of(&device, "device_code")).await;
    assert_eq!(first["error"], "authorization_pending");
    cases.push(case(
        "polled faster than 5 s",
        common::poll(&slow, str_of(&device, "device_code")).await,
    ));

    let redeemed = common::device(&fake).await;
    fake.control()
        .approve(str_of(&redeemed, "user_code"), "alice");
    let (status, _) = common::poll(&fake, str_of(&redeemed, "device_code")).await;
    assert_eq!(status, 200);
    cases.push(case(
        "device code used twice",
        common::poll(&fake, str_of(&redeemed, "device_code")).await,
    ));

    insta::assert_yaml_snapshot!(snapshot(&cases), { "[].body.ecid" => "[ecid]" });
}

#[tokio::test]
async fn device_codes_expire_and_offline_access_decides_the_refresh_token() {
    let fake = common::start().await;
    let (status, body) = post_form(
        &format!("{}/oauth2/v1/device", fake.url()),
        &[
            ("response_type", "device_code"),
            ("scope", "urn:opc:idm:__myscopes__"),
            ("client_id", CLIENT),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(fake.control().approve(str_of(&body, "user_code"), "alice"));
    let (status, tokens) = post_form(
        &format!("{}/oauth2/v1/token", fake.url()),
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", str_of(&body, "device_code")),
            ("client_id", CLIENT),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    assert!(tokens.get("access_token").is_some());
}

#[tokio::test]
async fn revocation_always_answers_200_and_invalidates_the_token() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");
    let revoke_url = format!("{}/oauth2/v1/revoke", fake.url());
    let (status, _) = post_form(&revoke_url, &[("token", &token), ("client_id", CLIENT)]).await;
    assert_eq!(status, 200);
    assert!(!fake.control().is_refresh_token_current(&token));
    let (_, refused) = common::refresh(&fake, &token).await;
    assert_eq!(
        refused["error_description"],
        "The given token in the request is invalid"
    );

    let (status, _) = post_form(
        &revoke_url,
        &[("token", "never-issued"), ("client_id", CLIENT)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(fake.control().counters().revocations, 2);
}

#[tokio::test]
async fn aged_access_tokens_are_refused_by_the_resource_server() {
    let fake = common::start().await;
    let token = fake.control().issue_access_token_for("alice");
    let url = format!(
        "{}/interop/rest/v1/services/dailymaintenance",
        fake.resource_url()
    );
    assert_eq!(
        common::http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    fake.control().set_clock_offset(3600);
    let refused = common::http()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.text().await.unwrap(),
        oci_iam_sso_testkit::UNAUTHORIZED_HTML
    );

    // A token signed by another fake instance is refused too.
    let other = common::start().await;
    let foreign = other.control().issue_access_token_for("alice");
    fake.control().set_clock_offset(0);
    let refused = common::http()
        .get(&url)
        .bearer_auth(&foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
}

//! Plain-HTTP helpers for the testkit's own tests: what curl does in the guide.
#![allow(dead_code, clippy::unwrap_used)]

use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain};
use serde_json::Value;

pub const CLIENT: &str = "test-client";
pub const SCOPE: &str = "urn:opc:idm:__myscopes__  offline_access";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub async fn start() -> FakeIdentityDomain {
    FakeIdentityDomain::start(FakeIdcsConfig {
        min_poll_interval: std::time::Duration::ZERO,
        ..FakeIdcsConfig::default()
    })
    .await
    .unwrap()
}

pub fn http() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// reqwest is built without a default TLS provider: every client needs one
/// installed, even for plain http.
pub fn install_crypto() {
    // Err only means another test installed it already.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// POSTs a form; returns the status and the body as JSON (`Null` when empty).
pub async fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = http().post(url).form(fields).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, body)
}

pub async fn device(fake: &FakeIdentityDomain) -> Value {
    let (status, body) = post_form(
        &format!("{}/oauth2/v1/device", fake.url()),
        &[
            ("response_type", "device_code"),
            ("scope", SCOPE),
            ("client_id", CLIENT),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn poll(fake: &FakeIdentityDomain, device_code: &str) -> (u16, Value) {
    post_form(
        &format!("{}/oauth2/v1/token", fake.url()),
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", device_code),
            ("client_id", CLIENT),
        ],
    )
    .await
}

pub async fn refresh(fake: &FakeIdentityDomain, refresh_token: &str) -> (u16, Value) {
    post_form(
        &format!("{}/oauth2/v1/token", fake.url()),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// A first refresh token, through a device login approved in process.
pub async fn login(fake: &FakeIdentityDomain) -> Value {
    let device = device(fake).await;
    assert!(
        fake.control()
            .approve(device["user_code"].as_str().unwrap(), "alice")
    );
    let (status, tokens) = poll(fake, device["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

pub fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in the answer"))
}

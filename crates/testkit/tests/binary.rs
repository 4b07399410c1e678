//! `fake-idcs` starts, prints its URLs as key=value lines and serves discovery.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt as _, BufReader};

#[tokio::test]
async fn fake_idcs_prints_its_urls_and_serves_discovery() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fake-idcs"))
        .args([
            "--client-id",
            "cli-client",
            "--auto-approve",
            "alice",
            "--min-poll-interval",
            "0",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = HashMap::new();
    while urls.len() < 3 {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("three key=value lines");
        let (key, value) = line.split_once('=').unwrap();
        urls.insert(key.to_owned(), value.to_owned());
    }
    let domain = &urls["domain_url"];
    assert!(domain.starts_with("http://127.0.0.1:"));
    assert_eq!(urls["control_url"], format!("{domain}/_testkit"));

    // reqwest is built without a default TLS provider; clients need one installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::new();
    let doc: serde_json::Value = http
        .get(format!("{domain}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["token_endpoint"], format!("{domain}/oauth2/v1/token"));

    // The flags took effect: the client id is known and codes are approved at once.
    let device: serde_json::Value = http
        .post(format!("{domain}/oauth2/v1/device"))
        .form(&[
            ("response_type", "device_code"),
            ("scope", "urn:opc:idm:__myscopes__ offline_access"),
            ("client_id", "cli-client"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = http
        .post(format!("{domain}/oauth2/v1/token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device["device_code"].as_str().unwrap()),
            ("client_id", "cli-client"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);

    child.kill().await.unwrap();
}

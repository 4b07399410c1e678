//! Each injected fault, seen by a plain HTTP client, and whether it left the
//! refresh token alone (only `ConsumeThenDrop` may rotate it).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{CLIENT, str_of};
use oci_iam_sso_testkit::Fault;

async fn refresh_raw(url: &str, token: &str) -> reqwest::Result<reqwest::Response> {
    common::http()
        .post(format!("{url}/oauth2/v1/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", token),
        ])
        .send()
        .await
}

#[tokio::test]
async fn status_and_body_faults_leave_the_token_unconsumed() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");

    fake.control().inject(Fault::ServerError500, 1);
    let response = refresh_raw(&fake.url(), &token).await.unwrap();
    assert_eq!(response.status(), 500);
    assert!(response.text().await.unwrap().starts_with("<html>"));

    fake.control().inject(
        Fault::ServiceUnavailable {
            retry_after_secs: 7,
        },
        1,
    );
    let response = refresh_raw(&fake.url(), &token).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "7");

    fake.control().inject(Fault::HtmlOk, 1);
    let response = refresh_raw(&fake.url(), &token).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    for fault in [Fault::MalformedJson, Fault::TruncatedJson] {
        fake.control().inject(fault.clone(), 1);
        let response = refresh_raw(&fake.url(), &token).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = response.bytes().await.unwrap();
        assert!(
            serde_json::from_slice::<serde_json::Value>(&body).is_err(),
            "{fault:?}"
        );
    }

    assert!(fake.control().is_refresh_token_current(&token));
    let counters = fake.control().counters();
    assert_eq!((counters.token_requests, counters.refresh_grants), (5, 0));

    // The faults are used up: the next request is served normally.
    let response = refresh_raw(&fake.url(), &token).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_fault_lasts_for_the_number_of_requests_asked() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");
    fake.control().inject(Fault::ServerError500, 2);
    for _ in 0..2 {
        assert_eq!(
            refresh_raw(&fake.url(), &token).await.unwrap().status(),
            500
        );
    }
    assert_eq!(
        refresh_raw(&fake.url(), &token).await.unwrap().status(),
        200
    );

    // Cleared faults are not played.
    fake.control().inject(Fault::ServerError500, 3);
    fake.control().clear_faults();
    let (status, _) = common::refresh(&fake, &fake.control().issue_refresh_token_for("b")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn close_without_response_is_a_transport_error_and_consumes_nothing() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");
    fake.control().inject(Fault::CloseWithoutResponse, 1);

    let error = refresh_raw(&fake.url(), &token).await.unwrap_err();
    assert!(error.status().is_none() && !error.is_timeout(), "{error:?}");
    assert!(fake.control().is_refresh_token_current(&token));
    assert_eq!(fake.control().counters().refresh_grants, 0);

    // The fake keeps serving other connections.
    let (status, _) = common::refresh(&fake, &token).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn consume_then_drop_rotates_server_side_and_loses_the_answer() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");
    fake.control().inject(Fault::ConsumeThenDrop, 1);

    let error = refresh_raw(&fake.url(), &token).await.unwrap_err();
    assert!(error.status().is_none(), "{error:?}");
    assert!(!fake.control().is_refresh_token_current(&token));

    let log = fake.control().generation_log();
    let summary: Vec<_> = log
        .iter()
        .map(|e| (e.chain, e.generation, e.delivered))
        .collect();
    assert_eq!(summary, [(1, 1, true), (1, 2, false)]);

    // Whoever retries with the old token is told it was consumed.
    let (status, body) = common::refresh(&fake, &token).await;
    assert_eq!(
        (status, str_of(&body, "error_description")),
        (400, "The token has already been consumed")
    );
    assert_eq!(fake.control().counters().consumed_token_reuses, 1);
}

#[tokio::test]
async fn delay_answers_late_but_normally() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");

    fake.control()
        .inject(Fault::Delay(Duration::from_millis(50)), 1);
    let (status, body) = common::refresh(&fake, &token).await;
    assert_eq!(status, 200, "{body}");

    // A client that gives up first sees a timeout (the delay is far longer).
    fake.control()
        .inject(Fault::Delay(Duration::from_secs(30)), 1);
    common::install_crypto();
    let error = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap()
        .post(format!("{}/oauth2/v1/token", fake.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", "x"),
        ])
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn faults_can_be_injected_over_http() {
    let fake = common::start().await;
    let token = fake.control().issue_refresh_token_for("alice");
    let queue = |fault: serde_json::Value| {
        common::http()
            .post(format!("{}/faults", fake.control_url()))
            .json(&serde_json::json!({ "fault": fault, "times": 1 }))
            .send()
    };
    assert!(
        queue(serde_json::json!({"kind": "service_unavailable", "retry_after_secs": 3}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let response = refresh_raw(&fake.url(), &token).await.unwrap();
    assert_eq!(
        (
            response.status().as_u16(),
            &response.headers()["retry-after"]
        ),
        (503, &"3".parse().unwrap())
    );

    queue(serde_json::json!({"kind": "delay", "millis": 10}))
        .await
        .unwrap();
    queue(serde_json::json!({"kind": "consume_then_drop"}))
        .await
        .unwrap();
    assert_eq!(
        refresh_raw(&fake.url(), &token).await.unwrap().status(),
        200
    );
    let rotated = fake.control().issue_refresh_token_for("bob");
    assert!(refresh_raw(&fake.url(), &rotated).await.is_err());
    assert!(!fake.control().is_refresh_token_current(&rotated));
}

#[tokio::test]
async fn the_fake_stops_when_its_handle_is_dropped() {
    let fake = common::start().await;
    let url = fake.url();
    let resource = fake.resource_url();
    assert!(
        common::http()
            .get(format!("{url}/.well-known/openid-configuration"))
            .send()
            .await
            .is_ok()
    );
    drop(fake);
    // Let the accept loops see the shutdown.
    for _ in 0..100 {
        if common::http()
            .get(format!("{url}/.well-known/openid-configuration"))
            .send()
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let error = common::http()
        .get(format!("{url}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(
        common::http()
            .get(&resource)
            .send()
            .await
            .unwrap_err()
            .is_connect()
    );
}

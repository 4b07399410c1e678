//! The bearer-token resource client against the fake EPM-like resource server
//! and a raw loopback server: any status comes back as `Ok`, redirects are
//! returned (never followed with the token), and the token shows nowhere.
#![allow(clippy::unwrap_used)]

mod identity_support;

use identity_support::{start_fake, url};
use oci_iam_sso_adapters_http::{HttpResourceClient, HttpSettings};
use oci_iam_sso_domain::{AccessToken, ProviderError, ResourceClient, ResourceRequest};
use oci_iam_sso_testkit::UNAUTHORIZED_HTML;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DAILY_MAINTENANCE: &str = "/interop/rest/v1/services/dailymaintenance";

fn get(target: &str) -> ResourceRequest {
    ResourceRequest {
        method: "GET".to_owned(),
        url: url(target),
        headers: vec![("Accept".to_owned(), "application/json".to_owned())],
        body: None,
    }
}

#[tokio::test]
async fn a_valid_token_gets_the_resource() {
    let fake = start_fake().await;
    let token = AccessToken::new(fake.control().issue_access_token_for("alice"));
    let client = HttpResourceClient::new(HttpSettings::default());
    let response = client
        .send(
            &get(&format!("{}{DAILY_MAINTENANCE}", fake.resource_url())),
            &token,
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.reason, "OK");
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["details"]["weeklyAmwDay"], "SUNDAY");
    assert!(
        response
            .headers
            .iter()
            .any(|(name, value)| name == "content-type" && value.contains("json"))
    );
    assert_eq!(fake.control().counters().resource_unauthorized, 0);
}

#[tokio::test]
async fn a_refused_token_is_an_ok_401_with_the_html_page() {
    let fake = start_fake().await;
    let client = HttpResourceClient::new(HttpSettings::default());
    let response = client
        .send(
            &get(&format!("{}{DAILY_MAINTENANCE}", fake.resource_url())),
            &AccessToken::new("at-not-accepted"),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(response.reason, "Unauthorized");
    assert_eq!(response.body, UNAUTHORIZED_HTML.as_bytes());
    assert_eq!(fake.control().counters().resource_unauthorized, 1);
}

#[tokio::test]
async fn a_redirect_is_returned_and_the_token_stays_with_the_first_host() {
    // Where the redirect points: nothing must ever arrive here.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/steal", elsewhere.local_addr().unwrap());
    let (base, request_head) = serve_one_redirect(target.clone()).await;

    let client = HttpResourceClient::new(HttpSettings::default());
    let token = AccessToken::new("at-for-the-first-host");
    let response = client
        .send(&get(&format!("{base}/x")), &token)
        .await
        .unwrap();
    assert_eq!(response.status, 302);
    assert!(
        response
            .headers
            .iter()
            .any(|(name, value)| name == "location" && *value == target)
    );
    let head = request_head.await.unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer at-for-the-first-host"),
        "{head}"
    );
    // The redirect was not followed: no connection is waiting at the target.
    let knock = tokio::time::timeout(std::time::Duration::from_millis(100), elsewhere.accept());
    assert!(knock.await.is_err(), "the client followed the redirect");
}

/// A server that answers one request with `302 Location: target` and hands
/// back the request head it read.
async fn serve_one_redirect(target: String) -> (String, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.ends_with(b"\r\n\r\n") {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(read > 0, "the client closed before sending its request");
            head.extend_from_slice(&buffer[..read]);
        }
        let answer = format!(
            "HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
        String::from_utf8(head).unwrap()
    });
    (base, task)
}

#[tokio::test]
async fn transport_errors_and_debug_output_never_show_the_token() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = format!("http://{}/x", listener.local_addr().unwrap());
    drop(listener);

    let client = HttpResourceClient::new(HttpSettings::default());
    let token = AccessToken::new("at-must-not-leak");
    let request = get(&closed);
    let error = client.send(&request, &token).await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Transport { .. }),
        "{error:?}"
    );
    let shown = format!("{error} {error:?} {client:?} {request:?} {token:?}");
    assert!(!shown.contains("at-must-not-leak"), "{shown}");
}

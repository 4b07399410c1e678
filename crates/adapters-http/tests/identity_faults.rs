//! Every failure the fake identity domain can play, seen through the adapter:
//! the classification the domain's retry rules depend on, and error texts
//! that never quote a response body (snapshotted with ports and ecids masked).
#![allow(clippy::unwrap_used)]

mod identity_support;

use std::time::Duration;

use identity_support::{client_id, provider, provider_with, short_timeout, stable, start_fake};
use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpSettings};
use oci_iam_sso_domain::{
    IdentityProvider, ProviderError, RefreshToken, Scope, TransportFailure, may_have_consumed,
};
use oci_iam_sso_testkit::{FakeIdentityDomain, Fault};

/// Plays `fault` once on a refresh with a fresh token; returns the error and
/// the token that was sent.
async fn refresh_under(
    fake: &FakeIdentityDomain,
    provider: &HttpIdentityProvider,
    fault: Fault,
) -> (ProviderError, String) {
    let token = fake.control().issue_refresh_token_for("alice");
    fake.control().inject(fault, 1);
    let error = provider
        .refresh(&client_id(), &RefreshToken::new(token.clone()))
        .await
        .unwrap_err();
    (error, token)
}

fn transport_failure(error: &ProviderError) -> TransportFailure {
    match error {
        ProviderError::Transport { failure, .. } => *failure,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// Neither the error's `Display` nor its `Debug` shows any of `secrets`.
fn assert_quotes_none(error: &ProviderError, secrets: &[&str]) {
    let shown = format!("{error} {error:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret:?} leaked into: {shown}");
    }
}

#[tokio::test]
async fn server_errors_carry_their_status_and_retry_after() {
    let fake = start_fake().await;
    let provider = provider(&fake);

    let (error, _) = refresh_under(&fake, &provider, Fault::ServerError500).await;
    assert!(matches!(
        error,
        ProviderError::Server {
            status: 500,
            retry_after: None,
            ..
        }
    ));
    let busy = Fault::ServiceUnavailable {
        retry_after_secs: 7,
    };
    let (error, token) = refresh_under(&fake, &provider, busy).await;
    match &error {
        ProviderError::Server {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(*status, 503);
            assert_eq!(*retry_after, Some(Duration::from_secs(7)));
        }
        other => panic!("{other:?}"),
    }
    // An HTTP answer means the server decided: a 5xx did not rotate the token.
    assert!(!may_have_consumed(&error));
    assert!(fake.control().is_refresh_token_current(&token));
}

#[tokio::test]
async fn a_connection_closed_after_sending_is_interrupted() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let (error, token) = refresh_under(&fake, &provider, Fault::CloseWithoutResponse).await;
    assert_eq!(transport_failure(&error), TransportFailure::Interrupted);
    assert!(may_have_consumed(&error));
    // This fault leaves the token alone; the adapter cannot know that.
    assert!(fake.control().is_refresh_token_current(&token));
}

#[tokio::test]
async fn a_grant_that_ran_before_the_drop_is_interrupted_and_consumed() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let (error, token) = refresh_under(&fake, &provider, Fault::ConsumeThenDrop).await;
    assert_eq!(transport_failure(&error), TransportFailure::Interrupted);
    assert!(may_have_consumed(&error));
    assert!(!fake.control().is_refresh_token_current(&token));
    assert_eq!(fake.control().counters().refresh_grants, 1, "sent once");
}

#[tokio::test]
async fn no_answer_within_the_request_timeout_is_timeout() {
    let fake = start_fake().await;
    let provider = provider_with(&fake, short_timeout());
    // Discovery first, so the delay hits the refresh itself.
    provider.endpoints().await.unwrap();
    let (error, _) = refresh_under(&fake, &provider, Fault::Delay(Duration::from_secs(3))).await;
    assert_eq!(transport_failure(&error), TransportFailure::Timeout);
    assert!(may_have_consumed(&error));
}

#[tokio::test]
async fn a_refused_connection_is_connect_and_cannot_have_consumed() {
    let closed = closed_port_url().await;
    let provider = HttpIdentityProvider::new(closed, HttpSettings::default());
    let error = provider
        .refresh(&client_id(), &RefreshToken::new("rt-never-sent"))
        .await
        .unwrap_err();
    assert_eq!(transport_failure(&error), TransportFailure::Connect);
    assert!(!may_have_consumed(&error));
}

/// A loopback URL on which nothing listens (bound, then released).
async fn closed_port_url() -> oci_iam_sso_domain::ServiceUrl {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    identity_support::url(&format!("http://{address}"))
}

#[tokio::test]
async fn bodies_that_are_not_token_responses_are_malformed_and_never_quoted() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let cases = [
        (
            Fault::HtmlOk,
            "the body is HTML, not JSON (a login page or proxy answered?)",
        ),
        (Fault::MalformedJson, "the body is not valid JSON"),
        (
            Fault::TruncatedJson,
            "the body is not valid JSON (truncated?)",
        ),
    ];
    for (fault, expected) in cases {
        let (error, token) = refresh_under(&fake, &provider, fault.clone()).await;
        match &error {
            ProviderError::Malformed { problem, .. } => assert_eq!(problem, expected, "{fault:?}"),
            other => panic!("{fault:?}: {other:?}"),
        }
        // The truncated body holds the start of a JWT; HTML pages have titles.
        assert_quotes_none(&error, &["eyJ", "<html", "Sign In", "oops", &token]);
        assert!(fake.control().is_refresh_token_current(&token));
    }
}

#[tokio::test]
async fn error_texts() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let mut lines = Vec::new();
    let mut show = |case: &str, error: &ProviderError| {
        lines.push(format!("{case}:\n  {}", stable(&error.to_string())));
    };

    for (case, fault) in [
        ("500", Fault::ServerError500),
        (
            "503 with Retry-After",
            Fault::ServiceUnavailable {
                retry_after_secs: 7,
            },
        ),
        ("closed without response", Fault::CloseWithoutResponse),
        ("consumed then dropped", Fault::ConsumeThenDrop),
        ("HTML with 200", Fault::HtmlOk),
        ("malformed JSON", Fault::MalformedJson),
        ("truncated JSON", Fault::TruncatedJson),
    ] {
        let (error, token) = refresh_under(&fake, &provider, fault).await;
        assert_quotes_none(&error, &[&token, "eyJ"]);
        show(case, &error);
    }

    let slow = provider_with(&fake, short_timeout());
    slow.endpoints().await.unwrap();
    let (error, _) = refresh_under(&fake, &slow, Fault::Delay(Duration::from_secs(3))).await;
    show("delay beyond the request timeout", &error);

    let refused = HttpIdentityProvider::new(closed_port_url().await, HttpSettings::default());
    let error = refused.endpoints().await.unwrap_err();
    show("connection refused", &error);

    let consumed = RefreshToken::new(fake.control().issue_refresh_token_for("alice"));
    provider.refresh(&client_id(), &consumed).await.unwrap();
    let error = provider.refresh(&client_id(), &consumed).await.unwrap_err();
    assert_quotes_none(&error, &[consumed.expose_secret()]);
    show("consumed refresh token", &error);

    let error = provider
        .refresh(&client_id(), &RefreshToken::new("rt-unknown-value"))
        .await
        .unwrap_err();
    assert_quotes_none(&error, &["rt-unknown-value"]);
    show("unknown refresh token", &error);

    let expiring = RefreshToken::new(fake.control().issue_refresh_token_for("alice"));
    fake.control().set_clock_offset(604_801);
    let error = provider.refresh(&client_id(), &expiring).await.unwrap_err();
    show("expired refresh token", &error);
    fake.control().set_clock_offset(0);

    let two_resources = Scope::parse("https://a.example.com/x https://b.example.com/y").unwrap();
    let error = provider
        .start_device_authorization(&client_id(), &two_resources)
        .await
        .unwrap_err();
    show("scopes of two resources", &error);

    insta::assert_snapshot!(lines.join("\n"));
}

//! Endpoints remembered from an earlier process: used without a discovery
//! request, discovered once again when one of them has moved (404), and never
//! used when they leave the domain's origin.
#![allow(clippy::unwrap_used)]

mod identity_support;

use identity_support::{client_id, start_fake, url};
use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpSettings};
use oci_iam_sso_domain::{Endpoints, IdentityProvider, ProviderError, RefreshToken, ServiceUrl};
use oci_iam_sso_testkit::FakeIdentityDomain;

fn endpoints_at(base: &ServiceUrl, token_path: &str) -> Endpoints {
    Endpoints {
        token: base.join_path(token_path).unwrap(),
        device_authorization: base.join_path("/oauth2/v1/device").unwrap(),
        revocation: Some(base.join_path("/oauth2/v1/revoke").unwrap()),
    }
}

fn remembering(fake: &FakeIdentityDomain, endpoints: Endpoints) -> HttpIdentityProvider {
    HttpIdentityProvider::new(url(&fake.url()), HttpSettings::default())
        .remembering(Some(endpoints))
}

#[tokio::test]
async fn remembered_endpoints_refresh_without_a_discovery_request() {
    let fake = start_fake().await;
    let base = url(&fake.url());
    let remembered = endpoints_at(&base, "/oauth2/v1/token");
    let provider = remembering(&fake, remembered.clone());
    assert_eq!(provider.endpoints_in_use(), Some(remembered.clone()));
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("ada"));

    provider.refresh(&client_id(), &token).await.unwrap();

    let counters = fake.control().counters();
    assert_eq!(counters.discovery_requests, 0);
    assert_eq!(counters.refresh_grants, 1);
    assert_eq!(provider.endpoints_in_use(), Some(remembered));
}

#[tokio::test]
async fn a_remembered_token_endpoint_that_moved_is_discovered_again_once() {
    let fake = start_fake().await;
    let base = url(&fake.url());
    // The fake answers 404 at this path: the endpoint "moved" to the one
    // its discovery document names.
    let provider = remembering(&fake, endpoints_at(&base, "/old/oauth2/v1/token"));
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("ada"));

    let answer = provider.refresh(&client_id(), &token).await.unwrap();

    assert!(answer.refresh_token.is_some());
    let counters = fake.control().counters();
    assert_eq!(counters.discovery_requests, 1);
    assert_eq!(
        counters.refresh_grants, 1,
        "the grant ran once, where it now lives"
    );
    assert_eq!(
        provider.endpoints_in_use(),
        Some(endpoints_at(&base, "/oauth2/v1/token")),
        "what the use case remembers next"
    );
    // Later requests go to the discovered endpoints, with no more discovery.
    let next = answer.refresh_token.unwrap();
    provider.refresh(&client_id(), &next).await.unwrap();
    assert_eq!(fake.control().counters().discovery_requests, 1);
}

#[tokio::test]
async fn a_404_from_where_discovery_points_too_is_the_answer_not_a_loop() {
    let fake = start_fake().await;
    let base = url(&fake.url());
    fake.control().set_discovery_member(
        "token_endpoint",
        format!("{}/still/missing", fake.url()).into(),
    );
    let provider = remembering(&fake, endpoints_at(&base, "/still/missing"));
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("ada"));

    let error = provider.refresh(&client_id(), &token).await.unwrap_err();

    assert!(
        !matches!(error, ProviderError::OAuth(_)),
        "the 404 is reported: {error:?}"
    );
    let counters = fake.control().counters();
    assert_eq!(counters.discovery_requests, 1, "discovered once, no loop");
    assert_eq!(counters.token_requests, 0);
    assert!(
        fake.control()
            .is_refresh_token_current(token.expose_secret())
    );
}

#[tokio::test]
async fn remembered_endpoints_only_count_on_the_domain_origin() {
    let fake = start_fake().await;
    let other = start_fake().await;
    let base = url(&fake.url());
    // The token endpoint on another origin (another port): a store edited by
    // hand must not move the refresh token there.
    let mut endpoints = endpoints_at(&base, "/oauth2/v1/token");
    endpoints.token = url(&other.url()).join_path("/oauth2/v1/token").unwrap();
    let provider = remembering(&fake, endpoints);
    assert_eq!(provider.endpoints_in_use(), None, "ignored at once");
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("ada"));

    provider.refresh(&client_id(), &token).await.unwrap();

    assert_eq!(other.control().counters().token_requests, 0);
    assert_eq!(fake.control().counters().discovery_requests, 1);
    assert_eq!(fake.control().counters().refresh_grants, 1);
}

#[tokio::test]
async fn endpoints_found_by_this_process_are_not_rediscovered_on_a_404() {
    let fake = start_fake().await;
    fake.control().set_discovery_member(
        "token_endpoint",
        format!("{}/missing/token", fake.url()).into(),
    );
    let provider = HttpIdentityProvider::new(url(&fake.url()), HttpSettings::default());
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("ada"));

    provider.refresh(&client_id(), &token).await.unwrap_err();

    assert_eq!(fake.control().counters().discovery_requests, 1);
}

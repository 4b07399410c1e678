//! The identity-domain client against the fake identity domain over real
//! loopback HTTP: discovery, the device grant, refresh rotation and its
//! `invalid_grant` kinds, and revocation.
#![allow(clippy::unwrap_used)]

mod identity_support;

use std::time::Duration;

use identity_support::{client_id, provider, start_fake, start_fake_with, url};
use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpSettings};
use oci_iam_sso_domain::{
    ClientId, DeviceCode, Endpoints, IdentityProvider, InvalidGrant, OAuthErrorKind, ProviderError,
    RefreshToken, Scope,
};
use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain};

fn kind(result: Result<impl std::fmt::Debug, ProviderError>) -> OAuthErrorKind {
    result
        .unwrap_err()
        .oauth_kind()
        .cloned()
        .expect("an OAuth error")
}

#[tokio::test]
async fn endpoints_come_from_the_discovery_document() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let endpoints = provider.endpoints().await.unwrap();
    let base = fake.url();
    assert_eq!(endpoints.token.as_str(), format!("{base}/oauth2/v1/token"));
    assert_eq!(
        endpoints.device_authorization.as_str(),
        format!("{base}/oauth2/v1/device")
    );
    assert_eq!(
        endpoints.revocation.unwrap().as_str(),
        format!("{base}/oauth2/v1/revoke")
    );
}

#[tokio::test]
async fn without_a_discovery_document_the_domain_paths_are_used() {
    let fake = start_fake_with(FakeIdcsConfig {
        discovery: false,
        ..FakeIdcsConfig::default()
    })
    .await;
    let provider = provider(&fake);
    let endpoints = provider.endpoints().await.unwrap();
    let base = fake.url();
    assert_eq!(endpoints.token.as_str(), format!("{base}/oauth2/v1/token"));
    assert_eq!(
        endpoints.revocation.unwrap().as_str(),
        format!("{base}/oauth2/v1/revoke")
    );
    // And they work: a device login starts.
    let auth = provider
        .start_device_authorization(&client_id(), &Scope::default_epm())
        .await
        .unwrap();
    assert!(!auth.user_code.as_str().is_empty());
}

#[tokio::test]
async fn cached_endpoints_skip_discovery_and_construction_sends_nothing() {
    let fake = start_fake().await;
    let base = url(&fake.url());
    // Endpoints that do not exist on the fake prove discovery was skipped.
    let endpoints = Endpoints {
        token: base.join_path("/elsewhere/token").unwrap(),
        device_authorization: base.join_path("/elsewhere/device").unwrap(),
        revocation: None,
    };
    let provider =
        HttpIdentityProvider::with_endpoints(base, endpoints.clone(), HttpSettings::default());
    assert!(!provider.client_is_built(), "no TLS setup before a request");
    assert_eq!(provider.endpoints().await.unwrap(), endpoints);
    assert!(
        !provider.client_is_built(),
        "cached endpoints need no request"
    );
    // No revocation endpoint: nothing to revoke, and nothing sent.
    let revoked = provider
        .revoke(&client_id(), &RefreshToken::new("rt"))
        .await
        .unwrap();
    assert!(!revoked);
    assert_eq!(fake.control().counters().revocations, 0);
}

#[tokio::test]
async fn a_device_login_from_start_to_tokens() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let auth = provider
        .start_device_authorization(&client_id(), &Scope::default_epm())
        .await
        .unwrap();
    // Identity domains send no interval and no complete URI.
    assert_eq!(auth.interval, None);
    assert!(auth.verification_uri_complete.is_none());
    assert_eq!(auth.expires_in, Duration::from_secs(300));
    assert_eq!(
        auth.verification_uri.as_str(),
        format!("{}/ui/v1/device", fake.url())
    );

    let pending = provider
        .poll_device_token(&client_id(), &auth.device_code)
        .await;
    assert_eq!(kind(pending), OAuthErrorKind::AuthorizationPending);

    assert!(fake.control().approve(auth.user_code.as_str(), "alice"));
    let tokens = provider
        .poll_device_token(&client_id(), &auth.device_code)
        .await
        .unwrap();
    assert!(tokens.access_token.is_some_and(|t| !t.is_empty()));
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));
    let refresh = tokens
        .refresh_token
        .expect("offline_access gives a refresh token");
    assert!(
        fake.control()
            .is_refresh_token_current(refresh.expose_secret())
    );
}

#[tokio::test]
async fn polling_too_fast_is_slow_down() {
    // The default config enforces the 5 s interval (the helper turns it off).
    let fake = FakeIdentityDomain::start(FakeIdcsConfig::default())
        .await
        .unwrap();
    let provider = provider(&fake);
    let auth = provider
        .start_device_authorization(&client_id(), &Scope::default_epm())
        .await
        .unwrap();
    let first = provider
        .poll_device_token(&client_id(), &auth.device_code)
        .await;
    assert_eq!(kind(first), OAuthErrorKind::AuthorizationPending);
    let second = provider
        .poll_device_token(&client_id(), &auth.device_code)
        .await;
    assert_eq!(kind(second), OAuthErrorKind::SlowDown);
}

#[tokio::test]
async fn a_denied_login_is_access_denied() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let auth = provider
        .start_device_authorization(&client_id(), &Scope::default_epm())
        .await
        .unwrap();
    assert!(fake.control().deny(auth.user_code.as_str()));
    let denied = provider
        .poll_device_token(&client_id(), &auth.device_code)
        .await;
    assert_eq!(kind(denied), OAuthErrorKind::AccessDenied);
}

#[tokio::test]
async fn an_old_device_code_is_expired_token() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let auth = provider
        .start_device_authorization(&client_id(), &Scope::default_epm())
        .await
        .unwrap();
    fake.control().set_clock_offset(301);
    let expired = provider
        .poll_device_token(&client_id(), &auth.device_code)
        .await;
    assert_eq!(kind(expired), OAuthErrorKind::ExpiredToken);
}

#[tokio::test]
async fn an_unknown_device_code_is_invalid_grant() {
    let fake = start_fake().await;
    let unknown = provider(&fake)
        .poll_device_token(&client_id(), &DeviceCode::new("no-such-code"))
        .await;
    assert_eq!(
        kind(unknown),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Invalid)
    );
}

#[tokio::test]
async fn scopes_of_two_resources_are_invalid_scope() {
    let fake = start_fake().await;
    let scope =
        Scope::parse("https://a.example.com/x https://b.example.com/y offline_access").unwrap();
    let refused = provider(&fake)
        .start_device_authorization(&client_id(), &scope)
        .await;
    assert_eq!(kind(refused), OAuthErrorKind::InvalidScope);
}

#[tokio::test]
async fn an_unknown_client_is_invalid_client() {
    let fake = start_fake().await;
    let stranger = ClientId::new("stranger").unwrap();
    let refused = provider(&fake)
        .start_device_authorization(&stranger, &Scope::default_epm())
        .await;
    assert_eq!(kind(refused), OAuthErrorKind::InvalidClient);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_is_then_consumed() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let first = RefreshToken::new(fake.control().issue_refresh_token_for("alice"));

    let tokens = provider.refresh(&client_id(), &first).await.unwrap();
    let second = tokens.refresh_token.expect("rotated");
    assert_ne!(second, first);
    assert!(
        fake.control()
            .is_refresh_token_current(second.expose_secret())
    );
    assert_eq!(fake.control().counters().refresh_grants, 1);

    let reused = provider.refresh(&client_id(), &first).await;
    assert_eq!(
        kind(reused),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Consumed)
    );
    // One request per call: the adapter never retries a refresh.
    assert_eq!(fake.control().counters().refresh_grants, 2);
}

#[tokio::test]
async fn refresh_with_an_unknown_token_is_invalid() {
    let fake = start_fake().await;
    let unknown = provider(&fake)
        .refresh(&client_id(), &RefreshToken::new("not-a-token"))
        .await;
    assert_eq!(
        kind(unknown),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Invalid)
    );
}

#[tokio::test]
async fn refresh_with_an_old_token_is_expired() {
    let fake = start_fake().await;
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("alice"));
    fake.control().set_clock_offset(604_801);
    let expired = provider(&fake).refresh(&client_id(), &token).await;
    assert_eq!(
        kind(expired),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Expired)
    );
}

#[tokio::test]
async fn a_revoked_token_no_longer_refreshes() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    let token = RefreshToken::new(fake.control().issue_refresh_token_for("alice"));
    assert!(provider.revoke(&client_id(), &token).await.unwrap());
    assert_eq!(fake.control().counters().revocations, 1);
    assert!(
        !fake
            .control()
            .is_refresh_token_current(token.expose_secret())
    );
    let refused = provider.refresh(&client_id(), &token).await;
    assert_eq!(
        kind(refused),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Invalid)
    );
}

#[tokio::test]
async fn the_client_is_built_on_the_first_request_only() {
    let fake = start_fake().await;
    let provider = provider(&fake);
    assert!(!provider.client_is_built());
    provider.endpoints().await.unwrap();
    assert!(provider.client_is_built());
}

//! What the use cases leave behind besides tokens: the endpoints remembered
//! with the profile after a grant, and a trace that names no secret.

use crate::mocks::{MockIdentityProvider, MockTokenStore};
use crate::test_support::{
    CLIENT_ID, CLIENT_SECRET, ManualClock, Replaced, T0, TraceLog, expired, fresh, get_access,
    give_lock, lock_with, profile, response, script_refresh, snapshot,
};
use crate::{Endpoints, KnownEndpoints, ServiceUrl, TokenRequest};

const FORCED: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: true,
};

fn endpoints() -> Endpoints {
    let base = profile().domain_url;
    let url = |path: &str| base.join_path(path).expect("valid path");
    Endpoints {
        token: url("/oauth2/v1/token"),
        device_authorization: url("/oauth2/v1/device"),
        revocation: Some(url("/oauth2/v1/revoke")),
    }
}

fn provider_using(endpoints: Option<Endpoints>) -> MockIdentityProvider {
    let mut provider = MockIdentityProvider::new();
    provider
        .expect_endpoints_in_use()
        .returning(move || endpoints.clone());
    provider
}

/// A store whose profile has `expired(3)` and takes one refresh.
fn refreshing_store() -> MockTokenStore {
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    give_lock(
        &mut store,
        lock_with(vec![Some(expired(3))], Some(Ok(())), &Replaced::default()),
    );
    store
}

#[tokio::test]
async fn a_refresh_remembers_the_endpoints_it_used_with_the_profile() {
    let mut provider = provider_using(Some(endpoints()));
    script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = refreshing_store();
    let expected = KnownEndpoints::new(profile().domain_url, endpoints());
    store
        .expect_remember_endpoints()
        .withf(move |name, known| *name == profile().name && *known == expected)
        .times(1)
        .returning(|_, _| Ok(true));

    get_access(&provider, &store, &ManualClock::at(T0), FORCED)
        .await
        .expect("token");
}

#[tokio::test]
async fn endpoints_the_profile_already_has_are_not_written_again() {
    let mut provider = provider_using(Some(endpoints()));
    script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let store = refreshing_store(); // any remember_endpoints call panics
    let mut known = profile();
    known.endpoints = Some(KnownEndpoints::new(known.domain_url.clone(), endpoints()));
    let tokens = crate::AccessTokens {
        provider: &provider,
        store: &store,
        clock: &ManualClock::at(T0),
        notices: &crate::IgnoreNotices,
        skew: crate::DEFAULT_SKEW,
        retry: crate::RetryPolicy::default(),
    };

    tokens.get(&known, FORCED).await.expect("token");
}

#[tokio::test]
async fn a_failure_to_remember_costs_nothing_but_a_later_discovery() {
    let mut provider = provider_using(Some(endpoints()));
    script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = refreshing_store();
    store
        .expect_remember_endpoints()
        .times(1)
        .returning(|_, _| {
            Err(crate::StoreError::Io {
                location: "/store".into(),
                detail: "disk full".into(),
            })
        });

    let access = get_access(&provider, &store, &ManualClock::at(T0), FORCED)
        .await
        .expect("the token all the same");
    assert_eq!(access.token.expose_secret(), "at-new");
}

#[tokio::test]
async fn a_cache_hit_neither_asks_the_provider_nor_remembers() {
    let provider = MockIdentityProvider::new(); // any call panics
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(fresh(3)));
    let (log, _guard) = TraceLog::capture();

    get_access(
        &provider,
        &store,
        &ManualClock::at(T0),
        TokenRequest {
            min_ttl: std::time::Duration::ZERO,
            force_refresh: false,
        },
    )
    .await
    .expect("token");

    let text = log.text();
    assert!(text.contains("cache hit"), "{text}");
    assert!(!text.contains("at-3"), "{text}");
}

#[tokio::test]
async fn the_trace_of_a_refresh_shows_its_steps_and_no_secret() {
    let mut provider = provider_using(Some(endpoints()));
    script_refresh(
        &mut provider,
        vec![
            Err(crate::test_support::server(503, None)),
            Ok(response("at-SECRET-new", Some("rt-SECRET-new"))),
        ],
    );
    let mut store = refreshing_store();
    store.expect_remember_endpoints().returning(|_, _| Ok(true));
    let (log, _guard) = TraceLog::capture();

    get_access(&provider, &store, &ManualClock::at(T0), FORCED)
        .await
        .expect("token");

    let text = log.text();
    for step in [
        "refresh{profile=epm generation=3}",
        "trying again",
        "refresh grant answered",
        "persist{profile=epm base_generation=3 generation=4}",
        "kept aside",
        "stored",
        "endpoints remembered",
    ] {
        assert!(text.contains(step), "{step} in:\n{text}");
    }
    let expired = expired(3);
    let old_access = expired.access.as_ref().expect("an access token");
    let old_refresh = expired.refresh_token.as_ref().expect("a refresh token");
    for secret in [
        "at-SECRET-new",
        "rt-SECRET-new",
        old_access.token.expose_secret(),
        old_refresh.expose_secret(),
        CLIENT_ID,
        CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    // Endpoints are no secret: the token endpoint is named.
    let token_endpoint: ServiceUrl = endpoints().token;
    assert!(text.contains(token_endpoint.as_str()), "{text}");
}

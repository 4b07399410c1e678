//! What the use cases leave behind besides tokens: the endpoints remembered
//! with the profile after a grant.

use crate::mocks::{MockIdentityProvider, MockTokenStore};
use crate::test_support::{
    ManualClock, Replaced, T0, expired, get_access, give_lock, lock_with, profile, response,
    script_refresh, snapshot,
};
use crate::{Endpoints, KnownEndpoints, TokenRequest};

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

//! The smaller use cases: calling a resource server with the bearer token
//! (one forced refresh on 401), logging out, importing a refresh token.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mockall::Sequence;

use crate::mocks::{MockResourceClient, MockTokenStore};
use crate::test_support::{
    ManualClock, Replaced, T0, calls, lock_with, profile, response, script_refresh, secs,
    token_set, transport,
};
use crate::usecase::call_with_bearer;
use crate::{
    AccessTokens, DEFAULT_SKEW, Error, Generation, ImportRefreshToken, Logout, LogoutOutcome,
    RefreshToken, ResourceRequest, ResourceResponse, RetryPolicy, ServiceUrl, StoreError,
    TokenRequest, TransportFailure,
};

const NORMAL: TokenRequest = TokenRequest {
    min_ttl: Duration::ZERO,
    force_refresh: false,
};

fn request() -> ResourceRequest {
    ResourceRequest {
        method: "GET".into(),
        url: ServiceUrl::parse("https://epm.example.com/interop/rest/v1/services/dailymaintenance")
            .expect("url"),
        headers: Vec::new(),
        body: None,
    }
}

/// A resource server answering `statuses` in order, recording the bearer tokens it got.
fn resource_server(statuses: Vec<u16>) -> (MockResourceClient, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let statuses = Mutex::new(std::collections::VecDeque::from(statuses.clone()));
    let mut client = MockResourceClient::new();
    client.expect_send().returning(move |_, token| {
        record
            .lock()
            .expect("not poisoned")
            .push(token.expose_secret().to_owned());
        let status = statuses
            .lock()
            .expect("not poisoned")
            .pop_front()
            .expect("one status per request");
        Ok(ResourceResponse {
            status,
            reason: String::new(),
            headers: Vec::new(),
            body: b"<html>page</html>".to_vec(),
        })
    });
    (client, seen)
}

fn fresh_store(snapshots: usize) -> MockTokenStore {
    let mut store = MockTokenStore::new();
    store
        .expect_tokens()
        .times(snapshots)
        .returning(|_| Ok(Some(token_set(3, "at-3", "rt-3", T0.plus(secs(3000))))));
    store
}

fn seen(tokens: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    tokens.lock().expect("not poisoned").clone()
}

#[tokio::test]
async fn a_200_needs_no_refresh() {
    let provider = crate::test_support::provider_mock();
    let store = fresh_store(1);
    let clock = ManualClock::at(T0);
    let (client, bearer) = resource_server(vec![200]);
    let tokens = AccessTokens {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &crate::IgnoreNotices,
        skew: DEFAULT_SKEW,
        retry: RetryPolicy::default(),
    };

    let answer = call_with_bearer(&tokens, &client, &profile(), &request(), NORMAL).await;

    assert_eq!(answer.expect("answer").status, 200);
    assert_eq!(seen(&bearer), ["at-3"]);
}

async fn call_answered(statuses: Vec<u16>) -> (u16, Vec<String>, Vec<String>) {
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = fresh_store(2);
    let replaced = Replaced::default();
    let fresh = token_set(3, "at-3", "rt-3", T0.plus(secs(3000)));
    let lock = lock_with(vec![Some(fresh)], Some(Ok(())), &replaced);
    store.expect_lock().return_once(move |_| Ok(Box::new(lock)));
    let clock = ManualClock::at(T0);
    let (client, bearer) = resource_server(statuses);
    let tokens = AccessTokens {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &crate::IgnoreNotices,
        skew: DEFAULT_SKEW,
        retry: RetryPolicy::default(),
    };
    let answer = call_with_bearer(&tokens, &client, &profile(), &request(), NORMAL)
        .await
        .expect("answer");
    assert_eq!(replaced.lock().expect("not poisoned").len(), 1, "stored");
    (answer.status, seen(&bearer), calls(&refreshes))
}

#[tokio::test]
async fn a_401_forces_one_refresh_and_one_retry() {
    let (status, bearer, refreshes) = call_answered(vec![401, 200]).await;
    assert_eq!(status, 200);
    assert_eq!(bearer, ["at-3", "at-new"]);
    assert_eq!(refreshes, ["rt-3"]);
}

#[tokio::test]
async fn a_second_401_is_returned_without_another_refresh() {
    let (status, bearer, refreshes) = call_answered(vec![401, 401]).await;
    assert_eq!(status, 401);
    assert_eq!(bearer.len(), 2);
    assert_eq!(refreshes.len(), 1);
}

/// A store holding `tokens` under a lock that expects `clear` to answer `cleared`
/// (`None`: clear must not be called), ordered after any revoke via `seq`.
fn logout_store(
    tokens: Option<crate::TokenSet>,
    cleared: Option<Result<(), StoreError>>,
    seq: &mut Sequence,
) -> MockTokenStore {
    let mut lock = lock_with(vec![tokens], None, &Replaced::default());
    if let Some(outcome) = cleared {
        lock.expect_clear()
            .times(1)
            .in_sequence(seq)
            .return_once(move || outcome);
    }
    let mut store = MockTokenStore::new();
    store
        .expect_lock()
        .times(1)
        .return_once(move |_| Ok(Box::new(lock)));
    store
}

async fn logout_with(revoked: Result<bool, crate::ProviderError>) -> Result<LogoutOutcome, Error> {
    let mut seq = Sequence::new();
    let mut provider = crate::test_support::provider_mock();
    provider
        .expect_revoke()
        .withf(|_, token| token.expose_secret() == "rt-3")
        .times(1)
        .in_sequence(&mut seq)
        .return_once(move |_, _| revoked);
    let set = token_set(3, "at-3", "rt-3", T0);
    let store = logout_store(Some(set), Some(Ok(())), &mut seq);
    let logout = Logout {
        provider: &provider,
        store: &store,
        clock: &ManualClock::at(T0),
        notices: &crate::IgnoreNotices,
    };
    logout.run(&profile()).await
}

#[tokio::test]
async fn logout_revokes_then_clears() {
    let outcome = logout_with(Ok(true)).await.expect("logged out");
    assert!(matches!(outcome, LogoutOutcome::Revoked), "{outcome:?}");
}

#[tokio::test]
async fn logout_without_revocation_endpoint_still_clears() {
    let outcome = logout_with(Ok(false)).await.expect("logged out");
    assert!(
        matches!(outcome, LogoutOutcome::NoRevocationEndpoint),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_failed_revocation_still_clears() {
    let failure = transport(TransportFailure::Connect);
    let outcome = logout_with(Err(failure)).await.expect("logged out");
    assert!(
        matches!(outcome, LogoutOutcome::RevocationFailed(_)),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn logout_when_not_logged_in_touches_nothing() {
    let provider = crate::test_support::provider_mock();
    let store = logout_store(None, None, &mut Sequence::new());
    let logout = Logout {
        provider: &provider,
        store: &store,
        clock: &ManualClock::at(T0),
        notices: &crate::IgnoreNotices,
    };
    let outcome = logout.run(&profile()).await.expect("nothing to do");
    assert!(matches!(outcome, LogoutOutcome::NotLoggedIn), "{outcome:?}");
}

#[tokio::test]
async fn a_failed_clear_is_a_store_error() {
    let mut provider = crate::test_support::provider_mock();
    provider.expect_revoke().return_once(|_, _| Ok(true));
    let busy = StoreError::Io {
        location: "/store".into(),
        detail: "read-only".into(),
    };
    let set = token_set(3, "at-3", "rt-3", T0);
    let store = logout_store(Some(set), Some(Err(busy)), &mut Sequence::new());
    let logout = Logout {
        provider: &provider,
        store: &store,
        clock: &ManualClock::at(T0),
        notices: &crate::IgnoreNotices,
    };
    let error = logout.run(&profile()).await.expect_err("not cleared");
    assert!(
        matches!(error, Error::Store(StoreError::Io { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_empty_refresh_token_is_rejected_before_the_store() {
    let store = MockTokenStore::new(); // any call panics
    let provider = crate::test_support::provider_mock(); // so does a grant
    let clock = ManualClock::at(T0);
    let import = ImportRefreshToken {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &crate::IgnoreNotices,
    };
    let too_long = "r".repeat(crate::usecase::MAX_IMPORTED_TOKEN_LEN + 1);
    for empty in ["", "  \n", too_long.as_str()] {
        let error = import
            .run(&profile(), RefreshToken::new(empty))
            .await
            .expect_err("rejected");
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    }
}

async fn import_over(
    previous: Option<crate::TokenSet>,
) -> (crate::TokenSet, Replaced, Vec<String>) {
    let replaced = Replaced::default();
    let lock = lock_with(vec![previous], Some(Ok(())), &replaced);
    let mut store = MockTokenStore::new();
    store.expect_lock().return_once(move |_| Ok(Box::new(lock)));
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let clock = ManualClock::at(T0);
    let import = ImportRefreshToken {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &crate::IgnoreNotices,
    };
    let set = import
        .run(&profile(), RefreshToken::new("rt-imported\n"))
        .await
        .expect("imported");
    (set, replaced, calls(&refreshes))
}

#[tokio::test]
async fn an_import_redeems_the_token_and_stores_its_successor() {
    let (set, replaced, refreshes) = import_over(None).await;
    assert_eq!(refreshes, ["rt-imported"], "redeemed once, trimmed");
    let written = replaced.lock().expect("not poisoned").clone();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].0, None);
    assert_eq!(written[0].1, set);
    assert_eq!(set.generation, Generation::new(2));
    assert_eq!(
        set.access.as_ref().map(|a| a.token.expose_secret()),
        Some("at-new")
    );
    assert_eq!(
        set.refresh_token.as_ref().map(RefreshToken::expose_secret),
        Some("rt-new")
    );
}

#[tokio::test]
async fn a_refused_import_replaces_nothing() {
    let replaced = Replaced::default();
    // `replace` is not scripted: a write would panic.
    let lock = lock_with(vec![Some(token_set(4, "at", "rt", T0))], None, &replaced);
    let mut store = MockTokenStore::new();
    store.expect_lock().return_once(move |_| Ok(Box::new(lock)));
    let mut provider = crate::test_support::provider_mock();
    script_refresh(
        &mut provider,
        vec![Err(crate::test_support::oauth(
            "invalid_grant",
            Some("garbage"),
        ))],
    );
    let clock = ManualClock::at(T0);
    let import = ImportRefreshToken {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &crate::IgnoreNotices,
    };
    let error = import
        .run(&profile(), RefreshToken::new("garbage"))
        .await
        .expect_err("refused");
    assert!(
        matches!(error, Error::RefreshTokenInvalid { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_import_over_a_login_continues_its_generations() {
    let (set, replaced, _) = import_over(Some(token_set(4, "at", "rt", T0))).await;
    assert_eq!(set.generation, Generation::new(6));
    assert_eq!(
        replaced.lock().expect("not poisoned")[0].0,
        Some(Generation::new(4))
    );
}

#[tokio::test]
async fn logout_with_only_an_access_token_says_nothing_was_revoked() {
    let provider = crate::test_support::provider_mock(); // a revoke call would panic
    let mut set = token_set(3, "at-3", "rt-3", T0);
    set.refresh_token = None;
    let store = logout_store(Some(set), Some(Ok(())), &mut Sequence::new());
    let logout = Logout {
        provider: &provider,
        store: &store,
        clock: &ManualClock::at(T0),
        notices: &crate::IgnoreNotices,
    };
    let outcome = logout.run(&profile()).await.expect("logged out");
    assert!(
        matches!(outcome, LogoutOutcome::NothingToRevoke),
        "{outcome:?}"
    );
}

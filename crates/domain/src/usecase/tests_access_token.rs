//! The access-token provider ([`AccessTokens`]): cache hits, refresh under the
//! lock, persistence before hand-out, and the consumed-token recovery.

use mockall::Sequence;

use crate::mocks::{MockIdentityProvider, MockTokenStore};
use crate::test_support::{
    ManualClock, Replaced, T0, calls, lock_with, oauth, profile, response, script_refresh, secs,
    token_set,
};
use crate::{
    AccessTokens, DEFAULT_SKEW, Error, Generation, IssuedAccessToken, RetryPolicy, StoreError,
    TokenRequest, TokenSet, exit,
};

const NORMAL: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: false,
};
const FORCED: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: true,
};

fn fresh(generation: u64) -> TokenSet {
    let name = format!("at-{generation}");
    token_set(
        generation,
        &name,
        &format!("rt-{generation}"),
        T0.plus(secs(3000)),
    )
}

fn expired(generation: u64) -> TokenSet {
    let name = format!("at-{generation}");
    token_set(
        generation,
        &name,
        &format!("rt-{generation}"),
        T0.minus(secs(10)),
    )
}

fn snapshot(store: &mut MockTokenStore, set: Option<TokenSet>) {
    store.expect_tokens().times(1).return_once(move |_| Ok(set));
}

fn give_lock(store: &mut MockTokenStore, lock: crate::mocks::MockProfileLock) {
    store
        .expect_lock()
        .times(1)
        .return_once(move |_| Ok(Box::new(lock)));
}

async fn get(
    provider: &MockIdentityProvider,
    store: &MockTokenStore,
    clock: &ManualClock,
    request: TokenRequest,
) -> Result<IssuedAccessToken, Error> {
    let tokens = AccessTokens {
        provider,
        store,
        clock,
        skew: DEFAULT_SKEW,
        retry: RetryPolicy::default(),
    };
    tokens.get(&profile(), request).await
}

fn written(replaced: &Replaced) -> Vec<(Option<Generation>, TokenSet)> {
    replaced.lock().expect("not poisoned").clone()
}

#[tokio::test]
async fn a_fresh_cached_token_needs_no_provider_and_no_lock() {
    let provider = MockIdentityProvider::new(); // any call panics
    let mut store = MockTokenStore::new(); // only the lock-free snapshot is expected
    snapshot(&mut store, Some(fresh(3)));
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, NORMAL).await.expect("token");

    assert_eq!(access.token.expose_secret(), "at-3");
}

#[tokio::test]
async fn a_token_within_min_ttl_is_refreshed() {
    let mut provider = MockIdentityProvider::new();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = MockTokenStore::new();
    // Valid for 10 more minutes, but the caller needs 20.
    let set = token_set(3, "at-3", "rt-3", T0.plus(secs(600)));
    snapshot(&mut store, Some(set.clone()));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(vec![Some(set)], Some(Ok(())), &replaced),
    );
    let clock = ManualClock::at(T0);
    let request = TokenRequest {
        min_ttl: secs(1200),
        force_refresh: false,
    };

    let access = get(&provider, &store, &clock, request)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-3"]);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_stored_before_it_is_returned() {
    let mut seq = Sequence::new();
    let mut store = MockTokenStore::new();
    store
        .expect_tokens()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_| Ok(Some(expired(3))));
    let mut lock = crate::mocks::MockProfileLock::new();
    lock.expect_tokens()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|| Ok(Some(expired(3))));
    let mut provider = MockIdentityProvider::new();
    provider
        .expect_refresh()
        .withf(|_, token| token.expose_secret() == "rt-3")
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_, _| Ok(response("at-new", Some("rt-new"))));
    let replaced = Replaced::default();
    let record = replaced.clone();
    lock.expect_replace()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(move |expected, new| {
            record
                .lock()
                .expect("not poisoned")
                .push((expected, new.clone()));
            Ok(())
        });
    store
        .expect_lock()
        .times(1)
        .return_once(move |_| Ok(Box::new(lock)));
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, NORMAL).await.expect("token");

    let written = written(&replaced);
    assert_eq!(written.len(), 1);
    let (expected, new) = &written[0];
    assert_eq!(*expected, Some(Generation::new(3)));
    assert_eq!(new.generation, Generation::new(4));
    assert_eq!(
        new.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("rt-new")
    );
    assert_eq!(
        Some(&access),
        new.access.as_ref(),
        "the stored token is returned"
    );
    assert_eq!(access.token.expose_secret(), "at-new");
}

#[tokio::test]
async fn a_refresh_by_another_process_while_we_waited_is_used() {
    let provider = MockIdentityProvider::new(); // no refresh may happen
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![Some(fresh(4))], None, &replaced));
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, NORMAL).await.expect("token");

    assert_eq!(access.token.expose_secret(), "at-4");
}

#[tokio::test]
async fn a_forced_refresh_refreshes_a_fresh_token() {
    let mut provider = MockIdentityProvider::new();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(fresh(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(vec![Some(fresh(3))], Some(Ok(())), &replaced),
    );
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, FORCED).await.expect("token");

    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-3"]);
    assert_eq!(written(&replaced)[0].0, Some(Generation::new(3)));
}

#[tokio::test]
async fn a_forced_refresh_accepts_a_newer_generation_found_under_the_lock() {
    let provider = MockIdentityProvider::new();
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(fresh(3)));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![Some(fresh(4))], None, &replaced));
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, FORCED).await.expect("token");

    assert_eq!(access.token.expose_secret(), "at-4");
}

async fn refresh_with_failing_store(failure: StoreError) -> Error {
    let mut provider = MockIdentityProvider::new();
    script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(vec![Some(expired(3))], Some(Err(failure)), &replaced),
    );
    let clock = ManualClock::at(T0);
    get(&provider, &store, &clock, NORMAL)
        .await
        .expect_err("the new token must not be handed out unstored")
}

#[tokio::test]
async fn a_failed_write_is_persist_failed_and_hands_out_nothing() {
    let error = refresh_with_failing_store(StoreError::Io {
        location: "/store".into(),
        detail: "disk full".into(),
    })
    .await;
    assert!(
        matches!(
            error,
            Error::PersistFailed {
                source: StoreError::Io { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), exit::TOKEN_LOST);
}

#[tokio::test]
async fn a_lost_compare_and_swap_is_persist_failed_too() {
    let error = refresh_with_failing_store(StoreError::Conflict {
        attempted: 4,
        found: 4,
    })
    .await;
    assert!(matches!(error, Error::PersistFailed { .. }), "{error:?}");
}

#[tokio::test]
async fn consumed_with_a_newer_stored_token_retries_once_with_it() {
    let mut provider = MockIdentityProvider::new();
    let consumed = oauth("invalid_grant", Some("The token has already been consumed"));
    let answers = vec![Err(consumed), Ok(response("at-new", Some("rt-new")))];
    let refreshes = script_refresh(&mut provider, answers);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    // Someone outside our lock stored generation 5, whose access token is expired too.
    let reads = vec![Some(expired(3)), Some(expired(5))];
    give_lock(&mut store, lock_with(reads, Some(Ok(())), &replaced));
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, NORMAL).await.expect("token");

    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-3", "rt-5"]);
    let written = written(&replaced);
    assert_eq!(written[0].0, Some(Generation::new(5)));
    assert_eq!(written[0].1.generation, Generation::new(6));
}

#[tokio::test]
async fn consumed_with_a_newer_fresh_token_uses_it_without_refreshing() {
    let mut provider = MockIdentityProvider::new();
    let consumed = oauth("invalid_grant", Some("The token is already consumed"));
    let refreshes = script_refresh(&mut provider, vec![Err(consumed)]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(vec![Some(expired(3)), Some(fresh(5))], None, &replaced),
    );
    let clock = ManualClock::at(T0);

    let access = get(&provider, &store, &clock, NORMAL).await.expect("token");

    assert_eq!(access.token.expose_secret(), "at-5");
    assert_eq!(calls(&refreshes), ["rt-3"]);
}

/// A refresh of an expired generation 3 whose provider answers `answers`;
/// the lock reads `reads`. Returns the error and the refresh calls.
async fn failed_refresh(
    answers: Vec<Result<crate::TokenResponse, crate::ProviderError>>,
    reads: Vec<Option<TokenSet>>,
) -> (Error, Vec<String>) {
    let mut provider = MockIdentityProvider::new();
    let refreshes = script_refresh(&mut provider, answers);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(reads, None, &replaced));
    let clock = ManualClock::at(T0);
    let error = get(&provider, &store, &clock, NORMAL)
        .await
        .expect_err("fails");
    (error, calls(&refreshes))
}

fn consumed() -> Result<crate::TokenResponse, crate::ProviderError> {
    Err(oauth(
        "invalid_grant",
        Some("The token has already been consumed"),
    ))
}

#[tokio::test]
async fn consumed_with_nothing_newer_is_a_broken_chain() {
    let (error, refreshes) = failed_refresh(vec![consumed()], vec![Some(expired(3))]).await;
    assert!(
        matches!(error, Error::RefreshChainBroken { .. }),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), exit::CHAIN_BROKEN);
    assert_eq!(error.exit_code(), 6);
    assert_eq!(refreshes, ["rt-3"]);
}

#[tokio::test]
async fn consumed_twice_is_a_broken_chain_after_one_retry() {
    // Even when the store keeps showing newer sets, only one retry is made.
    let reads = vec![Some(expired(3)), Some(expired(5)), Some(expired(7))];
    let (error, refreshes) = failed_refresh(vec![consumed(), consumed()], reads).await;
    assert!(
        matches!(error, Error::RefreshChainBroken { .. }),
        "{error:?}"
    );
    assert_eq!(refreshes, ["rt-3", "rt-5"]);
}

#[tokio::test]
async fn an_expired_refresh_token_asks_for_a_login() {
    let answer = Err(oauth(
        "invalid_grant",
        Some("Token is expired for client : abc"),
    ));
    let (error, _) = failed_refresh(vec![answer], vec![Some(expired(3))]).await;
    assert!(
        matches!(error, Error::RefreshTokenExpired { .. }),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), exit::LOGIN_REQUIRED);
}

#[tokio::test]
async fn an_invalid_refresh_token_asks_for_a_login() {
    let answer = Err(oauth(
        "invalid_grant",
        Some("The given token in the request is invalid"),
    ));
    let (error, _) = failed_refresh(vec![answer], vec![Some(expired(3))]).await;
    assert!(
        matches!(error, Error::RefreshTokenInvalid { .. }),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), exit::LOGIN_REQUIRED);
}

#[tokio::test]
async fn an_invalid_scope_is_a_client_configuration_error() {
    let answer = Err(oauth("invalid_scope", Some("Invalid scope")));
    let (error, _) = failed_refresh(vec![answer], vec![Some(expired(3))]).await;
    assert!(
        matches!(error, Error::ClientConfiguration { .. }),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), exit::CLIENT_CONFIG);
}

#[tokio::test]
async fn without_stored_tokens_the_profile_is_not_logged_in() {
    let provider = MockIdentityProvider::new();
    let mut store = MockTokenStore::new();
    snapshot(&mut store, None);
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![None], None, &replaced));
    let clock = ManualClock::at(T0);

    let error = get(&provider, &store, &clock, NORMAL)
        .await
        .expect_err("fails");

    assert!(matches!(error, Error::NotLoggedIn(_)), "{error:?}");
    assert_eq!(error.exit_code(), exit::NOT_LOGGED_IN);
}

//! The access-token provider when the refresh grant is refused: the consumed-token
//! recovery (one retry with a newer stored token) and what each refusal becomes.

use crate::mocks::MockTokenStore;
use crate::test_support::{
    ManualClock, Replaced, T0, calls, expired, fresh, get_access, give_lock, lock_with, oauth,
    response, script_refresh, snapshot,
};
use crate::{Error, Generation, TokenRequest, TokenSet};

const NORMAL: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: false,
};

fn written(replaced: &Replaced) -> Vec<(Option<Generation>, TokenSet)> {
    replaced.lock().expect("not poisoned").clone()
}

#[tokio::test]
async fn consumed_with_a_newer_stored_token_retries_once_with_it() {
    let mut provider = crate::test_support::provider_mock();
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

    let access = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-3", "rt-5"]);
    let written = written(&replaced);
    assert_eq!(written[0].0, Some(Generation::new(5)));
    assert_eq!(written[0].1.generation, Generation::new(6));
}

#[tokio::test]
async fn consumed_with_a_newer_fresh_token_uses_it_without_refreshing() {
    let mut provider = crate::test_support::provider_mock();
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

    let access = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-5");
    assert_eq!(calls(&refreshes), ["rt-3"]);
}

/// A refresh of an expired generation 3 whose provider answers `answers`;
/// the lock reads `reads`. Returns the error and the refresh calls.
async fn failed_refresh(
    answers: Vec<Result<crate::TokenResponse, crate::ProviderError>>,
    reads: Vec<Option<TokenSet>>,
) -> (Error, Vec<String>) {
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, answers);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(reads, None, &replaced));
    let clock = ManualClock::at(T0);
    let error = get_access(&provider, &store, &clock, NORMAL)
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
}

#[tokio::test]
async fn an_invalid_scope_is_a_client_configuration_error() {
    let answer = Err(oauth("invalid_scope", Some("Invalid scope")));
    let (error, _) = failed_refresh(vec![answer], vec![Some(expired(3))]).await;
    assert!(
        matches!(error, Error::ClientConfiguration { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn without_stored_tokens_the_profile_is_not_logged_in() {
    let provider = crate::test_support::provider_mock();
    let mut store = MockTokenStore::new();
    snapshot(&mut store, None);
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![None], None, &replaced));
    let clock = ManualClock::at(T0);

    let error = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect_err("fails");

    assert!(matches!(error, Error::NotLoggedIn(_)), "{error:?}");
}

#[tokio::test]
async fn without_a_refresh_token_nothing_is_sent_and_the_remedy_names_offline_access() {
    let provider = crate::test_support::provider_mock(); // any refresh call would panic
    let mut store = MockTokenStore::new();
    let mut set = expired(4);
    set.refresh_token = None;
    snapshot(&mut store, Some(set.clone()));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![Some(set)], None, &replaced));
    let clock = ManualClock::at(T0);

    let error = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect_err("fails");

    assert!(matches!(error, Error::NoRefreshToken(_)), "{error:?}");
    assert!(replaced.lock().expect("not poisoned").is_empty());
}

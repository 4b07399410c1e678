//! The trust rules of the access-token provider: a rotation kept aside is
//! adopted, single flight holds inside the margin, a margin longer than the
//! server's lifetime does not refresh every call, any `invalid_grant` re-reads
//! the store, and a cut-off refresh says the token may be consumed.

use crate::mocks::{MockIdentityProvider, MockTokenStore};
use crate::test_support::{
    ManualClock, RecordedNotices, Replaced, T0, calls, expired, fresh, give_lock, lock_with, oauth,
    profile, response, script_refresh, secs, snapshot, token_set, transport,
};
use crate::{
    AccessTokens, DEFAULT_SKEW, Error, Generation, IssuedAccessToken, PendingRotation, RetryPolicy,
    TokenRequest, TokenSet, TransportFailure,
};

const NORMAL: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: false,
};

async fn get(
    provider: &MockIdentityProvider,
    store: &MockTokenStore,
    request: TokenRequest,
) -> (Result<IssuedAccessToken, Error>, Vec<String>) {
    let clock = ManualClock::at(T0);
    let notices = RecordedNotices::default();
    let tokens = AccessTokens {
        provider,
        store,
        clock: &clock,
        notices: &notices,
        skew: DEFAULT_SKEW,
        retry: RetryPolicy::default(),
    };
    let result = tokens.get(&profile(), request).await;
    (result, notices.taken())
}

/// A set whose access token was issued at T0 and lives `lifetime` seconds.
fn issued_now(generation: u64, lifetime: u64) -> TokenSet {
    let mut set = fresh(generation);
    if let Some(access) = set.access.as_mut() {
        access.issued_at = T0;
        access.expires_at = T0.plus(secs(lifetime));
    }
    set
}

#[tokio::test]
async fn a_kept_rotation_over_the_stored_set_is_adopted_and_used() {
    let provider = crate::test_support::provider_mock(); // no grant: the kept set is fresh
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let mut lock = crate::mocks::MockProfileLock::new();
    lock.expect_tokens().returning(|| Ok(Some(expired(3))));
    let pending = PendingRotation::over(Some(&expired(3)), fresh(4), T0.minus(secs(30)));
    lock.expect_pending()
        .times(1)
        .return_once(move || Ok(Some(pending)));
    lock.expect_adopt()
        .withf(|p, _| p.next.generation == Generation::new(4))
        .times(1)
        .return_once(|_, _| Ok(()));
    give_lock(&mut store, lock);

    let (result, notices) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-4");
    assert_eq!(notices.len(), 1);
    assert!(notices[0].starts_with("RotationRecovered"), "{notices:?}");
}

#[tokio::test]
async fn a_kept_rotation_that_cannot_be_adopted_yet_is_still_the_one_refreshed() {
    // The store still cannot write: go on from the kept set's refresh token
    // (the stored one is consumed) and keep the next one aside over the stored base.
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-5", Some("rt-5")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let mut lock = crate::mocks::MockProfileLock::new();
    lock.expect_tokens().returning(|| Ok(Some(expired(3))));
    let pending = PendingRotation::over(Some(&expired(3)), expired(4), T0.minus(secs(3600)));
    lock.expect_pending()
        .times(1)
        .return_once(move || Ok(Some(pending)));
    let busy = || crate::StoreError::LockTimeout { waited: secs(1) };
    lock.expect_adopt()
        .times(1)
        .return_once(move |_, _| Err(busy()));
    lock.expect_prepare_rotation().returning(|| Ok(()));
    lock.expect_keep_pending()
        .withf(|p| {
            p.base_generation == Some(Generation::new(3)) && p.next.generation == Generation::new(5)
        })
        .times(1)
        .return_once(|_| Ok(()));
    lock.expect_replace()
        .withf(|expected, _, _| *expected == Some(Generation::new(3)))
        .times(1)
        .return_once(move |_, _, _| Err(busy()));
    give_lock(&mut store, lock);

    let (result, notices) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-5");
    assert_eq!(
        calls(&refreshes),
        ["rt-4"],
        "the kept token, not the consumed one"
    );
    assert_eq!(notices.len(), 2, "{notices:?}");
}

#[tokio::test]
async fn a_kept_rotation_of_another_base_is_ignored() {
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(6)));
    let mut lock = crate::mocks::MockProfileLock::new();
    lock.expect_tokens().returning(|| Ok(Some(expired(6))));
    let stale = PendingRotation::over(Some(&expired(3)), fresh(4), T0);
    lock.expect_pending().return_once(move || Ok(Some(stale)));
    lock.expect_prepare_rotation().returning(|| Ok(()));
    lock.expect_keep_pending().returning(|_| Ok(()));
    lock.expect_replace().times(1).returning(|_, _, _| Ok(()));
    give_lock(&mut store, lock);

    let (result, _) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-6"]);
}

#[tokio::test]
async fn a_token_another_process_got_while_we_waited_is_used_inside_the_margin() {
    // A 30 s server lifetime under the default 60 s skew: still single flight.
    let provider = crate::test_support::provider_mock(); // a grant would panic
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    let mut newer = fresh(4);
    if let Some(access) = newer.access.as_mut() {
        access.issued_at = T0.minus(secs(5));
        access.expires_at = T0.plus(secs(25));
    }
    give_lock(&mut store, lock_with(vec![Some(newer)], None, &replaced));

    let (result, _) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-4");
}

#[tokio::test]
async fn a_margin_longer_than_the_lifetime_does_not_refresh_every_call() {
    // A 1 h token asked for with --min-ttl 2h: used until half its life is gone.
    let provider = crate::test_support::provider_mock(); // a grant would panic
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(issued_now(4, 3600)));
    let (result, _) = get(
        &provider,
        &store,
        TokenRequest {
            min_ttl: secs(7200),
            force_refresh: false,
        },
    )
    .await;
    assert_eq!(result.expect("cache hit").token.expose_secret(), "at-4");
}

#[tokio::test]
async fn a_margin_longer_than_the_new_tokens_lifetime_is_reported_once() {
    let mut provider = crate::test_support::provider_mock();
    let mut short = response("at-new", Some("rt-new"));
    short.expires_in = Some(secs(30));
    script_refresh(&mut provider, vec![Ok(short)]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(vec![Some(expired(3))], Some(Ok(())), &replaced),
    );

    let (result, notices) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-new");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].starts_with("MarginExceedsLifetime"),
        "{notices:?}"
    );
}

#[tokio::test]
async fn any_invalid_grant_rereads_the_store_before_giving_up() {
    // Not the English "already consumed" text: a revoked-looking answer, while
    // another host stored a newer set.
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(
        &mut provider,
        vec![
            Err(oauth("invalid_grant", Some("Token is no longer valid"))),
            Ok(response("at-new", Some("rt-new"))),
        ],
    );
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(
            vec![Some(expired(3)), Some(expired(5))],
            Some(Ok(())),
            &replaced,
        ),
    );

    let (result, _) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-3", "rt-5"]);
    let written = replaced.lock().expect("not poisoned").clone();
    assert_eq!(
        written[0].0,
        Some(Generation::new(5)),
        "over what is stored now"
    );
}

#[tokio::test]
async fn a_refresh_cut_off_after_it_was_sent_does_not_say_try_again_as_if_nothing_happened() {
    let mut provider = crate::test_support::provider_mock();
    script_refresh(
        &mut provider,
        vec![Err(transport(TransportFailure::Interrupted))],
    );
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(
            vec![Some(token_set(3, "at-3", "rt-3", T0.minus(secs(1))))],
            None,
            &replaced,
        ),
    );

    let (result, _) = get(&provider, &store, NORMAL).await;

    let error = result.expect_err("no answer");
    assert!(
        matches!(error, Error::RefreshOutcomeUnknown { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_kept_rotation_that_lost_to_a_newer_write_is_dropped_and_the_store_reread() {
    // Between the read and the adoption another writer stored generation 9:
    // its set wins, and the kept token (of an older base) is not sent.
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-10", Some("rt-10")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let mut lock = crate::mocks::MockProfileLock::new();
    let reads = std::sync::Mutex::new(vec![Some(expired(9)), Some(expired(3))]);
    lock.expect_tokens()
        .returning(move || Ok(reads.lock().expect("not poisoned").pop().flatten()));
    let pending = PendingRotation::over(Some(&expired(3)), expired(4), T0);
    lock.expect_pending().return_once(move || Ok(Some(pending)));
    lock.expect_adopt().times(1).return_once(|_, _| {
        Err(crate::StoreError::Conflict {
            attempted: 4,
            found: 9,
        })
    });
    lock.expect_prepare_rotation().returning(|| Ok(()));
    lock.expect_keep_pending().returning(|_| Ok(()));
    lock.expect_replace()
        .withf(|expected, _, _| *expected == Some(Generation::new(9)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    give_lock(&mut store, lock);

    let (result, _) = get(&provider, &store, NORMAL).await;

    assert_eq!(result.expect("token").token.expose_secret(), "at-10");
    assert_eq!(calls(&refreshes), ["rt-9"]);
}

//! The access-token provider ([`AccessTokens`]): cache hits, refresh under the
//! lock, a newer set found under the lock, and persistence before hand-out.

use mockall::Sequence;

use crate::mocks::MockTokenStore;
use crate::test_support::{
    ManualClock, RecordedNotices, Replaced, T0, calls, expired, fresh, get_access, give_lock,
    lock_keeping, lock_with, response, script_refresh, secs, snapshot, token_set,
};
use crate::{Error, Generation, StoreError, TokenRequest, TokenSet};

const NORMAL: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: false,
};
const FORCED: TokenRequest = TokenRequest {
    min_ttl: std::time::Duration::ZERO,
    force_refresh: true,
};

fn written(replaced: &Replaced) -> Vec<(Option<Generation>, TokenSet)> {
    replaced.lock().expect("not poisoned").clone()
}

#[tokio::test]
async fn a_fresh_cached_token_needs_no_provider_and_no_lock() {
    let provider = crate::test_support::provider_mock(); // any call panics
    let mut store = MockTokenStore::new(); // only the lock-free snapshot is expected
    snapshot(&mut store, Some(fresh(3)));
    let clock = ManualClock::at(T0);

    let access = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-3");
}

#[tokio::test]
async fn a_token_within_min_ttl_is_refreshed() {
    let mut provider = crate::test_support::provider_mock();
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

    let access = get_access(&provider, &store, &clock, request)
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
    lock.expect_pending()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|| Ok(None));
    // Room to keep the answer is made before the grant leaves...
    lock.expect_prepare_rotation()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|| Ok(()));
    let mut provider = crate::test_support::provider_mock();
    provider
        .expect_refresh()
        .withf(|_, token| token.expose_secret() == "rt-3")
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_, _| Ok(response("at-new", Some("rt-new"))));
    // ...and the answer is kept aside before the store is written.
    lock.expect_keep_pending()
        .withf(|p| {
            p.base_generation == Some(Generation::new(3))
                && p.next.generation == Generation::new(4)
                && p.base_refresh_token.as_ref().map(|t| t.expose_secret()) == Some("rt-3")
        })
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_| Ok(()));
    let replaced = Replaced::default();
    let record = replaced.clone();
    lock.expect_replace()
        // The audit time is the domain clock's.
        .withf(|_, _, at| *at == T0)
        .times(1)
        .in_sequence(&mut seq)
        .return_once(move |expected, new, _| {
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

    let access = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect("token");

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
    let provider = crate::test_support::provider_mock(); // no refresh may happen
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![Some(fresh(4))], None, &replaced));
    let clock = ManualClock::at(T0);

    let access = get_access(&provider, &store, &clock, NORMAL)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-4");
}

#[tokio::test]
async fn a_forced_refresh_refreshes_a_fresh_token() {
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(fresh(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_with(vec![Some(fresh(3))], Some(Ok(())), &replaced),
    );
    let clock = ManualClock::at(T0);

    let access = get_access(&provider, &store, &clock, FORCED)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(calls(&refreshes), ["rt-3"]);
    assert_eq!(written(&replaced)[0].0, Some(Generation::new(3)));
}

#[tokio::test]
async fn a_forced_refresh_accepts_a_newer_generation_found_under_the_lock() {
    let provider = crate::test_support::provider_mock();
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(fresh(3)));
    let replaced = Replaced::default();
    give_lock(&mut store, lock_with(vec![Some(fresh(4))], None, &replaced));
    let clock = ManualClock::at(T0);

    let access = get_access(&provider, &store, &clock, FORCED)
        .await
        .expect("token");

    assert_eq!(access.token.expose_secret(), "at-4");
}

async fn refresh_with_failing_store(
    failure: StoreError,
    keep: Result<(), StoreError>,
) -> (Result<crate::IssuedAccessToken, Error>, Vec<String>) {
    let mut provider = crate::test_support::provider_mock();
    script_refresh(&mut provider, vec![Ok(response("at-new", Some("rt-new")))]);
    let mut store = MockTokenStore::new();
    snapshot(&mut store, Some(expired(3)));
    let replaced = Replaced::default();
    give_lock(
        &mut store,
        lock_keeping(vec![Some(expired(3))], Err(failure), keep, &replaced),
    );
    let clock = ManualClock::at(T0);
    let notices = RecordedNotices::default();
    let tokens = crate::AccessTokens {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &notices,
        skew: crate::DEFAULT_SKEW,
        retry: crate::RetryPolicy::default(),
    };
    let result = tokens.get(&crate::test_support::profile(), NORMAL).await;
    (result, notices.taken())
}

fn disk_full() -> StoreError {
    StoreError::Io {
        location: "/store".into(),
        detail: "disk full".into(),
    }
}

#[tokio::test]
async fn a_failed_write_of_a_kept_rotation_hands_out_the_token_and_says_so() {
    let (result, notices) = refresh_with_failing_store(disk_full(), Ok(())).await;
    let access = result.expect("kept aside, so nothing is lost and the token is usable");
    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("RotationKeptAside"), "{notices:?}");
}

#[tokio::test]
async fn a_failed_write_that_could_not_be_kept_is_persist_failed_and_hands_out_nothing() {
    let (result, _) = refresh_with_failing_store(disk_full(), Err(disk_full())).await;
    let error = result.expect_err("the new token must not be handed out unstored");
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
}

#[tokio::test]
async fn a_lost_compare_and_swap_is_persist_failed_too() {
    let (result, _) = refresh_with_failing_store(
        StoreError::Conflict {
            attempted: 4,
            found: 4,
        },
        Ok(()),
    )
    .await;
    let error = result.expect_err("a newer set won");
    assert!(matches!(error, Error::PersistFailed { .. }), "{error:?}");
}

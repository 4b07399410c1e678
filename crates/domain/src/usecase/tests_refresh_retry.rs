//! Retries of the refresh grant: only failures that cannot have consumed the
//! single-use refresh token are retried, with backoff or the server's Retry-After.

use std::time::Duration;

use crate::mocks::MockTokenStore;
use crate::test_support::{
    ManualClock, Replaced, T0, calls, lock_with, oauth, profile, response, script_refresh, secs,
    server, token_set, transport,
};
use crate::{
    AccessTokens, DEFAULT_SKEW, Error, ProviderError, RetryPolicy, TokenRequest, TokenResponse,
    TransportFailure,
};

type Answer = Result<TokenResponse, ProviderError>;

struct Outcome {
    result: Result<String, Error>,
    refreshes: usize,
    sleeps: Vec<Duration>,
}

/// Refreshes an expired set with `policy` while the provider answers `answers`.
async fn refresh(policy: RetryPolicy, answers: Vec<Answer>) -> Outcome {
    let succeeds = answers.last().is_some_and(Result::is_ok);
    let mut provider = crate::test_support::provider_mock();
    let refreshes = script_refresh(&mut provider, answers);
    let expired = token_set(3, "at-3", "rt-3", T0.minus(secs(1)));
    let mut store = MockTokenStore::new();
    let snapshot = expired.clone();
    store
        .expect_tokens()
        .return_once(move |_| Ok(Some(snapshot)));
    let replaced = Replaced::default();
    let write = succeeds.then_some(Ok(()));
    let lock = lock_with(vec![Some(expired)], write, &replaced);
    store.expect_lock().return_once(move |_| Ok(Box::new(lock)));
    let clock = ManualClock::at(T0);
    let tokens = AccessTokens {
        provider: &provider,
        store: &store,
        clock: &clock,
        notices: &crate::IgnoreNotices,
        skew: DEFAULT_SKEW,
        retry: policy,
    };
    let request = TokenRequest {
        min_ttl: Duration::ZERO,
        force_refresh: false,
    };
    let result = tokens
        .get(&profile(), request)
        .await
        .map(|access| access.token.expose_secret().to_owned());
    let refresh_calls = calls(&refreshes);
    assert!(
        refresh_calls.iter().all(|t| t == "rt-3"),
        "always the same token"
    );
    Outcome {
        result,
        refreshes: refresh_calls.len(),
        sleeps: clock.sleeps(),
    }
}

fn ok() -> Answer {
    Ok(response("at-new", Some("rt-new")))
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[tokio::test]
async fn a_connect_failure_is_retried_with_backoff() {
    // Default policy: 500 ms base, doubled per attempt; the manual clock's jitter
    // of 0.5 scales each wait by 0.75.
    let connect = || Err(transport(TransportFailure::Connect));
    let outcome = refresh(RetryPolicy::default(), vec![connect(), connect(), ok()]).await;
    assert_eq!(outcome.result.expect("token"), "at-new");
    assert_eq!(outcome.refreshes, 3);
    assert_eq!(outcome.sleeps, [millis(375), millis(750)]);
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let connect = || Err(transport(TransportFailure::Connect));
    let answers = vec![connect(), connect(), connect()];
    let outcome = refresh(RetryPolicy::default(), answers).await;
    let error = outcome.result.expect_err("gives up");
    assert!(
        matches!(error, Error::Provider(ProviderError::Transport { .. })),
        "{error:?}"
    );
    assert_eq!(outcome.refreshes, 3);
    assert_eq!(outcome.sleeps.len(), 2);
}

#[tokio::test]
async fn a_503_is_retried_after_the_servers_retry_after() {
    let answers = vec![Err(server(503, Some(secs(7)))), ok()];
    let outcome = refresh(RetryPolicy::default(), answers).await;
    assert_eq!(outcome.result.expect("token"), "at-new");
    assert_eq!(outcome.sleeps, [secs(7)]);
}

#[tokio::test]
async fn a_long_retry_after_is_capped_at_max_delay() {
    let answers = vec![Err(server(503, Some(secs(3600)))), ok()];
    let outcome = refresh(RetryPolicy::default(), answers).await;
    assert_eq!(outcome.sleeps, [RetryPolicy::default().max_delay]);
}

#[tokio::test]
async fn a_503_without_retry_after_backs_off() {
    let answers = vec![Err(server(503, None)), ok()];
    let outcome = refresh(RetryPolicy::default(), answers).await;
    assert_eq!(outcome.sleeps, [millis(375)]);
}

#[tokio::test]
async fn a_429_is_retried() {
    let answers = vec![Err(server(429, Some(secs(2)))), ok()];
    let outcome = refresh(RetryPolicy::default(), answers).await;
    assert_eq!(outcome.result.expect("token"), "at-new");
    assert_eq!(outcome.sleeps, [secs(2)]);
}

async fn not_retried(answer: Answer) -> Error {
    let outcome = refresh(RetryPolicy::default(), vec![answer]).await;
    assert_eq!(outcome.refreshes, 1, "sent once");
    assert!(outcome.sleeps.is_empty(), "no wait: {:?}", outcome.sleeps);
    outcome.result.expect_err("fails")
}

#[tokio::test]
async fn a_timeout_is_not_retried_because_the_token_may_be_consumed() {
    let error = not_retried(Err(transport(TransportFailure::Timeout))).await;
    assert!(
        matches!(error, Error::RefreshOutcomeUnknown { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_interrupted_request_is_not_retried() {
    let error = not_retried(Err(transport(TransportFailure::Interrupted))).await;
    assert!(
        matches!(error, Error::RefreshOutcomeUnknown { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let rejected = ProviderError::Rejected {
        endpoint: "token endpoint".into(),
        status: 400,
    };
    let error = not_retried(Err(rejected)).await;
    assert!(matches!(
        error,
        Error::Provider(ProviderError::Rejected { status: 400, .. })
    ));
}

#[tokio::test]
async fn an_oauth_error_is_not_retried() {
    let error = not_retried(Err(oauth("invalid_request", None))).await;
    assert!(
        matches!(error, Error::ClientConfiguration { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_never_policy_does_not_retry_a_connect_failure() {
    let answers = vec![Err(transport(TransportFailure::Connect))];
    let outcome = refresh(RetryPolicy::NEVER, answers).await;
    assert_eq!(outcome.refreshes, 1);
    assert!(outcome.sleeps.is_empty());
}

#[test]
fn both_guards_refuse_to_retry_a_request_that_may_have_arrived() {
    // The use case checks `may_have_consumed` and the policy checks again; each
    // guard must hold on its own.
    for failure in [TransportFailure::Timeout, TransportFailure::Interrupted] {
        let error = transport(failure);
        assert!(crate::may_have_consumed(&error), "{failure:?}");
        assert_eq!(RetryPolicy::default().delay_after(&error, 1, 0.5), None);
    }
    let connect = transport(TransportFailure::Connect);
    assert!(!crate::may_have_consumed(&connect));
    assert!(
        RetryPolicy::default()
            .delay_after(&connect, 1, 0.5)
            .is_some()
    );
}

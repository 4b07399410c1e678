//! Every outcome of the RFC 8628 polling state machine ([`DevicePoll`]).

use std::time::Duration;

use crate::test_support::{T0, oauth, response, secs, server};
use crate::{
    DEFAULT_POLL_INTERVAL, DeviceAuthorization, DeviceCode, DeviceLoginFailure, DevicePoll,
    PollStep, ServiceUrl, Timestamp, UserCode,
};

fn authorization(interval: Option<Duration>, expires_in: Duration) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: DeviceCode::new("device-code-SECRET"),
        user_code: UserCode::new("ABCD-EFGH"),
        verification_uri: ServiceUrl::parse("https://idcs.example.com/ui/v1/device")
            .expect("valid url"),
        verification_uri_complete: None,
        expires_in,
        interval,
    }
}

fn started(interval: Option<Duration>) -> DevicePoll {
    DevicePoll::start(&authorization(interval, secs(300)), T0)
}

/// The state and wait of a `Continue`, or a panic naming what came instead.
fn continued(step: PollStep) -> (DevicePoll, Duration) {
    match step {
        PollStep::Continue { next, wait } => (next, wait),
        other => panic!("expected Continue, got {other:?}"),
    }
}

fn failure(step: PollStep) -> DeviceLoginFailure {
    match step {
        PollStep::Failed(failure) => failure,
        other => panic!("expected Failed, got {other:?}"),
    }
}

fn at(offset: u64) -> Timestamp {
    T0.plus(secs(offset))
}

#[test]
fn a_missing_interval_means_five_seconds() {
    let poll = started(None);
    assert_eq!(DEFAULT_POLL_INTERVAL, secs(5));
    assert_eq!(poll.interval, secs(5));
    assert_eq!(poll.first_wait(), secs(5));
}

#[test]
fn an_interval_of_zero_is_treated_as_missing() {
    assert_eq!(started(Some(Duration::ZERO)).interval, secs(5));
}

#[test]
fn a_sent_interval_is_used() {
    assert_eq!(started(Some(secs(7))).interval, secs(7));
    assert_eq!(started(Some(secs(7))).first_wait(), secs(7));
}

#[test]
fn the_local_deadline_is_expires_in_after_the_start() {
    let poll = DevicePoll::start(&authorization(None, secs(600)), at(10));
    assert_eq!(poll.deadline, at(610));
}

#[test]
fn authorization_pending_keeps_the_interval() {
    let poll = started(Some(secs(7)));
    let (next, wait) = continued(poll.step(Err(oauth("authorization_pending", None)), at(7)));
    assert_eq!(next, poll);
    assert_eq!(wait, secs(7));
}

#[test]
fn slow_down_adds_five_seconds_and_accumulates() {
    let poll = started(None);
    let (next, wait) = continued(poll.step(Err(oauth("slow_down", None)), at(5)));
    assert_eq!((next.interval, wait), (secs(10), secs(10)));
    assert_eq!(next.deadline, poll.deadline, "slow_down keeps the deadline");

    let (next, wait) = continued(next.step(Err(oauth("slow_down", None)), at(15)));
    assert_eq!((next.interval, wait), (secs(15), secs(15)));

    // A later pending answer keeps the slowed-down interval.
    let (next, wait) = continued(next.step(Err(oauth("authorization_pending", None)), at(30)));
    assert_eq!((next.interval, wait), (secs(15), secs(15)));
}

#[test]
fn access_denied_ends_the_flow() {
    let step = started(None).step(Err(oauth("access_denied", None)), at(5));
    assert!(matches!(failure(step), DeviceLoginFailure::AccessDenied));
}

#[test]
fn expired_token_ends_the_flow() {
    let step = started(None).step(Err(oauth("expired_token", None)), at(5));
    assert!(matches!(failure(step), DeviceLoginFailure::Expired));
}

#[test]
fn pending_one_second_before_the_deadline_continues() {
    let step = started(None).step(Err(oauth("authorization_pending", None)), at(299));
    let (_, wait) = continued(step);
    assert_eq!(wait, secs(5));
}

#[test]
fn pending_at_the_deadline_ends_with_expired() {
    let step = started(None).step(Err(oauth("authorization_pending", None)), at(300));
    assert!(matches!(failure(step), DeviceLoginFailure::Expired));
}

#[test]
fn pending_after_the_deadline_ends_with_expired() {
    let step = started(None).step(Err(oauth("authorization_pending", None)), at(301));
    assert!(matches!(failure(step), DeviceLoginFailure::Expired));
    let step = started(None).step(Err(oauth("slow_down", None)), at(400));
    assert!(matches!(failure(step), DeviceLoginFailure::Expired));
}

#[test]
fn granted_returns_the_tokens_even_at_the_deadline() {
    // The server decides whether the code still worked; a grant is never thrown away.
    let step = started(None).step(Ok(response("at-1", Some("rt-1"))), at(300));
    match step {
        PollStep::Granted(tokens) => {
            assert_eq!(
                tokens.access_token.as_ref().map(|t| t.expose_secret()),
                Some("at-1")
            );
            assert_eq!(
                tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
                Some("rt-1")
            );
        }
        other => panic!("expected Granted, got {other:?}"),
    }
}

#[test]
fn other_oauth_errors_end_with_provider() {
    for code in [
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "server_error",
    ] {
        let step = started(None).step(Err(oauth(code, None)), at(5));
        match failure(step) {
            DeviceLoginFailure::Provider(error) => {
                let sent = error.to_string();
                assert!(sent.contains(code), "{code}: {sent}");
            }
            other => panic!("{code}: expected Provider, got {other:?}"),
        }
    }
}

#[test]
fn transport_and_server_failures_end_with_provider() {
    let step = started(None).step(Err(server(503, None)), at(5));
    assert!(matches!(
        failure(step),
        DeviceLoginFailure::Provider(crate::ProviderError::Server { status: 503, .. })
    ));
}

#[test]
fn browser_url_prefers_the_complete_uri() {
    let mut auth = authorization(None, secs(300));
    assert_eq!(
        auth.browser_url().as_str(),
        "https://idcs.example.com/ui/v1/device"
    );
    auth.verification_uri_complete = Some(
        ServiceUrl::parse("https://idcs.example.com/ui/v1/device?user_code=ABCD").expect("url"),
    );
    assert_eq!(
        auth.browser_url().as_str(),
        "https://idcs.example.com/ui/v1/device?user_code=ABCD"
    );
}

#[test]
fn slow_down_on_a_huge_interval_saturates_instead_of_panicking() {
    let poll = DevicePoll {
        interval: Duration::MAX,
        deadline: T0.plus(Duration::from_secs(300)),
    };
    match poll.step(Err(oauth("slow_down", None)), T0) {
        PollStep::Continue { wait, .. } => assert_eq!(wait, Duration::MAX),
        other => panic!("{other:?}"),
    }
}

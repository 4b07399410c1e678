//! The device-login use case ([`DeviceLogin`]) against mocked ports and a manual clock.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::mocks::{MockIdentityProvider, MockPresenter, MockProfileLock, MockTokenStore};
use crate::test_support::{ManualClock, T0, oauth, profile, response, secs, token_set, transport};
use crate::{
    DeviceAuthorization, DeviceCode, DeviceLogin, DeviceLoginFailure, Error, Generation,
    LoginOptions, ProviderError, ServiceUrl, StoreError, TokenResponse, TokenSet, TransportFailure,
    UserCode,
};

type PollAnswer = Result<TokenResponse, ProviderError>;
type Replaced = Arc<Mutex<Vec<(Option<Generation>, TokenSet)>>>;

fn authorization(complete: Option<&str>, expires_in: Duration) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: DeviceCode::new("device-code-SECRET"),
        user_code: UserCode::new("ABCD-EFGH"),
        verification_uri: ServiceUrl::parse("https://idcs.example.com/device").expect("url"),
        verification_uri_complete: complete.map(|u| ServiceUrl::parse(u).expect("url")),
        expires_in,
        interval: None,
    }
}

/// A provider that hands out `auth` and then answers the polls in order.
fn provider(auth: DeviceAuthorization, answers: Vec<PollAnswer>) -> MockIdentityProvider {
    scripted(crate::test_support::provider_mock(), auth, answers)
}

fn scripted(
    mut provider: MockIdentityProvider,
    auth: DeviceAuthorization,
    answers: Vec<PollAnswer>,
) -> MockIdentityProvider {
    provider
        .expect_start_device_authorization()
        .times(1)
        .return_once(move |_, _| Ok(auth));
    let polls = answers.len();
    let answers = Mutex::new(VecDeque::from(answers));
    provider
        .expect_poll_device_token()
        .withf(|_, code| code.expose_secret() == "device-code-SECRET")
        .times(polls)
        .returning(move |_, _| {
            answers
                .lock()
                .expect("not poisoned")
                .pop_front()
                .expect("one answer per poll")
        });
    provider
}

/// A presenter that accepts any progress line and must show the code once.
fn presenter() -> MockPresenter {
    let mut presenter = MockPresenter::new();
    presenter
        .expect_device_code()
        .withf(|auth| auth.user_code.as_str() == "ABCD-EFGH")
        .times(1)
        .return_const(());
    presenter.expect_waiting().return_const(());
    presenter.expect_approved().return_const(());
    presenter
}

/// A store whose lock holds `previous` and answers `replace` with `outcome`,
/// recording what was written.
fn store(
    previous: Option<TokenSet>,
    outcome: Result<(), StoreError>,
    replaced: &Replaced,
) -> MockTokenStore {
    let mut lock = MockProfileLock::new();
    lock.expect_tokens()
        .times(1)
        .return_once(move || Ok(previous));
    // A store that cannot write cannot keep the login aside either.
    let keep = match &outcome {
        Ok(()) => Ok(()),
        Err(_) => Err(StoreError::Io {
            location: "/store.pending".into(),
            detail: "no space left on device".into(),
        }),
    };
    lock.expect_keep_pending()
        .times(1)
        .return_once(move |_| keep);
    let record = Arc::clone(replaced);
    lock.expect_replace()
        .times(1)
        .return_once(move |expected, new, _| {
            record
                .lock()
                .expect("not poisoned")
                .push((expected, new.clone()));
            outcome
        });
    stores_after_preparing(vec![lock])
}

/// A lock that only prepares a rotation (taken before the code is shown).
fn preparing_lock() -> MockProfileLock {
    let mut lock = MockProfileLock::new();
    lock.expect_prepare_rotation().times(1).returning(|| Ok(()));
    lock
}

/// A store whose first lock prepares the rotation and whose later locks are
/// `then`, in order.
fn stores_after_preparing(then: Vec<MockProfileLock>) -> MockTokenStore {
    let mut locks = std::collections::VecDeque::from(then);
    locks.push_front(preparing_lock());
    let count = locks.len();
    let locks = std::sync::Mutex::new(locks);
    let mut store = MockTokenStore::new();
    store.expect_lock().times(count).returning(move |_| {
        let lock = locks.lock().expect("not poisoned").pop_front();
        Ok(Box::new(lock.expect("one lock per call")))
    });
    store
}

const NO_BROWSER: LoginOptions = LoginOptions {
    open_browser: false,
};
const BROWSER: LoginOptions = LoginOptions { open_browser: true };

fn granted() -> PollAnswer {
    Ok(response("at-login", Some("rt-login")))
}

#[tokio::test]
async fn waits_by_the_intervals_and_stores_the_first_generation() {
    let answers = vec![
        Err(oauth("authorization_pending", None)),
        Err(oauth("slow_down", None)),
        granted(),
    ];
    let provider = provider(authorization(None, secs(300)), answers);
    let replaced = Replaced::default();
    let store = store(None, Ok(()), &replaced);
    let clock = ManualClock::at(T0);
    let presenter = presenter();
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };

    let tokens = login.run(&profile(), NO_BROWSER).await.expect("login");

    assert_eq!(clock.sleeps(), vec![secs(5), secs(5), secs(10)]);
    let replaced = replaced.lock().expect("not poisoned");
    assert_eq!(
        replaced.len(),
        1,
        "stored exactly once, before run returned"
    );
    assert_eq!(replaced[0].0, None);
    assert_eq!(replaced[0].1.generation, Generation::FIRST);
    assert_eq!(replaced[0].1, tokens);
    let access = tokens.access.as_ref().expect("an access token");
    assert_eq!(access.token.expose_secret(), "at-login");
    assert_eq!(access.expires_at, T0.plus(secs(20 + 3600)));
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("rt-login")
    );
}

#[tokio::test]
async fn a_new_login_continues_the_stored_generations() {
    let provider = provider(authorization(None, secs(300)), vec![granted()]);
    let replaced = Replaced::default();
    let old = token_set(4, "at-old", "rt-old", T0);
    let store = store(Some(old), Ok(()), &replaced);
    let clock = ManualClock::at(T0);
    let presenter = presenter();
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };

    let tokens = login.run(&profile(), NO_BROWSER).await.expect("login");

    assert_eq!(tokens.generation, Generation::new(5));
    let replaced = replaced.lock().expect("not poisoned");
    assert_eq!(replaced[0].0, Some(Generation::new(4)));
}

#[tokio::test]
async fn the_progress_line_gets_the_wait_and_the_time_left() {
    let provider = provider(authorization(None, secs(300)), vec![granted()]);
    let replaced = Replaced::default();
    let store = store(None, Ok(()), &replaced);
    let clock = ManualClock::at(T0);
    let mut presenter = MockPresenter::new();
    presenter.expect_device_code().times(1).return_const(());
    presenter
        .expect_waiting()
        .withf(|next, remaining| *next == secs(5) && *remaining == secs(300))
        .times(1)
        .return_const(());
    presenter.expect_approved().times(1).return_const(());
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };
    login.run(&profile(), NO_BROWSER).await.expect("login");
}

async fn login_with_browser(
    complete: Option<&'static str>,
    expected_url: &'static str,
    browser_result: Result<(), String>,
) {
    let provider = provider(authorization(complete, secs(300)), vec![granted()]);
    let replaced = Replaced::default();
    let store = store(None, Ok(()), &replaced);
    let clock = ManualClock::at(T0);
    let mut presenter = presenter();
    presenter
        .expect_open_browser()
        .withf(move |url| url.as_str() == expected_url)
        .times(1)
        .return_const(browser_result);
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };
    login.run(&profile(), BROWSER).await.expect("login");
    assert_eq!(replaced.lock().expect("not poisoned").len(), 1);
}

#[tokio::test]
async fn the_browser_opens_the_complete_uri_when_there_is_one() {
    let complete = "https://idcs.example.com/device?user_code=ABCD-EFGH";
    login_with_browser(Some(complete), complete, Ok(())).await;
}

#[tokio::test]
async fn the_browser_opens_the_verification_uri_otherwise() {
    login_with_browser(None, "https://idcs.example.com/device", Ok(())).await;
}

#[tokio::test]
async fn a_browser_failure_does_not_stop_the_login() {
    login_with_browser(
        None,
        "https://idcs.example.com/device",
        Err("no display".into()),
    )
    .await;
}

// With `open_browser: false` the other tests give the presenter no `open_browser`
// expectation, so a call would panic: the browser is opened only when asked.

#[tokio::test]
async fn a_failing_store_loses_the_tokens_loudly() {
    let provider = provider(authorization(None, secs(300)), vec![granted()]);
    let replaced = Replaced::default();
    let disk_full = StoreError::Io {
        location: "/store".into(),
        detail: "disk full".into(),
    };
    let store = store(None, Err(disk_full), &replaced);
    let clock = ManualClock::at(T0);
    let presenter = presenter();
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };

    let error = login
        .run(&profile(), NO_BROWSER)
        .await
        .expect_err("not stored");

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

/// Runs a login whose polls get `answers` and which must fail without storing.
async fn failed_login(answers: Vec<PollAnswer>, expires_in: Duration) -> (Error, Vec<Duration>) {
    failed_login_with(authorization(None, expires_in), answers).await
}

async fn failed_login_with(
    auth: DeviceAuthorization,
    answers: Vec<PollAnswer>,
) -> (Error, Vec<Duration>) {
    let provider = provider(auth, answers);
    let store = stores_after_preparing(Vec::new()); // nothing may be stored
    let clock = ManualClock::at(T0);
    let presenter = presenter();
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };
    let error = login.run(&profile(), NO_BROWSER).await.expect_err("fails");
    (error, clock.sleeps())
}

#[tokio::test]
async fn a_denial_ends_with_access_denied() {
    let answers = vec![
        Err(oauth("authorization_pending", None)),
        Err(oauth("access_denied", None)),
    ];
    let (error, sleeps) = failed_login(answers, secs(300)).await;
    assert!(
        matches!(
            error,
            Error::DeviceLogin {
                failure: DeviceLoginFailure::AccessDenied,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sleeps, vec![secs(5), secs(5)]);
}

#[tokio::test]
async fn the_server_saying_expired_token_ends_with_expired() {
    let (error, _) = failed_login(vec![Err(oauth("expired_token", None))], secs(300)).await;
    assert!(
        matches!(
            error,
            Error::DeviceLogin {
                failure: DeviceLoginFailure::Expired,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_local_deadline_stops_polling_without_asking_the_server() {
    // Polls at 5 s and 10 s; the last wait stops at the 12 s lifetime, not at 15 s.
    let pending = || Err(oauth("authorization_pending", None));
    let (error, sleeps) = failed_login(vec![pending(), pending()], secs(12)).await;
    assert!(
        matches!(
            error,
            Error::DeviceLogin {
                failure: DeviceLoginFailure::Expired,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sleeps, vec![secs(5), secs(5), secs(2)]);
}

#[tokio::test]
async fn a_huge_server_interval_never_sleeps_past_the_deadline() {
    let mut auth = authorization(None, secs(300));
    auth.interval = Some(Duration::MAX);
    let (error, sleeps) = failed_login_with(auth, vec![]).await;
    assert!(
        matches!(
            error,
            Error::DeviceLogin {
                failure: DeviceLoginFailure::Expired,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sleeps, vec![secs(300)]);
}

#[tokio::test]
async fn a_client_error_while_polling_is_a_configuration_exit() {
    let (error, _) = failed_login(vec![Err(oauth("invalid_client", None))], secs(300)).await;
    assert!(
        matches!(
            error,
            Error::DeviceLogin {
                failure: DeviceLoginFailure::Provider(ProviderError::OAuth(_)),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_network_failure_while_polling_is_a_network_exit() {
    let answers = vec![Err(transport(TransportFailure::Connect))];
    let (error, _) = failed_login(answers, secs(300)).await;
    assert!(
        matches!(
            error,
            Error::DeviceLogin {
                failure: DeviceLoginFailure::Provider(ProviderError::Transport { .. }),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_failed_start_shows_no_code() {
    let mut provider = crate::test_support::provider_mock();
    provider
        .expect_start_device_authorization()
        .return_once(|_, _| Err(oauth("invalid_scope", Some("Invalid scope"))));
    let store = stores_after_preparing(Vec::new());
    let clock = ManualClock::at(T0);
    let presenter = MockPresenter::new(); // no expectations: nothing may be shown
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };
    let error = login.run(&profile(), BROWSER).await.expect_err("fails");
    assert!(
        matches!(error, Error::ClientConfiguration { .. }),
        "{error:?}"
    );
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_login_remembers_its_endpoints_and_traces_no_code_or_token() {
    let endpoints = crate::Endpoints {
        token: profile()
            .domain_url
            .join_path("/oauth2/v1/token")
            .expect("path"),
        device_authorization: profile()
            .domain_url
            .join_path("/oauth2/v1/device")
            .expect("path"),
        revocation: None,
    };
    let mut base = MockIdentityProvider::new();
    let in_use = endpoints.clone();
    base.expect_endpoints_in_use()
        .returning(move || Some(in_use.clone()));
    let answers = vec![Err(oauth("authorization_pending", None)), granted()];
    let provider = scripted(
        base,
        authorization(
            Some("https://idcs.example.com/device?user_code=ABCD-EFGH"),
            secs(300),
        ),
        answers,
    );
    let replaced = Replaced::default();
    let mut store = store(None, Ok(()), &replaced);
    let expected = crate::KnownEndpoints::new(profile().domain_url, endpoints);
    store
        .expect_remember_endpoints()
        .withf(move |_, known| *known == expected)
        .times(1)
        .returning(|_, _| Ok(true));
    let clock = ManualClock::at(T0);
    let presenter = presenter();
    let login = DeviceLogin {
        provider: &provider,
        store: &store,
        clock: &clock,
        presenter: &presenter,
        notices: &crate::IgnoreNotices,
    };
    let (log, _guard) = crate::test_support::TraceLog::capture();

    login.run(&profile(), NO_BROWSER).await.expect("login");

    let text = log.text();
    for step in [
        "device authorization started",
        "not approved yet",
        "device login approved",
        "stored",
    ] {
        assert!(text.contains(step), "{step} in:\n{text}");
    }
    for secret in [
        "device-code-SECRET",
        "ABCD-EFGH",
        "at-login",
        "rt-login",
        crate::test_support::CLIENT_ID,
        crate::test_support::CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
}

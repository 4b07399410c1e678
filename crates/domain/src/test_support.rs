//! Test helpers shared by this crate's test modules: a manual clock that sleeps
//! instantly and records every sleep, and small builders for profiles, token
//! responses, token sets and OAuth errors. Test-only (`#[cfg(test)]`).

use std::sync::Mutex;
use std::time::Duration;

use crate::{
    AccessToken, ClientId, ClientSecret, Clock, Generation, IssuedAccessToken, OAuthError, Profile,
    ProfileName, ProviderError, RefreshToken, Scope, ServiceUrl, Timestamp, TokenResponse,
    TokenSet, TransportFailure,
};

/// A fixed, readable start time for tests (2026-01-01T00:00:00Z).
pub const T0: Timestamp = Timestamp::from_unix(1_767_225_600);

/// Seconds as a `Duration`, to keep test tables short.
pub fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

/// A clock driven by the test: `sleep` returns at once, moves time forward by
/// the slept duration and records it, so tests can assert the waits.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ClockState>,
}

#[derive(Debug)]
struct ClockState {
    start: Timestamp,
    /// Total time advanced, kept precise so sub-second backoffs add up.
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    pub fn at(start: Timestamp) -> Self {
        Self {
            state: Mutex::new(ClockState {
                start,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            }),
        }
    }

    /// Every `sleep` so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state
            .lock()
            .expect("the clock mutex is never poisoned")
    }
}

#[async_trait::async_trait]
impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let state = self.lock();
        state.start.plus(state.elapsed)
    }

    async fn sleep(&self, duration: Duration) {
        let mut state = self.lock();
        state.elapsed += duration;
        state.sleeps.push(duration);
    }
}

/// A secret-looking client id, so redaction tests can search for it.
pub const CLIENT_ID: &str = "client-id-SECRET-5f3a";
pub const CLIENT_SECRET: &str = "client-secret-SECRET-77e1";

pub fn profile() -> Profile {
    Profile {
        name: ProfileName::new("epm").expect("valid name"),
        domain_url: ServiceUrl::parse("https://idcs-test.identity.oraclecloud.com")
            .expect("valid url"),
        client_id: ClientId::new(CLIENT_ID).expect("valid client id"),
        scope: Scope::default_epm(),
        resource_url: None,
        client_secret: Some(ClientSecret::new(CLIENT_SECRET)),
        endpoints: None,
    }
}

/// A token endpoint answer with an access token, a rotated refresh token and 3600 s.
pub fn response(access: &str, refresh: Option<&str>) -> TokenResponse {
    TokenResponse {
        access_token: Some(AccessToken::new(access)),
        token_type: crate::BEARER.into(),
        expires_in: Some(secs(3600)),
        refresh_token: refresh.map(RefreshToken::new),
        scope: None,
        notes: Vec::new(),
    }
}

/// A stored set whose access token expires at `expires_at`.
pub fn token_set(generation: u64, access: &str, refresh: &str, expires_at: Timestamp) -> TokenSet {
    TokenSet {
        access: Some(IssuedAccessToken {
            token: AccessToken::new(access),
            token_type: crate::BEARER.into(),
            issued_at: T0.minus(secs(600)),
            expires_at,
        }),
        refresh_token: Some(RefreshToken::new(refresh)),
        refresh_issued_at: T0.minus(secs(600)),
        scope: Some(Scope::default_epm()),
        chain_started_at: T0.minus(secs(86_400)),
        generation: Generation::new(generation),
    }
}

/// An OAuth error response as the provider adapter reports it.
pub fn oauth(code: &str, description: Option<&str>) -> ProviderError {
    ProviderError::OAuth(OAuthError::classify(
        code,
        description.map(str::to_owned),
        Some("ecid-0042".into()),
    ))
}

pub fn transport(failure: TransportFailure) -> ProviderError {
    ProviderError::Transport {
        endpoint: "token endpoint".into(),
        failure,
        detail: "simulated".into(),
    }
}

pub fn server(status: u16, retry_after: Option<Duration>) -> ProviderError {
    ProviderError::Server {
        endpoint: "token endpoint".into(),
        status,
        retry_after,
    }
}

/// Every `(expected, new)` pair a mocked lock was asked to write.
pub type Replaced = std::sync::Arc<Mutex<Vec<(Option<Generation>, TokenSet)>>>;

/// A lock whose `tokens()` answers `reads` in order (the last one repeats) and
/// whose `replace` answers `replace` (when `None`, any write panics), recording
/// what it was asked to write in `replaced`.
pub fn lock_with(
    reads: Vec<Option<TokenSet>>,
    replace: Option<Result<(), crate::StoreError>>,
    replaced: &Replaced,
) -> crate::mocks::MockProfileLock {
    let mut lock = crate::mocks::MockProfileLock::new();
    script_reads(&mut lock, reads);
    // Nothing kept aside, and keeping a rotation aside always works.
    lock.expect_pending().returning(|| Ok(None));
    lock.expect_prepare_rotation().returning(|| Ok(()));
    lock.expect_keep_pending().returning(|_| Ok(()));
    if let Some(outcome) = replace {
        let record = std::sync::Arc::clone(replaced);
        lock.expect_replace()
            .times(1)
            .return_once(move |expected, new, _| {
                let mut record = record.lock().expect("not poisoned");
                record.push((expected, new.clone()));
                outcome
            });
    }
    lock
}

/// A provider mock that has found no endpoints, so a use case remembers none
/// after a grant: the base of every scripted provider.
pub fn provider_mock() -> crate::mocks::MockIdentityProvider {
    let mut provider = crate::mocks::MockIdentityProvider::new();
    provider.expect_endpoints_in_use().returning(|| None);
    provider
}

/// The refresh tokens a scripted provider was called with, in order.
pub type RefreshCalls = std::sync::Arc<Mutex<Vec<String>>>;

/// Makes `provider.refresh` answer `answers` in order (exactly that many calls),
/// recording the refresh token of each call.
pub fn script_refresh(
    provider: &mut crate::mocks::MockIdentityProvider,
    answers: Vec<Result<TokenResponse, ProviderError>>,
) -> RefreshCalls {
    let calls = RefreshCalls::default();
    let record = std::sync::Arc::clone(&calls);
    let count = answers.len();
    let answers = Mutex::new(std::collections::VecDeque::from(answers));
    provider
        .expect_refresh()
        .withf(|client_id, _| client_id.as_str() == CLIENT_ID)
        .times(count)
        .returning(move |_, token| {
            let mut record = record.lock().expect("not poisoned");
            record.push(token.expose_secret().to_owned());
            let mut answers = answers.lock().expect("not poisoned");
            answers.pop_front().expect("one answer per refresh")
        });
    calls
}

/// The recorded refresh calls, for assertions.
pub fn calls(calls: &RefreshCalls) -> Vec<String> {
    calls.lock().expect("not poisoned").clone()
}

// Access-token provider fixtures, shared by the use-case test modules.

/// Generation `n` with `at-n`/`rt-n`, valid for 3000 s after T0.
pub fn fresh(generation: u64) -> TokenSet {
    let name = format!("at-{generation}");
    token_set(
        generation,
        &name,
        &format!("rt-{generation}"),
        T0.plus(secs(3000)),
    )
}

/// Generation `n` with `at-n`/`rt-n`, expired 10 s before T0.
pub fn expired(generation: u64) -> TokenSet {
    let name = format!("at-{generation}");
    token_set(
        generation,
        &name,
        &format!("rt-{generation}"),
        T0.minus(secs(10)),
    )
}

/// The lock-free read of `store` answers `set`, once.
pub fn snapshot(store: &mut crate::mocks::MockTokenStore, set: Option<TokenSet>) {
    store.expect_tokens().times(1).return_once(move |_| Ok(set));
}

/// `store.lock()` hands out `lock`, once.
pub fn give_lock(store: &mut crate::mocks::MockTokenStore, lock: crate::mocks::MockProfileLock) {
    store
        .expect_lock()
        .times(1)
        .return_once(move |_| Ok(Box::new(lock)));
}

/// `AccessTokens::get` for [`profile`] with the default skew and retry policy.
pub async fn get_access(
    provider: &crate::mocks::MockIdentityProvider,
    store: &crate::mocks::MockTokenStore,
    clock: &ManualClock,
    request: crate::TokenRequest,
) -> Result<crate::IssuedAccessToken, crate::Error> {
    let tokens = crate::AccessTokens {
        provider,
        store,
        clock,
        notices: &crate::IgnoreNotices,
        skew: crate::DEFAULT_SKEW,
        retry: crate::RetryPolicy::default(),
    };
    tokens.get(&profile(), request).await
}

/// Notices a use case sent, as their `Debug` text, for assertions.
#[derive(Debug, Default)]
pub struct RecordedNotices(Mutex<Vec<String>>);

impl RecordedNotices {
    pub fn taken(&self) -> Vec<String> {
        self.0.lock().expect("not poisoned").clone()
    }
}

impl crate::Notices for RecordedNotices {
    fn notice(&self, notice: crate::Notice) {
        self.0
            .lock()
            .expect("not poisoned")
            .push(format!("{notice:?}"));
    }
}

/// Makes `lock.tokens()` answer `reads` in order (the last one repeats).
fn script_reads(lock: &mut crate::mocks::MockProfileLock, reads: Vec<Option<TokenSet>>) {
    let reads = Mutex::new(std::collections::VecDeque::from(reads));
    lock.expect_tokens().returning(move || {
        let mut reads = reads.lock().expect("not poisoned");
        let read = if reads.len() > 1 {
            reads.pop_front()
        } else {
            reads.front().cloned()
        };
        Ok(read.expect("at least one read is scripted"))
    });
}

/// Like [`lock_with`], but keeping a rotation aside answers `keep`.
pub fn lock_keeping(
    reads: Vec<Option<TokenSet>>,
    replace: Result<(), crate::StoreError>,
    keep: Result<(), crate::StoreError>,
    replaced: &Replaced,
) -> crate::mocks::MockProfileLock {
    let mut lock = crate::mocks::MockProfileLock::new();
    script_reads(&mut lock, reads);
    lock.expect_pending().returning(|| Ok(None));
    lock.expect_prepare_rotation().returning(|| Ok(()));
    lock.expect_keep_pending().return_once(move |_| keep);
    let record = std::sync::Arc::clone(replaced);
    lock.expect_replace()
        .times(1)
        .return_once(move |expected, new, _| {
            record
                .lock()
                .expect("not poisoned")
                .push((expected, new.clone()));
            replace
        });
    lock
}

/// Everything traced on this thread (at trace level) while the guard lives,
/// as the CLI's `-vvv` would print it.
#[derive(Clone, Debug, Default)]
pub struct TraceLog(std::sync::Arc<Mutex<Vec<u8>>>);

impl TraceLog {
    pub fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let log = Self::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .finish();
        (log, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl std::io::Write for TraceLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

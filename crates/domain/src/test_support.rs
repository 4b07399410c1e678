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

    /// Moves time forward without recording a sleep (time passing elsewhere).
    pub fn advance(&self, by: Duration) {
        self.lock().elapsed += by;
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
    }
}

/// A token endpoint answer with an access token, a rotated refresh token and 3600 s.
pub fn response(access: &str, refresh: Option<&str>) -> TokenResponse {
    TokenResponse {
        access_token: AccessToken::new(access),
        token_type: "Bearer".into(),
        expires_in: Some(secs(3600)),
        refresh_token: refresh.map(RefreshToken::new),
        scope: None,
    }
}

/// A stored set whose access token expires at `expires_at`.
pub fn token_set(generation: u64, access: &str, refresh: &str, expires_at: Timestamp) -> TokenSet {
    TokenSet {
        access: Some(IssuedAccessToken {
            token: AccessToken::new(access),
            token_type: "Bearer".into(),
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

//! The fake's state and the handle tests drive it with: token lifetime, clock
//! offset, expiring or revoking sessions, and counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use aws_lc_rs::hmac;

use super::hold::{HeldEndpoint, Hold};
use super::token::{FakeClaims, Jwk, mint};

/// The user and tenancy every fake session belongs to.
pub const FAKE_USER: &str = "ocid1.user.oc1..fakeuser";
pub const FAKE_TENANCY: &str = "ocid1.tenancy.oc1..faketenancy";

/// Why the fake refused a signed request (HTTP 401).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    MissingAuthorization,
    MalformedAuthorization,
    WrongHeaderList,
    StaleDate,
    ContentLengthMismatch,
    BodyHashMismatch,
    NotASessionKey,
    UnknownToken,
    ExpiredToken,
    RevokedSession,
    BadSignature,
}

/// How many requests of each kind the fake answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OciCounters {
    pub authorizations: u32,
    pub refreshes: u32,
    pub db_tokens: u32,
    pub validations: u32,
    /// Signed requests refused (401), whatever the reason.
    pub signature_failures: u32,
}

#[derive(Debug)]
pub(crate) struct Session {
    pub jwk: Jwk,
    pub revoked: bool,
    pub expired: bool,
}

#[derive(Debug)]
pub(crate) struct State {
    pub mac_key: hmac::Key,
    pub token_ttl: Duration,
    pub clock_offset_secs: i64,
    pub sessions: HashMap<String, Session>,
    pub next_session: u64,
    pub next_token: std::sync::atomic::AtomicU64,
    pub counters: OciCounters,
    pub last_rejection: Option<Rejection>,
    pub last_db_public_key: Option<String>,
    pub last_db_scope: Option<String>,
    pub last_authorize_query: Option<String>,
    pub holds: HashMap<HeldEndpoint, Hold>,
    /// Statuses that endpoints answer instead of a token, once the signature checks out.
    pub faults: HashMap<HeldEndpoint, u16>,
}

impl State {
    pub fn new(token_ttl: Duration) -> Self {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_le_bytes();
        Self {
            mac_key: hmac::Key::new(hmac::HMAC_SHA256, &seed),
            token_ttl,
            clock_offset_secs: 0,
            sessions: HashMap::new(),
            next_session: 1,
            next_token: std::sync::atomic::AtomicU64::new(1),
            counters: OciCounters::default(),
            last_rejection: None,
            last_db_public_key: None,
            last_db_scope: None,
            last_authorize_query: None,
            holds: HashMap::new(),
            faults: HashMap::new(),
        }
    }

    /// The fake's idea of now, in Unix seconds (system time plus the offset).
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        i64::try_from(system).unwrap_or(i64::MAX) + self.clock_offset_secs
    }

    /// A token for a new session bound to `jwk`.
    pub fn new_session(&mut self, jwk: Jwk) -> String {
        let id = format!("fake-session-{}", self.next_session);
        self.next_session += 1;
        let token = self.token_for(&id, &jwk);
        self.sessions.insert(
            id,
            Session {
                jwk,
                revoked: false,
                expired: false,
            },
        );
        token
    }

    /// A fresh token (new `exp`) for an existing session.
    pub fn token_for(&self, session_id: &str, jwk: &Jwk) -> String {
        let now = self.now();
        let claims = FakeClaims {
            sub: FAKE_USER.into(),
            tenant: FAKE_TENANCY.into(),
            iat: now,
            exp: now + i64::try_from(self.token_ttl.as_secs()).unwrap_or(i64::MAX),
            sess_id: session_id.into(),
            jti: format!(
                "fake-token-{}",
                self.next_token
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
            ptype: "user".into(),
            jwk: serde_json::to_string(jwk).unwrap_or_default(),
        };
        mint(&self.mac_key, &claims)
    }

    pub fn reject(&mut self, why: Rejection) -> Rejection {
        self.counters.signature_failures += 1;
        self.last_rejection = Some(why);
        why
    }
}

/// Drives a running fake from a test.
#[derive(Clone, Debug)]
pub struct FakeOciControl {
    pub(crate) state: Arc<Mutex<State>>,
}

impl FakeOciControl {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has failed already; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lifetime of the session tokens minted from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.lock().token_ttl = ttl;
    }

    /// Moves the fake's clock (positive: the fake runs ahead of the client).
    pub fn set_clock_offset(&self, seconds: i64) {
        self.lock().clock_offset_secs = seconds;
    }

    /// Every session so far counts as expired: its tokens are refused.
    pub fn expire_sessions(&self) {
        self.lock()
            .sessions
            .values_mut()
            .for_each(|s| s.expired = true);
    }

    /// Every session so far is revoked: its tokens are refused.
    pub fn revoke_sessions(&self) {
        self.lock()
            .sessions
            .values_mut()
            .for_each(|s| s.revoked = true);
    }

    pub fn counters(&self) -> OciCounters {
        self.lock().counters
    }

    pub fn last_rejection(&self) -> Option<Rejection> {
        self.lock().last_rejection
    }

    /// The `publicKey` of the last database-token request.
    pub fn last_db_public_key(&self) -> Option<String> {
        self.lock().last_db_public_key.clone()
    }

    pub fn last_db_scope(&self) -> Option<String> {
        self.lock().last_db_scope.clone()
    }

    /// The query string of the last console login (`/v1/oauth2/authorize`).
    pub fn last_authorize_query(&self) -> Option<String> {
        self.lock().last_authorize_query.clone()
    }

    /// From now on, answers of `endpoint` wait for [`Hold::release`] (one
    /// answer per release) after the fake has answered in its state.
    pub fn hold(&self, endpoint: HeldEndpoint) -> Hold {
        self.lock()
            .holds
            .entry(endpoint)
            .or_insert_with(Hold::new)
            .clone()
    }

    /// From now on, signed requests of `endpoint` that pass the signature
    /// check are answered with `status` and an OCI error body (`{code,
    /// message}`), as OCI answers a missing IAM policy (403), a wrong
    /// endpoint (404) or an overloaded service (429, 5xx).
    pub fn fail_with(&self, endpoint: HeldEndpoint, status: u16) {
        self.lock().faults.insert(endpoint, status);
    }

    /// `endpoint` answers normally again.
    pub fn stop_failing(&self, endpoint: HeldEndpoint) {
        self.lock().faults.remove(&endpoint);
    }

    /// Mints a session bound to a public key (SubjectPublicKeyInfo PEM), as a
    /// browser login would, without the browser.
    pub fn mint_session(&self, public_key_pem: &str) -> Result<String, String> {
        self.minter().mint_for_public_key_pem(public_key_pem)
    }

    /// A handle other fakes mint this fake's sessions with (the identity
    /// domain's token exchange).
    pub fn minter(&self) -> super::SessionMinter {
        super::SessionMinter::new(self.clone())
    }
}

//! The fake identity domain's state and rules: refresh-token chains
//! with single-use rotation, faults, counters and the server clock (the device
//! flow is in [`super::device_flow`]).
//! Handlers and the control handle both go through [`Shared::lock`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;

use super::control::{Counters, Fault, GenerationEvent, Ttls};
use super::device_flow::DeviceRecord;
use super::jwt::{self, AccessClaims};
use super::random;
use super::scope;

/// State shared by the domain's handlers, the resource server and every
/// [`super::FakeControl`].
pub(crate) struct Shared {
    pub key: hmac::Key,
    pub base_url: String,
    inner: Mutex<Inner>,
}

impl Shared {
    pub fn new(base_url: String, inner: Inner) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &random::signing_key()),
            base_url,
            inner: Mutex::new(inner),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic in a handler must not make every later test call panic too.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn default_client_id(&self) -> String {
        self.lock()
            .client_ids
            .first()
            .cloned()
            .unwrap_or_else(|| "test-client".to_owned())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefreshStatus {
    Current,
    Consumed,
    Revoked,
}

struct RefreshRecord {
    chain: u64,
    generation: u64,
    user: String,
    client_id: String,
    scope: String,
    expires_at: i64,
    status: RefreshStatus,
}

/// An OAuth error the fake answers with (HTTP 400 plus an `ecid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthFailure {
    pub error: &'static str,
    pub description: String,
}

impl OAuthFailure {
    pub(super) fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request() -> Self {
        Self::new(
            "invalid_request",
            "The request contains invalid parameters or values",
        )
    }
    pub fn invalid_scope() -> Self {
        Self::new("invalid_scope", "Invalid scope")
    }
    pub fn invalid_client() -> Self {
        Self::new("invalid_client", "Client authentication failed")
    }
    pub fn invalid_token() -> Self {
        Self::new("invalid_grant", "The given token in the request is invalid")
    }
}

/// A successful grant, before the access token is signed.
pub(crate) struct Grant {
    pub access: AccessClaims,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
    pub log_index: Option<usize>,
}

pub(crate) struct Inner {
    pub client_ids: Vec<String>,
    pub confidential_clients: Vec<(String, String)>,
    pub session_minter: Option<crate::oci::SessionMinter>,
    pub discovery: bool,
    /// Members that replace (or, when `null`, remove) those of the discovery document.
    pub discovery_overrides: serde_json::Map<String, serde_json::Value>,
    pub min_poll_interval: Duration,
    pub auto_approve: Option<String>,
    pub ttls: Ttls,
    pub clock_offset: i64,
    pub faults: VecDeque<Fault>,
    pub counters: Counters,
    pub generations: Vec<GenerationEvent>,
    pub(super) devices: Vec<DeviceRecord>,
    refresh_tokens: HashMap<String, RefreshRecord>,
    /// Every access token signed, for tests that search logs for secrets.
    pub(super) access_tokens: Vec<String>,
    pub(super) chains: u64,
}

impl Inner {
    pub fn new(config: &super::FakeIdcsConfig) -> Self {
        Self {
            client_ids: config.client_ids.clone(),
            confidential_clients: config.confidential_clients.clone(),
            session_minter: config.session_minter.clone(),
            discovery: config.discovery,
            discovery_overrides: serde_json::Map::new(),
            min_poll_interval: config.min_poll_interval,
            auto_approve: config.auto_approve.clone(),
            ttls: Ttls {
                access: config.access_ttl,
                refresh: config.refresh_ttl,
                device: config.device_ttl,
            },
            clock_offset: 0,
            faults: VecDeque::new(),
            counters: Counters::default(),
            generations: Vec::new(),
            devices: Vec::new(),
            refresh_tokens: HashMap::new(),
            access_tokens: Vec::new(),
            chains: 0,
        }
    }

    /// Server time: system time plus the test's offset.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        system.saturating_add(self.clock_offset)
    }

    pub(super) fn known_client(&self, client_id: &str) -> bool {
        self.client_ids.iter().any(|c| c == client_id)
            || self
                .confidential_clients
                .iter()
                .any(|(id, _)| id == client_id)
    }

    /// A confidential client must prove itself on every grant (RFC 6749 §2.3.1);
    /// a public client needs nothing but its id.
    pub(super) fn client_authenticates(
        &self,
        client_id: &str,
        basic: Option<&(String, String)>,
    ) -> bool {
        let confidential = self
            .confidential_clients
            .iter()
            .any(|(id, _)| id == client_id);
        let public = self.client_ids.iter().any(|c| c == client_id);
        match basic {
            Some((id, secret)) => id == client_id && self.is_confidential_client(id, secret),
            None => public || !confidential,
        }
    }

    /// Whether `id` and `secret` are a registered confidential client's.
    pub(super) fn is_confidential_client(&self, id: &str, secret: &str) -> bool {
        self.confidential_clients
            .iter()
            .any(|(known_id, known_secret)| known_id == id && known_secret == secret)
    }

    pub fn inject(&mut self, fault: Fault, times: u32) {
        for _ in 0..times {
            self.faults.push_back(fault.clone());
        }
    }

    /// The refresh grant: single-use rotation.
    pub fn refresh(
        &mut self,
        client_id: &str,
        token: &str,
        requested_scope: Option<&str>,
    ) -> Result<Grant, OAuthFailure> {
        self.counters.refresh_grants += 1;
        if !self.known_client(client_id) {
            return Err(OAuthFailure::invalid_client());
        }
        if let Some(scope) = requested_scope
            && !scope::is_valid(scope)
        {
            return Err(OAuthFailure::invalid_scope());
        }
        let now = self.now();
        let Some(record) = self.refresh_tokens.get_mut(token) else {
            return Err(OAuthFailure::invalid_token());
        };
        if record.client_id != client_id {
            return Err(OAuthFailure::invalid_token());
        }
        match record.status {
            RefreshStatus::Revoked => return Err(OAuthFailure::invalid_token()),
            RefreshStatus::Consumed => {
                self.counters.consumed_token_reuses += 1;
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "The token has already been consumed",
                ));
            }
            RefreshStatus::Current => {}
        }
        if record.expires_at <= now {
            return Err(OAuthFailure::new(
                "invalid_grant",
                format!("Token is expired for client : {client_id}"),
            ));
        }
        record.status = RefreshStatus::Consumed;
        let (chain, generation, user) = (record.chain, record.generation + 1, record.user.clone());
        let scope = requested_scope.map_or_else(|| record.scope.clone(), scope::normalise);
        let refresh = self.mint_refresh(&user, client_id, &scope, chain, generation);
        Ok(self.grant(&user, client_id, &scope, Some(refresh)))
    }

    /// RFC 7009: an unknown token is not an error.
    pub fn revoke(&mut self, token: &str) {
        if let Some(record) = self.refresh_tokens.get_mut(token) {
            record.status = RefreshStatus::Revoked;
        }
    }

    /// Every secret handed out so far: access and refresh tokens, device
    /// codes and user codes.
    pub fn issued_secrets(&self) -> Vec<String> {
        let devices = self
            .devices
            .iter()
            .flat_map(|d| [d.device_code.clone(), d.user_code.clone()]);
        self.access_tokens
            .iter()
            .cloned()
            .chain(self.refresh_tokens.keys().cloned())
            .chain(devices)
            .collect()
    }

    pub fn is_refresh_token_current(&self, token: &str) -> bool {
        let now = self.now();
        self.refresh_tokens
            .get(token)
            .is_some_and(|r| r.status == RefreshStatus::Current && r.expires_at > now)
    }

    pub fn issue_refresh_token_for(&mut self, user: &str) -> String {
        let client_id = self
            .client_ids
            .first()
            .cloned()
            .unwrap_or_else(|| "test-client".to_owned());
        self.chains += 1;
        let (token, _) = self.mint_refresh(
            user,
            &client_id,
            oci_iam_sso_domain::DEFAULT_SCOPE,
            self.chains,
            1,
        );
        token
    }

    /// Marks a generation as never delivered (its response was dropped).
    pub fn mark_undelivered(&mut self, log_index: usize) {
        if let Some(event) = self.generations.get_mut(log_index) {
            event.delivered = false;
        }
    }

    pub fn access_claims(&self, user: &str, client_id: &str, scope: &str) -> AccessClaims {
        let now = self.now();
        AccessClaims {
            sub: user.to_owned(),
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            iat: now,
            exp: now.saturating_add(secs(self.ttls.access)),
            jti: random::jwt_id(),
        }
    }

    /// Checks a bearer token for the resource server: signed by this domain and unexpired.
    pub fn accepts_access_token(&self, key: &hmac::Key, token: &str) -> bool {
        jwt::verify(key, token).is_some_and(|claims| claims.exp > self.now())
    }

    pub(super) fn mint_refresh(
        &mut self,
        user: &str,
        client_id: &str,
        scope: &str,
        chain: u64,
        generation: u64,
    ) -> (String, usize) {
        let token = random::refresh_token();
        let now = self.now();
        let log_index = self.generations.len();
        self.generations.push(GenerationEvent {
            chain,
            generation,
            issued_at: now,
            fingerprint: oci_iam_sso_domain::fingerprint(token.as_bytes()),
            delivered: true,
            user: user.to_owned(),
        });
        self.refresh_tokens.insert(
            token.clone(),
            RefreshRecord {
                chain,
                generation,
                user: user.to_owned(),
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                expires_at: now.saturating_add(secs(self.ttls.refresh)),
                status: RefreshStatus::Current,
            },
        );
        (token, log_index)
    }

    pub(super) fn grant(
        &self,
        user: &str,
        client_id: &str,
        scope: &str,
        refresh: Option<(String, usize)>,
    ) -> Grant {
        let log_index = refresh.as_ref().map(|(_, i)| *i);
        Grant {
            access: self.access_claims(user, client_id, scope),
            expires_in: self.ttls.access.as_secs(),
            refresh_token: refresh.map(|(t, _)| t),
            log_index,
        }
    }
}

pub(super) fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

//! The in-process control handle of a fake identity domain: approve or deny
//! sign-ins, inject faults, move the clock, and read what happened.

use std::sync::Arc;
use std::time::Duration;

use super::state::Shared;

/// A failure the fake plays instead of (or around) the next answers of
/// `POST /oauth2/v1/token`. Only [`Fault::Delay`], [`Fault::ConsumeThenDrop`]
/// and [`Fault::RewriteGrant`] let the grant itself run; every other fault
/// leaves all tokens untouched.
///
/// Over HTTP (`POST /_testkit/faults`, body `{"fault": …, "times": n}`) a fault
/// is `{"kind": "server_error_500"}`, `{"kind": "service_unavailable",
/// "retry_after_secs": 7}`, `{"kind": "delay", "millis": 250}`,
/// `{"kind": "close_without_response"}`, `{"kind": "html_ok"}`,
/// `{"kind": "malformed_json"}`, `{"kind": "truncated_json"}`,
/// `{"kind": "consume_then_drop"}` or
/// `{"kind": "rewrite_grant", "members": {"expires_in": 0}}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// HTTP 500 with an HTML body.
    #[serde(rename = "server_error_500")]
    ServerError500,
    /// HTTP 503 with `Retry-After: <secs>` and an HTML body.
    ServiceUnavailable { retry_after_secs: u64 },
    /// Wait, then answer normally.
    Delay(#[serde(with = "millis")] Duration),
    /// Close the TCP connection without sending any response.
    CloseWithoutResponse,
    /// HTTP 200 with an HTML page (a proxy or login page answering instead).
    HtmlOk,
    /// HTTP 200, `application/json`, a body that is not JSON.
    MalformedJson,
    /// HTTP 200, `application/json`, a token response cut in the middle.
    TruncatedJson,
    /// Run the grant (a refresh token is rotated server side), then close the
    /// connection without answering: the client never sees the new token.
    ConsumeThenDrop,
    /// Run the grant (a refresh token is rotated server side), then answer
    /// 200 with these members of the JSON replaced (`null` removes one): an
    /// odd or hostile answer around real tokens, such as `expires_in: 0` or an
    /// access token with an escape sequence.
    RewriteGrant {
        members: serde_json::Map<String, serde_json::Value>,
    },
}

impl Fault {
    /// [`Fault::RewriteGrant`] of `(member, value)` pairs.
    pub fn rewrite_grant<'a>(
        members: impl IntoIterator<Item = (&'a str, serde_json::Value)>,
    ) -> Self {
        Self::RewriteGrant {
            members: members
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }
}

mod millis {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&serde_json::json!({ "millis": d.as_millis() as u64 }), s)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        #[derive(serde::Deserialize)]
        struct Millis {
            millis: u64,
        }
        let m: Millis = serde::Deserialize::deserialize(d)?;
        Ok(Duration::from_millis(m.millis))
    }
}

/// What the fake has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// `GET /.well-known/openid-configuration` requests (404s included).
    pub discovery_requests: u64,
    /// `POST /oauth2/v1/device` requests that created a device code.
    pub device_authorizations: u64,
    /// Device-code grants evaluated at `/oauth2/v1/token`.
    pub device_polls: u64,
    /// Refresh grants evaluated at `/oauth2/v1/token` (accepted or not).
    pub refresh_grants: u64,
    /// Refresh grants refused because the token was already consumed.
    pub consumed_token_reuses: u64,
    /// Every request that reached `/oauth2/v1/token`, faults included.
    pub token_requests: u64,
    /// `POST /oauth2/v1/revoke` requests.
    pub revocations: u64,
    /// Requests the fake resource server answered (any status).
    pub resource_requests: u64,
    /// Requests the fake resource server refused with 401.
    pub resource_unauthorized: u64,
    /// Requests with a bad OCI signature (counted by the fake OCI auth service).
    pub signature_failures: u64,
    /// Token exchange grants (RFC 8693) evaluated at `/oauth2/v1/token` (accepted or not).
    #[serde(default)]
    pub token_exchanges: u64,
}

/// One refresh token issued in a chain (a device login or a minted token
/// starts a chain; each refresh adds a generation).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenerationEvent {
    /// Which chain (1, 2, …, in order of creation).
    pub chain: u64,
    /// 1 for the first token of the chain, then 2, 3, …
    pub generation: u64,
    /// Server time (Unix seconds, clock offset included) of issue.
    pub issued_at: i64,
    /// [`oci_iam_sso_domain::fingerprint`] of the token.
    pub fingerprint: String,
    /// False when the fake dropped the response that carried it.
    pub delivered: bool,
    /// The user the chain belongs to.
    pub user: String,
}

/// Token and code lifetimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ttls {
    #[serde(with = "secs")]
    pub access: Duration,
    #[serde(with = "secs")]
    pub refresh: Duration,
    #[serde(with = "secs")]
    pub device: Duration,
}

impl Default for Ttls {
    fn default() -> Self {
        Self {
            access: Duration::from_secs(3600),
            refresh: Duration::from_secs(604_800),
            device: Duration::from_secs(300),
        }
    }
}

mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs: u64 = serde::Deserialize::deserialize(d)?;
        Ok(Duration::from_secs(secs))
    }
}

/// The test's remote control of one fake identity domain (and its resource
/// server). Cheap to clone; all clones drive the same fake.
#[derive(Clone)]
pub struct FakeControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for FakeControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeControl")
            .field("url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeControl {
    /// Approves a pending, unexpired user code as `user`. False when there is none.
    pub fn approve(&self, user_code: &str, user: &str) -> bool {
        self.shared.lock().approve(user_code, user)
    }

    /// Approves the most recent pending code; returns that user code.
    pub fn approve_latest(&self, user: &str) -> Option<String> {
        self.shared.lock().approve_latest(user)
    }

    /// Denies a pending, unexpired user code. False when there is none.
    pub fn deny(&self, user_code: &str) -> bool {
        self.shared.lock().deny(user_code)
    }

    /// User codes waiting for approval (unexpired), oldest first.
    pub fn pending_user_codes(&self) -> Vec<String> {
        self.shared.lock().pending_user_codes()
    }

    /// Plays `fault` on the next `times` requests to `/oauth2/v1/token`
    /// (after any faults already queued).
    pub fn inject(&self, fault: Fault, times: u32) {
        self.shared.lock().inject(fault, times);
    }

    /// From now on the discovery document says `value` for member `name`
    /// (`null` removes it): a hostile or broken document, such as one that
    /// moves `token_endpoint` to another host.
    pub fn set_discovery_member(&self, name: &str, value: serde_json::Value) {
        self.shared
            .lock()
            .discovery_overrides
            .insert(name.to_owned(), value);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    pub fn counters(&self) -> Counters {
        self.shared.lock().counters.clone()
    }

    pub fn ttls(&self) -> Ttls {
        self.shared.lock().ttls
    }

    /// New lifetimes, for tokens and codes issued from now on.
    pub fn set_ttls(&self, ttls: Ttls) {
        self.shared.lock().ttls = ttls;
    }

    /// Server time becomes system time + `secs` (negative goes back), so tests
    /// can age tokens and codes without sleeping.
    pub fn set_clock_offset(&self, secs: i64) {
        self.shared.lock().clock_offset = secs;
    }

    /// The server's current time (Unix seconds, offset included).
    pub fn now_unix(&self) -> i64 {
        self.shared.lock().now()
    }

    /// Every refresh token issued so far, in order.
    pub fn generation_log(&self) -> Vec<GenerationEvent> {
        self.shared.lock().generations.clone()
    }

    /// Every secret the fake has handed out: access and refresh tokens (also
    /// those minted for tests), device codes and user codes. Tests search
    /// logs and output for them.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.lock().issued_secrets()
    }

    /// Whether a refresh grant with this token would be accepted now, without
    /// consuming it.
    pub fn is_refresh_token_current(&self, token: &str) -> bool {
        self.shared.lock().is_refresh_token_current(token)
    }

    /// Mints a valid refresh token for `user` (first client id, default
    /// scope), starting a new chain: what `import` tests feed the CLI.
    pub fn issue_refresh_token_for(&self, user: &str) -> String {
        self.shared.lock().issue_refresh_token_for(user)
    }

    /// Mints a valid access token for `user`, for resource-server tests.
    pub fn issue_access_token_for(&self, user: &str) -> String {
        // Two statements: the mutex is not reentrant.
        let client_id = self.shared.default_client_id();
        let claims =
            self.shared
                .lock()
                .access_claims(user, &client_id, oci_iam_sso_domain::DEFAULT_SCOPE);
        let token = super::jwt::sign(&self.shared.key, &claims);
        self.shared.lock().access_tokens.push(token.clone());
        token
    }

    /// From now on the token exchange mints its session tokens with `minter`
    /// (see [`crate::FakeIdcsConfig::session_minter`]).
    pub fn set_session_minter(&self, minter: crate::oci::SessionMinter) {
        self.shared.lock().session_minter = Some(minter);
    }

    /// For the fake OCI auth service in this crate.
    #[allow(dead_code)]
    pub(crate) fn record_signature_failure(&self) {
        self.shared.lock().counters.signature_failures += 1;
    }
}

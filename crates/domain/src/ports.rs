//! Ports: the traits adapters implement. Each method's doc states its contract
//! ("MUST …"); the contract suites in the testkit check those sentences against
//! every adapter.

use std::time::Duration;

use async_trait::async_trait;

use crate::{
    AccessToken, ClientId, DeviceAuthorization, DeviceCode, Generation, KnownEndpoints,
    PendingRotation, Profile, ProfileName, ProviderError, RefreshToken, Scope, ServiceUrl,
    StoreError, Timestamp, TokenResponse, TokenSet,
};

/// The endpoints of an identity domain (or any OAuth 2.0 server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub token: ServiceUrl,
    pub device_authorization: ServiceUrl,
    pub revocation: Option<ServiceUrl>,
}

impl Endpoints {
    /// Whether every endpoint has `domain`'s origin (scheme, host and port):
    /// where the refresh token, device codes and client secrets may go.
    pub fn all_on_origin_of(&self, domain: &ServiceUrl) -> bool {
        [Some(&self.token), Some(&self.device_authorization)]
            .into_iter()
            .chain([self.revocation.as_ref()])
            .flatten()
            .all(|url| url.same_origin(domain))
    }
}

/// An OAuth 2.0 authorization server, bound to one domain URL.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// MUST return the endpoints of the discovery document when there is one, and
    /// the identity-domain paths (`/oauth2/v1/device`, `/token`, `/revoke`) when
    /// the document is absent. MAY cache the answer, and MAY start from
    /// endpoints remembered by an earlier process ([`Profile::known_endpoints`]).
    async fn endpoints(&self) -> Result<Endpoints, ProviderError>;

    /// The endpoints the requests so far went to (found or remembered), without
    /// sending anything; `None` while none are known. The use cases remember
    /// them with the profile after a grant, so the next process sends no
    /// discovery request.
    fn endpoints_in_use(&self) -> Option<Endpoints>;

    /// MUST send `response_type=device_code`, `client_id` and `scope`, and return
    /// the device authorization with `interval` as sent (`None` when absent).
    async fn start_device_authorization(
        &self,
        client_id: &ClientId,
        scope: &Scope,
    ) -> Result<DeviceAuthorization, ProviderError>;

    /// MUST return `ProviderError::OAuth` with the classified code for
    /// `authorization_pending`, `slow_down`, `access_denied` and `expired_token`.
    async fn poll_device_token(
        &self,
        client_id: &ClientId,
        device_code: &DeviceCode,
    ) -> Result<TokenResponse, ProviderError>;

    /// MUST send the refresh-token grant once (never retry on its own: the
    /// token may be consumed) and return the new token set's response. The one
    /// exception: a remembered token endpoint that answers 404 or 410 has moved
    /// (no grant ran there), and the grant MAY go once to the endpoint that
    /// discovery names now, on the domain's origin like every endpoint.
    /// MUST map `invalid_grant` to its expired / consumed / invalid kind.
    /// MUST report a failure before the request left as `TransportFailure::Connect`
    /// and one after as `Timeout` or `Interrupted`.
    async fn refresh(
        &self,
        client_id: &ClientId,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse, ProviderError>;

    /// MUST revoke the token (RFC 7009); a server without a revocation endpoint is
    /// an `Ok(false)`.
    async fn revoke(
        &self,
        client_id: &ClientId,
        token: &RefreshToken,
    ) -> Result<bool, ProviderError>;
}

/// One rotation, as kept in the audit trail: never the token, only a fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RotationRecord {
    pub at: Timestamp,
    pub generation: Generation,
    /// The refresh token's [`fingerprint`](crate::fingerprint), to compare
    /// with logs; `None` for a set without a refresh token.
    pub fingerprint: Option<String>,
    /// Set when this set was first kept aside (at this time) because the store
    /// could not take it, and adopted later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_from: Option<Timestamp>,
}

impl RotationRecord {
    /// The record of writing `set` at `at` (the domain clock's time, not the
    /// store's nor the token's issue time), first kept aside at `recovered_from`.
    pub fn of(set: &TokenSet, at: Timestamp, recovered_from: Option<Timestamp>) -> Self {
        Self {
            at,
            generation: set.generation,
            fingerprint: set.refresh_token.as_ref().map(|t| t.fingerprint()),
            recovered_from,
        }
    }
}

/// Where profiles and their token sets live.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// MUST return every profile, sorted by name.
    async fn profiles(&self) -> Result<Vec<Profile>, StoreError>;

    /// MUST return `Ok(None)` for an unknown profile.
    async fn profile(&self, name: &ProfileName) -> Result<Option<Profile>, StoreError>;

    /// MUST create the profile or update its settings (remembered endpoints
    /// included, as given), keeping any stored tokens.
    async fn put_profile(&self, profile: &Profile) -> Result<(), StoreError>;

    /// MUST set the profile's remembered endpoints (`Profile::endpoints`) to
    /// `known`, only when the profile exists and its domain URL still is
    /// `known.found_at` (otherwise nothing changes: a removed profile stays
    /// removed), and return whether it did. Touches nothing else.
    async fn remember_endpoints(
        &self,
        name: &ProfileName,
        known: &KnownEndpoints,
    ) -> Result<bool, StoreError>;

    /// MUST delete the profile with its tokens (and any rotation kept aside) and
    /// return whether it existed.
    async fn remove_profile(&self, name: &ProfileName) -> Result<bool, StoreError>;

    /// A snapshot without taking the lock (for the cache-hit path). MUST return
    /// a set that was committed whole, never a half-written one.
    async fn tokens(&self, name: &ProfileName) -> Result<Option<TokenSet>, StoreError>;

    /// A rotation kept aside and not yet adopted, read without the lock (for
    /// `status`). MUST return what the lock's `pending` would return now.
    async fn pending(&self, name: &ProfileName) -> Result<Option<PendingRotation>, StoreError>;

    /// Takes the profile's exclusive lock, waiting (bounded) while another
    /// process holds it. MUST exclude every other holder, in this process and
    /// others (and on other hosts, for a shared store), until the guard drops.
    async fn lock(&self, name: &ProfileName) -> Result<Box<dyn ProfileLock>, StoreError>;

    /// The last `limit` rotations of the profile, newest first.
    async fn rotations(
        &self,
        name: &ProfileName,
        limit: usize,
    ) -> Result<Vec<RotationRecord>, StoreError>;
}

/// The profile's exclusive lock. Reads under it see the current state.
///
/// A refresh grant consumes the stored refresh token, so its answer must never
/// be lost: before the grant the use case calls [`prepare_rotation`], right
/// after it [`keep_pending`], then [`replace`]. A later holder reads
/// [`pending`] and, when it still applies, [`adopt`]s it.
///
/// [`prepare_rotation`]: ProfileLock::prepare_rotation
/// [`keep_pending`]: ProfileLock::keep_pending
/// [`replace`]: ProfileLock::replace
/// [`pending`]: ProfileLock::pending
/// [`adopt`]: ProfileLock::adopt
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ProfileLock: Send {
    /// MUST re-read the stored set (another process may have written it).
    async fn tokens(&mut self) -> Result<Option<TokenSet>, StoreError>;

    /// Compare-and-swap: MUST write `new` only when the stored generation equals
    /// `expected` (`None`: nothing stored) and `new.generation` is greater;
    /// otherwise `StoreError::Conflict` ([`Generation::check_replace`] decides).
    /// MUST be durable (committed and synced) when it returns `Ok`, MUST record
    /// [`RotationRecord::of`]`(new, at, None)` in the audit trail, and MUST
    /// discard any rotation kept aside.
    async fn replace(
        &mut self,
        expected: Option<Generation>,
        new: &TokenSet,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// MUST delete the stored set and any rotation kept aside (the profile stays).
    async fn clear(&mut self) -> Result<(), StoreError>;

    /// Called before a refresh grant leaves. On `Ok`, a following
    /// [`keep_pending`](ProfileLock::keep_pending) MUST NOT fail for lack of
    /// space (reserve it now) nor wait for a lock another process may hold; the
    /// store SHOULD also check that it takes a write now. MUST NOT keep holding
    /// anything that makes other profiles wait during the grant.
    async fn prepare_rotation(&mut self) -> Result<(), StoreError>;

    /// MUST keep `pending` durably (synced, sealed like the store's secrets,
    /// owner-only) outside the store's own write path before returning `Ok`,
    /// so that [`pending`](ProfileLock::pending) returns it to the next holder
    /// even when this process dies now. Replaces what was kept before.
    async fn keep_pending(&mut self, pending: &PendingRotation) -> Result<(), StoreError>;

    /// MUST return what [`keep_pending`](ProfileLock::keep_pending) kept, unless
    /// a `replace`, `adopt` or `clear` has discarded it since.
    async fn pending(&mut self) -> Result<Option<PendingRotation>, StoreError>;

    /// Writes `pending.next` over its base like `replace(pending.base_generation,
    /// &pending.next, at)`, with the same MUSTs, and MUST record in the audit
    /// trail that the set was recovered: [`RotationRecord::of`]`(&pending.next,
    /// at, Some(pending.kept_at))`.
    async fn adopt(&mut self, pending: &PendingRotation, at: Timestamp) -> Result<(), StoreError>;
}

/// What the person at the terminal sees during a device login.
#[cfg_attr(test, mockall::automock)]
pub trait Presenter: Send + Sync {
    /// Show the verification URI and user code.
    fn device_code(&self, authorization: &DeviceAuthorization);
    /// Open `url` in a browser; an `Err` is reported and the login goes on.
    fn open_browser(&self, url: &ServiceUrl) -> Result<(), String>;
    /// Called before each wait, for a spinner or a progress line.
    fn waiting(&self, next_poll_in: Duration, remaining: Duration);
    /// Called once, when the user has approved and before the tokens are
    /// stored: the wait is over (a spinner stops; an interruption from now on
    /// would come while the new login is being kept).
    fn approved(&self);
}

/// An HTTP request to a resource server (EPM REST, …), sent with a bearer token.
#[derive(Clone, Debug)]
pub struct ResourceRequest {
    pub method: String,
    pub url: ServiceUrl,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

#[derive(Clone, Debug)]
pub struct ResourceResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Calls resource servers with `Authorization: Bearer`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ResourceClient: Send + Sync {
    /// MUST return any HTTP status as `Ok` (401 included; the caller decides) and
    /// MUST NOT follow redirects to another host with the token.
    async fn send(
        &self,
        request: &ResourceRequest,
        token: &AccessToken,
    ) -> Result<ResourceResponse, ProviderError>;
}

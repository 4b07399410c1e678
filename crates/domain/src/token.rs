//! Token sets and their lifecycle.
//!
//! Access tokens are opaque to the client: their expiry comes from `expires_in`
//! at the time they were issued, never from decoding them.

use std::time::Duration;

use crate::{AccessToken, RefreshToken, Scope, Timestamp};

/// How many refreshes a stored token set has been through. Strictly increases
/// with every write, which lets a store refuse to replace a newer set with an
/// older one (compare-and-swap on the generation).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Generation(u64);

impl Generation {
    pub const FIRST: Generation = Generation(1);

    pub const fn new(value: u64) -> Self {
        Self(value)
    }
    pub const fn get(self) -> u64 {
        self.0
    }
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What the token endpoint answered on success.
#[derive(Clone, Debug)]
pub struct TokenResponse {
    pub access_token: AccessToken,
    pub token_type: String,
    pub expires_in: Option<Duration>,
    /// Absent when the server does not rotate (RFC 6749 §6): keep the old one.
    pub refresh_token: Option<RefreshToken>,
    pub scope: Option<Scope>,
}

/// The access token of a token set, with the moment it stops working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedAccessToken {
    pub token: AccessToken,
    pub token_type: String,
    /// When it was received: with `expires_at`, its lifetime.
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

impl IssuedAccessToken {
    /// How long the server let it live.
    pub fn lifetime(&self) -> Duration {
        self.issued_at.until(self.expires_at)
    }

    /// The margin a refresh decision applies to this token: the one asked for
    /// while the server's lifetime can honour it; otherwise half the lifetime.
    /// A margin as long as the lifetime would make every fresh token count as
    /// expiring, and so every call refresh.
    pub fn effective_margin(&self, requested: Duration) -> Duration {
        let lifetime = self.lifetime();
        if requested < lifetime {
            requested
        } else {
            lifetime / 2
        }
    }

    /// Whether `requested` is more than this token can honour.
    pub fn margin_exceeds_lifetime(&self, requested: Duration) -> bool {
        self.effective_margin(requested) < requested
    }
}

/// Everything stored for one profile's login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    /// Absent right after `import` (only a refresh token is known then).
    pub access: Option<IssuedAccessToken>,
    pub refresh_token: Option<RefreshToken>,
    /// When the current refresh token was received.
    pub refresh_issued_at: Timestamp,
    pub scope: Option<Scope>,
    /// When the device login (or import) that started this chain happened.
    pub chain_started_at: Timestamp,
    pub generation: Generation,
}

/// Default access-token lifetime when a server omits `expires_in` (IDCS sends 3600).
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(3600);
/// Identity domains' default refresh-token lifetime (7 days), set by the domain admin.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(604_800);
/// Default margin before expiry at which a token counts as expiring.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

impl TokenSet {
    /// The first set of a chain, from a device login. `after` is the generation
    /// stored before (generations never go back, even across logins).
    pub fn from_login(response: TokenResponse, now: Timestamp, after: Option<Generation>) -> Self {
        Self {
            access: Some(issued(
                response.access_token,
                response.token_type,
                response.expires_in,
                now,
            )),
            refresh_token: response.refresh_token,
            refresh_issued_at: now,
            scope: response.scope,
            chain_started_at: now,
            generation: after.map_or(Generation::FIRST, Generation::next),
        }
    }

    /// A chain that starts from a refresh token got elsewhere (the guide's curl steps).
    pub fn from_imported_refresh_token(
        token: RefreshToken,
        now: Timestamp,
        after: Option<Generation>,
    ) -> Self {
        Self {
            access: None,
            refresh_token: Some(token),
            refresh_issued_at: now,
            scope: None,
            chain_started_at: now,
            generation: after.map_or(Generation::FIRST, Generation::next),
        }
    }

    /// The set that follows this one after a refresh grant answered `response`.
    pub fn rotated(&self, response: TokenResponse, now: Timestamp) -> Self {
        let rotated = response.refresh_token.is_some();
        Self {
            access: Some(issued(
                response.access_token,
                response.token_type,
                response.expires_in,
                now,
            )),
            refresh_token: response
                .refresh_token
                .or_else(|| self.refresh_token.clone()),
            refresh_issued_at: if rotated { now } else { self.refresh_issued_at },
            scope: response.scope.or_else(|| self.scope.clone()),
            chain_started_at: self.chain_started_at,
            generation: self.generation.next(),
        }
    }

    /// The access token's lifecycle at `now` with `margin` (capped by
    /// [`IssuedAccessToken::effective_margin`]); `Expired` when there is none.
    pub fn access_lifecycle(&self, now: Timestamp, margin: Duration) -> Lifecycle {
        match &self.access {
            Some(access) => Lifecycle::of(access.expires_at, now, access.effective_margin(margin)),
            None => Lifecycle::Expired,
        }
    }

    /// The access token while it has not expired at all, whatever the margin:
    /// for a set another process refreshed a moment ago.
    pub fn unexpired_access(&self, now: Timestamp) -> Option<&IssuedAccessToken> {
        self.access.as_ref().filter(|a| now < a.expires_at)
    }

    /// The access token when it stays valid for more than `margin` after `now`.
    pub fn usable_access(&self, now: Timestamp, margin: Duration) -> Option<&IssuedAccessToken> {
        match self.access_lifecycle(now, margin) {
            Lifecycle::Fresh => self.access.as_ref(),
            Lifecycle::ExpiringSoon | Lifecycle::Expired => None,
        }
    }

    /// When the refresh token is expected to expire, given the domain's lifetime.
    pub fn refresh_expected_expiry(&self, lifetime: Duration) -> Timestamp {
        self.refresh_issued_at.plus(lifetime)
    }
}

fn issued(
    token: AccessToken,
    token_type: String,
    expires_in: Option<Duration>,
    now: Timestamp,
) -> IssuedAccessToken {
    IssuedAccessToken {
        token,
        token_type: if token_type.is_empty() {
            "Bearer".to_owned()
        } else {
            token_type
        },
        issued_at: now,
        expires_at: now.plus(expires_in.unwrap_or(DEFAULT_ACCESS_TTL)),
    }
}

/// Where a token stands relative to its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Valid for longer than the margin.
    Fresh,
    /// Still valid, but within the margin of its expiry: refresh before use.
    ExpiringSoon,
    /// At or past its expiry.
    Expired,
}

impl Lifecycle {
    pub fn of(expires_at: Timestamp, now: Timestamp, margin: Duration) -> Self {
        if now >= expires_at {
            Lifecycle::Expired
        } else if now.plus(margin) >= expires_at {
            Lifecycle::ExpiringSoon
        } else {
            Lifecycle::Fresh
        }
    }
}

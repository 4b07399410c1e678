//! Token sets and their lifecycle.
//!
//! Access tokens are opaque to the client: their expiry comes from `expires_in`
//! at the time they were issued. Only when a server leaves that out (or sends
//! nonsense) is the token's own `exp` claim read, see [`access_lifetime`].

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

impl Generation {
    /// The compare-and-swap rule every store applies, once: `new` may replace
    /// what is stored only when the store holds exactly `expected` (`None`:
    /// nothing) and `new` is later than it. Generations start at 1, so 0 is
    /// never written.
    pub fn check_replace(
        stored: Option<Generation>,
        expected: Option<Generation>,
        new: Generation,
    ) -> Result<(), crate::StoreError> {
        let later = new > expected.unwrap_or(Generation(0));
        if stored == expected && later {
            Ok(())
        } else {
            Err(crate::StoreError::Conflict {
                attempted: new.get(),
                found: stored.map_or(0, Generation::get),
            })
        }
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
    /// `None` when the server's was refused (see [`TokenAnswerNote`]) while the
    /// answer's new refresh token was good: that one is kept all the same.
    pub access_token: Option<AccessToken>,
    pub token_type: String,
    /// A positive number of seconds, or `None` (absent or odd; see
    /// [`access_lifetime`] for what is used then).
    pub expires_in: Option<Duration>,
    /// Absent when the server does not rotate (RFC 6749 §6): keep the old one.
    pub refresh_token: Option<RefreshToken>,
    pub scope: Option<Scope>,
    /// What was odd about the answer and what was done about it, for the
    /// caller to report.
    pub notes: Vec<TokenAnswerNote>,
}

/// Something odd in a successful token answer that did not stop it from
/// being used. Never quotes the answer (a value can be a token).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenAnswerNote {
    /// `expires_in` was sent but is not a positive number of seconds (0,
    /// negative, text).
    #[error(
        "the token endpoint's expires_in is not a positive number of seconds; the access token's own expiry (its JWT exp claim, else 5 minutes) is used instead"
    )]
    OddExpiresIn,
    /// The access token was missing or had characters no token has, while the
    /// answer carried a good new refresh token, which was kept.
    #[error(
        "the token endpoint's access_token is missing or has characters no token has (control characters or whitespace) and was refused; the answer's new refresh token was kept"
    )]
    AccessTokenRefused,
}

/// The token type of every access token this tool uses (RFC 6750), and the one
/// assumed when an answer or an older store leaves it out.
pub const BEARER: &str = "Bearer";

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

/// Access-token lifetime when neither `expires_in` nor the token itself says
/// one (IDCS always sends both; see [`access_lifetime`]).
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(300);
/// Identity domains' default refresh-token lifetime (7 days), set by the domain admin.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(604_800);
/// Default margin before expiry at which a token counts as expiring.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

impl TokenSet {
    /// The first set of a chain, from a device login. `after` is the generation
    /// stored before (generations never go back, even across logins).
    pub fn from_login(response: TokenResponse, now: Timestamp, after: Option<Generation>) -> Self {
        Self {
            access: issued(
                response.access_token,
                response.token_type,
                response.expires_in,
                now,
            ),
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
            access: issued(
                response.access_token,
                response.token_type,
                response.expires_in,
                now,
            ),
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
    token: Option<AccessToken>,
    token_type: String,
    expires_in: Option<Duration>,
    now: Timestamp,
) -> Option<IssuedAccessToken> {
    let token = token?;
    Some(IssuedAccessToken {
        expires_at: now.plus(access_lifetime(&token, expires_in, now)),
        token,
        token_type: if token_type.is_empty() {
            BEARER.to_owned()
        } else {
            token_type
        },
        issued_at: now,
    })
}

/// How long an access token issued at `now` is used before it is refreshed.
///
/// `expires_in` when the server sent a positive number of seconds. RFC 6749
/// §5.1 makes `expires_in` only RECOMMENDED ("if omitted, the authorization
/// server SHOULD provide the expiration time via other means"), so absent is
/// legal; the parser also hands 0, negative and non-numeric values in as
/// absent, because taking them at face value would refresh on every call and a
/// fixed hour would outlive a shorter-lived token. The "other means" of an
/// identity domain is the token itself: its access tokens are JWTs whose `exp`
/// claim (RFC 7519 §4.1.4) is read here, unverified, from the same answer the
/// server would otherwise have put `expires_in` in. An opaque token, or one
/// whose `exp` is already past, gets [`DEFAULT_ACCESS_TTL`]: short, so a token
/// of unknown life is not kept long after it died (a 401 from a resource
/// refreshes sooner anyway), yet not so short that every call refreshes.
pub fn access_lifetime(
    token: &AccessToken,
    expires_in: Option<Duration>,
    now: Timestamp,
) -> Duration {
    if let Some(lifetime) = expires_in.filter(|d| !d.is_zero()) {
        return lifetime;
    }
    crate::oci::decode_claims(token.expose_secret())
        .ok()
        .map(|claims| now.until(claims.expires_at))
        .filter(|lifetime| !lifetime.is_zero())
        .unwrap_or(DEFAULT_ACCESS_TTL)
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
    /// The one expiry rule: a token is expired at its expiry instant, and
    /// expiring soon once `margin` or less of it is left.
    pub fn of(expires_at: Timestamp, now: Timestamp, margin: Duration) -> Self {
        if now >= expires_at {
            Lifecycle::Expired
        } else if now.plus(margin) >= expires_at {
            Lifecycle::ExpiringSoon
        } else {
            Lifecycle::Fresh
        }
    }

    /// Whether something valid until `expires_at` is expired `now` (no margin).
    pub fn is_expired(expires_at: Timestamp, now: Timestamp) -> bool {
        Self::of(expires_at, now, Duration::ZERO) == Lifecycle::Expired
    }
}

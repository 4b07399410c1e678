//! What `status` reports for a profile: expiries, ages and what needs
//! attention, never a secret (and no screen text: the CLI words the warnings).

use std::time::Duration;

use crate::{Generation, Lifecycle, PendingRotation, Profile, RotationRecord, Timestamp, TokenSet};

/// Warn when the refresh token is expected to expire within this time.
pub const REFRESH_WARNING: Duration = Duration::from_secs(86_400);

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProfileStatus {
    pub profile: String,
    pub domain_url: String,
    pub scope: String,
    pub logged_in: bool,
    pub access_token: Option<AccessStatus>,
    pub refresh_token: Option<RefreshStatus>,
    pub recent_rotations: Vec<RotationRecord>,
    /// When a rotated set was kept aside because the store could not take it;
    /// the next command that takes the profile's lock saves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_aside_since: Option<Timestamp>,
    /// What the user should know; the front end words it (it names commands).
    #[serde(skip)]
    pub warnings: Vec<StatusWarning>,
}

/// Something about a profile's tokens that needs the user's attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusWarning {
    /// The refresh token has probably expired: only a new login helps.
    RefreshTokenExpired,
    /// The refresh token is expected to expire within [`REFRESH_WARNING`]
    /// unless it is used (a refresh starts a new lifetime).
    RefreshTokenExpiringSoon,
    /// A token set without a refresh token: the access token cannot be renewed.
    NoRefreshToken,
    /// A rotated set of this generation was kept aside because saving it
    /// failed; the next command that takes the profile's lock saves it.
    KeptAside { generation: Generation },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessStatus {
    pub expires_at: Timestamp,
    pub state: Lifecycle,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RefreshStatus {
    pub issued_at: Timestamp,
    pub age_seconds: u64,
    pub generation: u64,
    pub expected_expiry: Timestamp,
    pub state: Lifecycle,
    pub chain_started_at: Timestamp,
}

impl ProfileStatus {
    pub fn of(
        profile: &Profile,
        tokens: Option<&TokenSet>,
        rotations: Vec<RotationRecord>,
        now: Timestamp,
        refresh_lifetime: Duration,
        skew: Duration,
    ) -> Self {
        let mut warnings = Vec::new();
        let access_token = tokens
            .and_then(|t| t.access.as_ref())
            .map(|a| AccessStatus {
                expires_at: a.expires_at,
                state: Lifecycle::of(a.expires_at, now, skew),
            });
        let refresh_token = tokens.filter(|t| t.refresh_token.is_some()).map(|t| {
            let expected_expiry = t.refresh_expected_expiry(refresh_lifetime);
            let state = Lifecycle::of(expected_expiry, now, REFRESH_WARNING);
            match state {
                Lifecycle::Expired => warnings.push(StatusWarning::RefreshTokenExpired),
                Lifecycle::ExpiringSoon => warnings.push(StatusWarning::RefreshTokenExpiringSoon),
                Lifecycle::Fresh => {}
            }
            RefreshStatus {
                issued_at: t.refresh_issued_at,
                age_seconds: t.refresh_issued_at.until(now).as_secs(),
                generation: t.generation.get(),
                expected_expiry,
                state,
                chain_started_at: t.chain_started_at,
            }
        });
        if tokens.is_some() && refresh_token.is_none() {
            warnings.push(StatusWarning::NoRefreshToken);
        }
        Self {
            profile: profile.name.to_string(),
            domain_url: profile.domain_url.to_string(),
            scope: profile.scope.to_string(),
            logged_in: tokens.is_some(),
            access_token,
            refresh_token,
            recent_rotations: rotations,
            kept_aside_since: None,
            warnings,
        }
    }

    /// Adds what a rotation kept aside means for the profile, when it still
    /// applies to the stored set (`tokens`, as given to [`ProfileStatus::of`]).
    pub fn with_kept_aside(
        mut self,
        pending: Option<&PendingRotation>,
        tokens: Option<&TokenSet>,
    ) -> Self {
        if let Some(pending) = pending.filter(|p| p.applies_to(tokens)) {
            self.kept_aside_since = Some(pending.kept_at);
            self.warnings.push(StatusWarning::KeptAside {
                generation: pending.next.generation,
            });
        }
        self
    }
}

//! What `status` reports for a profile: expiries and ages, never a secret.

use std::time::Duration;

use crate::{Lifecycle, Profile, RotationRecord, Timestamp, TokenSet};

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
    pub warnings: Vec<String>,
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
                Lifecycle::Expired => warnings.push(format!(
                    "the refresh token has probably expired: run `oci-iam-sso login --profile {}`",
                    profile.name
                )),
                Lifecycle::ExpiringSoon => warnings.push(format!(
                    "the refresh token expires within a day unless it is used: run `oci-iam-sso token --profile {}` (or log in again)",
                    profile.name
                )),
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
            warnings.push("no refresh token is stored: the access token cannot be renewed".into());
        }
        Self {
            profile: profile.name.to_string(),
            domain_url: profile.domain_url.to_string(),
            scope: profile.scope.to_string(),
            logged_in: tokens.is_some(),
            access_token,
            refresh_token,
            recent_rotations: rotations,
            warnings,
        }
    }
}

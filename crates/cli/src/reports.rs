//! The JSON reports of `--output json`: one shape per command, all here, so
//! that docs/cli.md ("JSON output") has one place to agree with.
//!
//! Rules every shape follows: every field is always present (a value that
//! may be missing is `null`, never an absent key); times are RFC 3339 strings
//! in UTC with seconds precision ([`rfc3339`]); paths are strings; no secret
//! but the access token `token` exists to print.

use std::path::Path;

use oci_iam_sso_domain::{Lifecycle, Profile, ProfileStatus};
use serde::Serialize;

use crate::clock::rfc3339;

/// `token`.
#[derive(Debug, Serialize)]
pub struct TokenReport<'a> {
    pub access_token: &'a str,
    pub token_type: &'a str,
    pub expires_at: String,
}

/// One element of `status`'s array: a profile's tokens, never a secret.
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub profile: String,
    pub domain_url: String,
    pub scope: String,
    pub logged_in: bool,
    pub access_token: Option<AccessReport>,
    pub refresh_token: Option<RefreshReport>,
    pub recent_rotations: Vec<RotationReport>,
    pub kept_aside_since: Option<String>,
    /// What the user should do, in words (the text mode's warning lines).
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AccessReport {
    pub expires_at: String,
    pub state: Lifecycle,
}

#[derive(Debug, Serialize)]
pub struct RefreshReport {
    pub issued_at: String,
    pub age_seconds: u64,
    pub generation: u64,
    pub expected_expiry: String,
    pub state: Lifecycle,
    pub chain_started_at: String,
}

#[derive(Debug, Serialize)]
pub struct RotationReport {
    pub at: String,
    pub generation: u64,
    pub fingerprint: Option<String>,
    pub recovered_from: Option<String>,
}

impl StatusReport {
    /// The domain's status, with its warnings in words.
    pub fn of(status: &ProfileStatus, warnings: Vec<String>) -> Self {
        Self {
            profile: status.profile.clone(),
            domain_url: status.domain_url.clone(),
            scope: status.scope.clone(),
            logged_in: status.logged_in,
            access_token: status.access_token.as_ref().map(|a| AccessReport {
                expires_at: rfc3339(a.expires_at),
                state: a.state,
            }),
            refresh_token: status.refresh_token.as_ref().map(|r| RefreshReport {
                issued_at: rfc3339(r.issued_at),
                age_seconds: r.age_seconds,
                generation: r.generation,
                expected_expiry: rfc3339(r.expected_expiry),
                state: r.state,
                chain_started_at: rfc3339(r.chain_started_at),
            }),
            recent_rotations: status
                .recent_rotations
                .iter()
                .map(|r| RotationReport {
                    at: rfc3339(r.at),
                    generation: r.generation.get(),
                    fingerprint: r.fingerprint.clone(),
                    recovered_from: r.recovered_from.map(rfc3339),
                })
                .collect(),
            kept_aside_since: status.kept_aside_since.map(rfc3339),
            warnings,
        }
    }
}

/// `profile list` (an array of these) and `profile show` (one, with the
/// client id). Never a token nor the client secret.
#[derive(Debug, Serialize)]
pub struct ProfileReport {
    pub name: String,
    pub domain_url: String,
    /// Only in `profile show`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub scope: String,
    pub resource_url: Option<String>,
}

impl ProfileReport {
    pub fn of(profile: &Profile, with_client_id: bool) -> Self {
        Self {
            name: profile.name.to_string(),
            domain_url: profile.domain_url.to_string(),
            client_id: with_client_id.then(|| profile.client_id.as_str().to_owned()),
            scope: profile.scope.to_string(),
            resource_url: profile.resource_url.as_ref().map(ToString::to_string),
        }
    }
}

/// `setup config`.
#[derive(Debug, Serialize)]
pub struct SetupReport {
    pub profile: String,
    pub config_file: String,
    pub tenancy: String,
    pub region: String,
}

/// `session authenticate` and `session exchange`: the session just written.
#[derive(Debug, Serialize)]
pub struct NewSessionReport {
    pub profile: String,
    pub region: String,
    pub tenancy: String,
    pub config_file: String,
    pub session_token_file: String,
    pub expires_at: String,
    /// The identity-domain profile whose token was exchanged; `null` for
    /// `session authenticate`.
    pub identity_profile: Option<String>,
}

/// `session refresh`.
#[derive(Debug, Serialize)]
pub struct RefreshedReport {
    pub profile: String,
    pub expires_at: String,
}

/// `session validate` (only on success: an invalid session is an error).
#[derive(Debug, Serialize)]
pub struct ValidReport {
    pub profile: String,
    pub valid: bool,
    pub expires_at: String,
    /// `true` when the service accepted the token, `false` with `--local`
    /// (only its expiry was compared with the clock).
    pub checked_remotely: bool,
}

/// `db-token get`.
#[derive(Debug, Serialize)]
pub struct DbTokenReport {
    pub profile: String,
    pub db_token_file: String,
    pub private_key_file: String,
    /// `null` when the token carries no readable expiry.
    pub expires_at: Option<String>,
    /// Whether the session was about to expire and was refreshed first.
    pub session_refreshed: bool,
}

/// `doctor`: what it found, each finding with its fix.
#[derive(Debug, Serialize)]
pub struct DoctorReport {
    /// How many findings have status `fix`; 0 means the exit code is 0.
    pub needs_fixing: usize,
    pub findings: Vec<FindingReport>,
}

/// One row of `doctor`'s table.
#[derive(Debug, Serialize)]
pub struct FindingReport {
    /// What was checked, such as `store key` or `OCI session`.
    pub check: String,
    /// `ok`, `info` (nothing to fix) or `fix`.
    pub status: &'static str,
    /// What was found, in one line.
    pub detail: String,
    /// What to do about it; `null` when there is nothing to do.
    pub fix: Option<String>,
}

/// A path as it goes into JSON (lossy only for names that are not UTF-8).
pub fn path_text(path: &Path) -> String {
    path.display().to_string()
}

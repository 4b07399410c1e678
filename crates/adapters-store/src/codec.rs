//! How both token stores (SQLite and PostgreSQL) encode what they keep, so
//! that the rules of encryption at rest live once: secret columns sealed with
//! AES-256-GCM and bound to their row and column (see [`crate::key`]), a
//! rotation kept aside sealed as one record bound to its store and profile,
//! remembered endpoints as JSON, and the audit trail's fingerprint column.

use oci_iam_sso_domain::{
    AccessToken, Endpoints, Generation, IssuedAccessToken, KnownEndpoints, PendingRotation,
    ProfileName, RefreshToken, Scope, ServiceUrl, StoreError, Timestamp, TokenSet,
};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::key::{Cipher, OpenFailure};

/// The associated data's column names of the sealed columns.
pub(crate) const CLIENT_ID: &str = "client_id";
pub(crate) const CLIENT_SECRET: &str = "client_secret";
pub(crate) const ACCESS_TOKEN: &str = "access_token";
pub(crate) const REFRESH_TOKEN: &str = "refresh_token";
/// The associated data's column name of a kept rotation: it cannot be passed
/// off as a column.
pub(crate) const SEAL_COLUMN: &str = "pending_rotation";

/// Seconds since the epoch by the system clock, for a profile's `created_at` and
/// `updated_at` (the audit trail takes its time from the domain's clock).
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub(crate) fn corrupt(location: &str, detail: String) -> StoreError {
    StoreError::Corrupt {
        location: location.to_owned(),
        detail,
    }
}

/// Opens one sealed column into a string; the error says which value failed
/// and why, never what it held.
pub(crate) fn open_text(
    cipher: &Cipher,
    location: &str,
    profile: &str,
    column: &str,
    sealed: &[u8],
) -> Result<String, StoreError> {
    let mut plain = cipher.open(profile, column, sealed).map_err(|failure| {
        let why = match failure {
            OpenFailure::Malformed => "is not in a format this version can read",
            OpenFailure::NotAuthentic => {
                "fails authentication (it was altered or moved from another row or column)"
            }
        };
        corrupt(
            location,
            format!("the {column} of profile `{profile}` {why}"),
        )
    })?;
    String::from_utf8(std::mem::take(&mut *plain)).map_err(|e| {
        e.into_bytes().zeroize();
        corrupt(
            location,
            format!("the {column} of profile `{profile}` is not UTF-8"),
        )
    })
}

pub(crate) fn seal_text(
    cipher: &Cipher,
    profile: &ProfileName,
    column: &str,
    secret: &str,
) -> Vec<u8> {
    cipher.seal(profile.as_str(), column, secret.as_bytes())
}

/// The `endpoints` column: what discovery found, as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct EndpointsRow {
    found_at: String,
    token: String,
    device_authorization: String,
    revocation: Option<String>,
}

pub(crate) fn endpoints_to_json(known: &KnownEndpoints) -> String {
    let row = EndpointsRow {
        found_at: known.found_at.as_str().to_owned(),
        token: known.endpoints.token.as_str().to_owned(),
        device_authorization: known.endpoints.device_authorization.as_str().to_owned(),
        revocation: known
            .endpoints
            .revocation
            .as_ref()
            .map(|u| u.as_str().to_owned()),
    };
    // Four strings: serialising cannot fail.
    serde_json::to_string(&row).unwrap_or_default()
}

/// Remembered endpoints are a cache: an unreadable value is no error, only
/// one discovery more (and the domain decides whether a readable one holds).
pub(crate) fn endpoints_from_json(profile: &str, text: &str) -> Option<KnownEndpoints> {
    let parsed = serde_json::from_str::<EndpointsRow>(text)
        .ok()
        .and_then(|row| {
            Some(KnownEndpoints::new(
                ServiceUrl::parse(&row.found_at).ok()?,
                Endpoints {
                    token: ServiceUrl::parse(&row.token).ok()?,
                    device_authorization: ServiceUrl::parse(&row.device_authorization).ok()?,
                    revocation: match row.revocation {
                        Some(url) => Some(ServiceUrl::parse(&url).ok()?),
                        None => None,
                    },
                },
            ))
        });
    if parsed.is_none() {
        tracing::warn!(
            profile,
            "the remembered endpoints are unreadable; discovering them again"
        );
    }
    parsed
}

/// The column is NOT NULL: a set without a refresh token is stored as
/// `none`, which no fingerprint (hex digits) can be.
const NO_REFRESH_TOKEN: &str = "none";

pub(crate) fn fingerprint_column(fingerprint: Option<&str>) -> &str {
    fingerprint.unwrap_or(NO_REFRESH_TOKEN)
}

pub(crate) fn fingerprint_from_column(column: String) -> Option<String> {
    (column != NO_REFRESH_TOKEN && !column.is_empty()).then_some(column)
}

/// A pending rotation as sealed into a slot. Only this module sees its
/// secrets in clear, and wipes them when done.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Record {
    base_generation: Option<u64>,
    base_refresh_token: Option<String>,
    kept_at: i64,
    generation: u64,
    access_token: Option<String>,
    token_type: Option<String>,
    access_issued_at: Option<i64>,
    access_expires_at: Option<i64>,
    refresh_token: Option<String>,
    refresh_issued_at: i64,
    scope: Option<String>,
    chain_started_at: i64,
}

/// The associated data's row: this store and this profile, so a slot opens
/// nowhere else (not in a store made later at the same path with the same key).
pub(crate) fn sealed_for_id(store_id: &str, profile: &ProfileName) -> String {
    format!("{store_id}/{profile}")
}

/// Seals `pending` for `profile` of the store `store_id`.
pub(crate) fn seal_pending(
    cipher: &Cipher,
    store_id: &str,
    profile: &ProfileName,
    pending: &PendingRotation,
) -> Vec<u8> {
    let next = &pending.next;
    let access = next.access.as_ref();
    let record = Record {
        base_generation: pending.base_generation.map(Generation::get),
        base_refresh_token: pending
            .base_refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        kept_at: pending.kept_at.unix(),
        generation: next.generation.get(),
        access_token: access.map(|a| a.token.expose_secret().to_owned()),
        token_type: access.map(|a| a.token_type.clone()),
        access_issued_at: access.map(|a| a.issued_at.unix()),
        access_expires_at: access.map(|a| a.expires_at.unix()),
        refresh_token: next
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        refresh_issued_at: next.refresh_issued_at.unix(),
        scope: next.scope.as_ref().map(ToString::to_string),
        chain_started_at: next.chain_started_at.unix(),
    };
    let json = Zeroizing::new(serde_json::to_vec(&record).unwrap_or_default());
    cipher.seal(&sealed_for_id(store_id, profile), SEAL_COLUMN, &json)
}

/// Opens a sealed rotation; `None` when it does not open (a write cut off by a
/// crash, which can only be the kept set of that very moment).
pub(crate) fn open_pending(
    cipher: &Cipher,
    store_id: &str,
    profile: &ProfileName,
    sealed: &[u8],
) -> Option<PendingRotation> {
    let json = cipher
        .open(&sealed_for_id(store_id, profile), SEAL_COLUMN, sealed)
        .ok()?;
    let record: Record = serde_json::from_slice(&json).ok()?;
    let access = match (&record.access_token, record.access_expires_at) {
        (Some(token), Some(expires_at)) => Some(IssuedAccessToken {
            token: AccessToken::new(token.as_str()),
            token_type: record
                .token_type
                .clone()
                .unwrap_or_else(|| oci_iam_sso_domain::BEARER.to_owned()),
            issued_at: Timestamp::from_unix(record.access_issued_at.unwrap_or(record.kept_at)),
            expires_at: Timestamp::from_unix(expires_at),
        }),
        _ => None,
    };
    let scope = match &record.scope {
        Some(scope) => Some(Scope::parse(scope).ok()?),
        None => None,
    };
    Some(PendingRotation {
        base_generation: record.base_generation.map(Generation::new),
        base_refresh_token: record.base_refresh_token.as_deref().map(RefreshToken::new),
        next: TokenSet {
            access,
            refresh_token: record.refresh_token.as_deref().map(RefreshToken::new),
            refresh_issued_at: Timestamp::from_unix(record.refresh_issued_at),
            scope,
            chain_started_at: Timestamp::from_unix(record.chain_started_at),
            generation: Generation::new(record.generation),
        },
        kept_at: Timestamp::from_unix(record.kept_at),
    })
}

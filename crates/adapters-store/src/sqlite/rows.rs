//! Rows to domain values and back, sealing and opening the secret columns, and
//! the queries that do not need the profile lock.

use std::time::{SystemTime, UNIX_EPOCH};

use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, Endpoints, Generation, IssuedAccessToken, KnownEndpoints,
    Profile, ProfileName, RefreshToken, RotationRecord, Scope, ServiceUrl, StoreError, Timestamp,
    TokenSet,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use zeroize::Zeroize;

use super::Shared;
use crate::key::OpenFailure;

pub(crate) const CLIENT_ID: &str = "client_id";
pub(crate) const CLIENT_SECRET: &str = "client_secret";
pub(crate) const ACCESS_TOKEN: &str = "access_token";
pub(crate) const REFRESH_TOKEN: &str = "refresh_token";

/// Seconds since the epoch by the system clock, for a profile's `created_at` and
/// `updated_at` (the audit trail takes its time from the domain's clock).
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn corrupt(shared: &Shared, detail: String) -> StoreError {
    StoreError::Corrupt {
        location: shared.location.clone(),
        detail,
    }
}

/// Opens one sealed column into a string; the error says which value failed
/// and why, never what it held.
fn open_text(
    shared: &Shared,
    profile: &str,
    column: &str,
    sealed: &[u8],
) -> Result<String, StoreError> {
    let mut plain = shared
        .cipher
        .open(profile, column, sealed)
        .map_err(|failure| {
            let why = match failure {
                OpenFailure::Malformed => "is not in a format this version can read",
                OpenFailure::NotAuthentic => {
                    "fails authentication (it was altered or moved from another row or column)"
                }
            };
            corrupt(shared, format!("the {column} of profile `{profile}` {why}"))
        })?;
    String::from_utf8(std::mem::take(&mut *plain)).map_err(|e| {
        e.into_bytes().zeroize();
        corrupt(
            shared,
            format!("the {column} of profile `{profile}` is not UTF-8"),
        )
    })
}

fn seal(shared: &Shared, profile: &ProfileName, column: &str, secret: &str) -> Vec<u8> {
    shared
        .cipher
        .seal(profile.as_str(), column, secret.as_bytes())
}

fn to_sql_u64(shared: &Shared, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Io {
        location: shared.location.clone(),
        detail: format!("generation {value} is beyond what the store can hold"),
    })
}

const PROFILE_COLUMNS: &str =
    "name, domain_url, scope, resource_url, client_id_ct, client_secret_ct, endpoints";

/// The `endpoints` column: what discovery found, as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct EndpointsRow {
    found_at: String,
    token: String,
    device_authorization: String,
    revocation: Option<String>,
}

fn endpoints_to_json(known: &KnownEndpoints) -> String {
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
fn endpoints_from_json(profile: &str, text: &str) -> Option<KnownEndpoints> {
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

fn profile_from_row(shared: &Shared, row: &Row<'_>) -> Result<Profile, StoreError> {
    let sql = |e| shared.sql_error(e);
    let name: String = row.get(0).map_err(sql)?;
    let bad = |what: &str, e: oci_iam_sso_domain::InvalidInput| {
        corrupt(
            shared,
            format!("profile `{name}` has an unreadable {what}: {e}"),
        )
    };
    let profile_name = ProfileName::new(name.clone()).map_err(|e| bad("name", e))?;
    let domain_url: String = row.get(1).map_err(sql)?;
    let scope: String = row.get(2).map_err(sql)?;
    let resource_url: Option<String> = row.get(3).map_err(sql)?;
    let client_id_ct: Vec<u8> = row.get(4).map_err(sql)?;
    let client_secret_ct: Option<Vec<u8>> = row.get(5).map_err(sql)?;
    let endpoints: Option<String> = row.get(6).map_err(sql)?;
    let client_id = open_text(shared, &name, CLIENT_ID, &client_id_ct)?;
    Ok(Profile {
        domain_url: ServiceUrl::parse(&domain_url).map_err(|e| bad("domain URL", e))?,
        client_id: ClientId::new(client_id).map_err(|e| bad("client id", e))?,
        scope: Scope::parse(&scope).map_err(|e| bad("scope", e))?,
        resource_url: resource_url
            .map(|u| ServiceUrl::parse(&u))
            .transpose()
            .map_err(|e| bad("resource URL", e))?,
        client_secret: client_secret_ct
            .map(|ct| open_text(shared, &name, CLIENT_SECRET, &ct).map(ClientSecret::new))
            .transpose()?,
        endpoints: endpoints.and_then(|text| endpoints_from_json(&name, &text)),
        name: profile_name,
    })
}

pub(crate) fn all_profiles(shared: &Shared) -> Result<Vec<Profile>, StoreError> {
    let conn = shared.conn();
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles ORDER BY name"
        ))
        .map_err(|e| shared.sql_error(e))?;
    let mut rows = statement.query([]).map_err(|e| shared.sql_error(e))?;
    let mut profiles = Vec::new();
    while let Some(row) = rows.next().map_err(|e| shared.sql_error(e))? {
        profiles.push(profile_from_row(shared, row)?);
    }
    Ok(profiles)
}

pub(crate) fn one_profile(
    shared: &Shared,
    name: &ProfileName,
) -> Result<Option<Profile>, StoreError> {
    let conn = shared.conn();
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles WHERE name = ?1"
        ))
        .map_err(|e| shared.sql_error(e))?;
    let mut rows = statement
        .query([name.as_str()])
        .map_err(|e| shared.sql_error(e))?;
    match rows.next().map_err(|e| shared.sql_error(e))? {
        Some(row) => profile_from_row(shared, row).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn put_profile(shared: &Shared, profile: &Profile) -> Result<(), StoreError> {
    let name = &profile.name;
    let client_id = seal(shared, name, CLIENT_ID, profile.client_id.as_str());
    let client_secret = profile
        .client_secret
        .as_ref()
        .map(|s| seal(shared, name, CLIENT_SECRET, s.expose_secret()));
    let now = now_unix();
    let conn = shared.conn();
    conn.prepare_cached(
        "INSERT INTO profiles (name, domain_url, scope, resource_url, client_id_ct,
                               client_secret_ct, created_at, updated_at, endpoints)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
         ON CONFLICT (name) DO UPDATE SET
             domain_url = excluded.domain_url, scope = excluded.scope,
             resource_url = excluded.resource_url, client_id_ct = excluded.client_id_ct,
             client_secret_ct = excluded.client_secret_ct, updated_at = excluded.updated_at,
             endpoints = excluded.endpoints",
    )
    .and_then(|mut s| {
        s.execute(params![
            name.as_str(),
            profile.domain_url.as_str(),
            profile.scope.to_string(),
            profile.resource_url.as_ref().map(ServiceUrl::as_str),
            client_id,
            client_secret,
            now,
            profile.endpoints.as_ref().map(endpoints_to_json),
        ])
    })
    .map_err(|e| shared.sql_error(e))?;
    Ok(())
}

/// Sets the remembered endpoints of `name` while its domain URL is still the
/// one they were found at; `false` when no row matched.
pub(crate) fn remember_endpoints(
    shared: &Shared,
    name: &ProfileName,
    known: &KnownEndpoints,
) -> Result<bool, StoreError> {
    let changed = shared
        .conn()
        .prepare_cached("UPDATE profiles SET endpoints = ?2 WHERE name = ?1 AND domain_url = ?3")
        .and_then(|mut s| {
            s.execute(params![
                name.as_str(),
                endpoints_to_json(known),
                known.found_at.as_str(),
            ])
        })
        .map_err(|e| shared.sql_error(e))?;
    Ok(changed > 0)
}

pub(crate) fn remove_profile(shared: &Shared, name: &ProfileName) -> Result<bool, StoreError> {
    let mut conn = shared.conn();
    let sql = |e| shared.sql_error(e);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    let profiles = tx
        .execute("DELETE FROM profiles WHERE name = ?1", [name.as_str()])
        .map_err(sql)?;
    let tokens = tx
        .execute("DELETE FROM tokens WHERE profile = ?1", [name.as_str()])
        .map_err(sql)?;
    tx.execute("DELETE FROM rotations WHERE profile = ?1", [name.as_str()])
        .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(profiles + tokens > 0)
}

const TOKEN_COLUMNS: &str = "generation, access_ct, token_type, access_expires_at, refresh_ct,
                             refresh_issued_at, scope, chain_started_at, access_issued_at";

/// The committed token set of `name` (one autocommit SELECT: a whole snapshot).
pub(crate) fn read_tokens(
    shared: &Shared,
    name: &ProfileName,
) -> Result<Option<TokenSet>, StoreError> {
    let conn = shared.conn();
    read_tokens_with(shared, &conn, name)
}

pub(crate) fn read_tokens_with(
    shared: &Shared,
    conn: &Connection,
    name: &ProfileName,
) -> Result<Option<TokenSet>, StoreError> {
    let sql = |e| shared.sql_error(e);
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE profile = ?1"
        ))
        .map_err(sql)?;
    let mut rows = statement.query([name.as_str()]).map_err(sql)?;
    let Some(row) = rows.next().map_err(sql)? else {
        return Ok(None);
    };
    let generation: i64 = row.get(0).map_err(sql)?;
    let access_ct: Option<Vec<u8>> = row.get(1).map_err(sql)?;
    let token_type: Option<String> = row.get(2).map_err(sql)?;
    let access_expires_at: Option<i64> = row.get(3).map_err(sql)?;
    let refresh_ct: Option<Vec<u8>> = row.get(4).map_err(sql)?;
    let scope: Option<String> = row.get(6).map_err(sql)?;
    let refresh_issued_at: i64 = row.get(5).map_err(sql)?;
    // Stores written before version 2 did not record it.
    let access_issued_at: Option<i64> = row.get(8).map_err(sql)?;
    let profile = name.as_str();
    let access = match (access_ct, access_expires_at) {
        (Some(ct), Some(expires_at)) => Some(IssuedAccessToken {
            token: AccessToken::new(open_text(shared, profile, ACCESS_TOKEN, &ct)?),
            token_type: token_type.unwrap_or_else(|| oci_iam_sso_domain::BEARER.to_owned()),
            issued_at: Timestamp::from_unix(access_issued_at.unwrap_or(refresh_issued_at)),
            expires_at: Timestamp::from_unix(expires_at),
        }),
        _ => None,
    };
    Ok(Some(TokenSet {
        access,
        refresh_token: refresh_ct
            .map(|ct| open_text(shared, profile, REFRESH_TOKEN, &ct).map(RefreshToken::new))
            .transpose()?,
        refresh_issued_at: Timestamp::from_unix(refresh_issued_at),
        scope: scope
            .map(|s| Scope::parse(&s))
            .transpose()
            .map_err(|e| corrupt(shared, format!("profile `{profile}` has a bad scope: {e}")))?,
        chain_started_at: Timestamp::from_unix(row.get(7).map_err(sql)?),
        generation: Generation::new(u64::try_from(generation).map_err(|_| {
            corrupt(
                shared,
                format!("profile `{profile}` has a negative generation"),
            )
        })?),
    }))
}

/// The stored generation of `name`, for the compare-and-swap.
pub(crate) fn stored_generation(
    conn: &Connection,
    name: &ProfileName,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT generation FROM tokens WHERE profile = ?1",
        [name.as_str()],
        |row| row.get(0),
    )
    .optional()
}

/// Writes `tokens` as the set of `name` (the caller checked the generation).
pub(crate) fn write_tokens(
    shared: &Shared,
    conn: &Connection,
    name: &ProfileName,
    tokens: &TokenSet,
) -> Result<(), StoreError> {
    let access = tokens.access.as_ref();
    let access_ct = access.map(|a| seal(shared, name, ACCESS_TOKEN, a.token.expose_secret()));
    let refresh_ct = tokens
        .refresh_token
        .as_ref()
        .map(|r| seal(shared, name, REFRESH_TOKEN, r.expose_secret()));
    let generation = to_sql_u64(shared, tokens.generation.get())?;
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO tokens (profile, {TOKEN_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            name.as_str(),
            generation,
            access_ct,
            access.map(|a| a.token_type.as_str()),
            access.map(|a| a.expires_at.unix()),
            refresh_ct,
            tokens.refresh_issued_at.unix(),
            tokens.scope.as_ref().map(ToString::to_string),
            tokens.chain_started_at.unix(),
            access.map(|a| a.issued_at.unix()),
        ])
    })
    .map_err(|e| shared.sql_error(e))?;
    Ok(())
}

/// The column is NOT NULL: a set without a refresh token is stored as
/// `none`, which no fingerprint (hex digits) can be.
const NO_REFRESH_TOKEN: &str = "none";

pub(crate) fn fingerprint_column(fingerprint: Option<&str>) -> &str {
    fingerprint.unwrap_or(NO_REFRESH_TOKEN)
}

fn fingerprint_from_column(column: String) -> Option<String> {
    (column != NO_REFRESH_TOKEN && !column.is_empty()).then_some(column)
}

pub(crate) fn rotations(
    shared: &Shared,
    name: &ProfileName,
    limit: usize,
) -> Result<Vec<RotationRecord>, StoreError> {
    let sql = |e| shared.sql_error(e);
    let conn = shared.conn();
    let mut statement = conn
        .prepare_cached(
            "SELECT at, generation, fingerprint, recovered_from FROM rotations
             WHERE profile = ?1 ORDER BY id DESC LIMIT ?2",
        )
        .map_err(sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let records = statement
        .query_map(params![name.as_str(), limit], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get(2)?,
                row.get::<_, Option<i64>>(3)?,
            ))
        })
        .map_err(sql)?;
    records
        .map(|record| {
            let (at, generation, fingerprint, recovered_from) = record.map_err(sql)?;
            Ok(RotationRecord {
                at: Timestamp::from_unix(at),
                generation: Generation::new(u64::try_from(generation).unwrap_or(0)),
                fingerprint: fingerprint_from_column(fingerprint),
                recovered_from: recovered_from.map(Timestamp::from_unix),
            })
        })
        .collect()
}

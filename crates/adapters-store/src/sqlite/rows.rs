//! Rows to domain values and back, sealing and opening the secret columns, and
//! the queries that do not need the profile lock.

use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, Generation, IssuedAccessToken, KnownEndpoints, Profile,
    ProfileName, RefreshToken, RotationRecord, Scope, ServiceUrl, StoreError, Timestamp, TokenSet,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Shared;
use crate::codec::{
    ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, endpoints_from_json, endpoints_to_json,
    fingerprint_from_column, seal_text,
};
pub(crate) use crate::codec::{fingerprint_column, now_unix};

fn open_text(
    shared: &Shared,
    profile: &str,
    column: &str,
    sealed: &[u8],
) -> Result<String, StoreError> {
    crate::codec::open_text(&shared.cipher, &shared.location, profile, column, sealed)
}

fn seal(shared: &Shared, profile: &ProfileName, column: &str, secret: &str) -> Vec<u8> {
    seal_text(&shared.cipher, profile, column, secret)
}

fn corrupt(shared: &Shared, detail: String) -> StoreError {
    StoreError::Corrupt {
        location: shared.location.clone(),
        detail,
    }
}

fn to_sql_u64(shared: &Shared, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Io {
        location: shared.location.clone(),
        detail: format!("generation {value} is beyond what the store can hold"),
    })
}

const PROFILE_COLUMNS: &str =
    "name, domain_url, scope, resource_url, client_id_ct, client_secret_ct, endpoints";

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

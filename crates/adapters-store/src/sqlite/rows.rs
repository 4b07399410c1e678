//! The SQLite queries that do not need the profile lock; rows become domain
//! values through `crate::row_codec`, as in the PostgreSQL store.

use oci_iam_sso_domain::{
    Generation, KnownEndpoints, Profile, ProfileName, RotationRecord, StoreError, Timestamp,
    TokenSet,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Shared;
use crate::codec::{endpoints_to_json, fingerprint_from_column};
pub(crate) use crate::codec::{fingerprint_column, now_unix};
use crate::row_codec::{PROFILE_COLUMNS, ProfileRow, TOKEN_COLUMNS, TokenRow};

/// The profile of a row selected with [`PROFILE_COLUMNS`].
fn profile_from_row(shared: &Shared, row: &Row<'_>) -> Result<Profile, StoreError> {
    let sql = |e| shared.sql_error(e);
    ProfileRow {
        name: row.get(0).map_err(sql)?,
        domain_url: row.get(1).map_err(sql)?,
        scope: row.get(2).map_err(sql)?,
        resource_url: row.get(3).map_err(sql)?,
        client_id_ct: row.get(4).map_err(sql)?,
        client_secret_ct: row.get(5).map_err(sql)?,
        endpoints: row.get(6).map_err(sql)?,
    }
    .open(&shared.cipher, &shared.location)
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
    let row = ProfileRow::seal(&shared.cipher, profile);
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
            row.name,
            row.domain_url,
            row.scope,
            row.resource_url,
            row.client_id_ct,
            row.client_secret_ct,
            now,
            row.endpoints,
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
    TokenRow {
        generation: row.get(0).map_err(sql)?,
        access_ct: row.get(1).map_err(sql)?,
        token_type: row.get(2).map_err(sql)?,
        access_expires_at: row.get(3).map_err(sql)?,
        refresh_ct: row.get(4).map_err(sql)?,
        refresh_issued_at: row.get(5).map_err(sql)?,
        scope: row.get(6).map_err(sql)?,
        chain_started_at: row.get(7).map_err(sql)?,
        access_issued_at: row.get(8).map_err(sql)?,
    }
    .open(&shared.cipher, &shared.location, name)
    .map(Some)
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
    let row = TokenRow::seal(&shared.cipher, &shared.location, name, tokens)?;
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO tokens (profile, {TOKEN_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            name.as_str(),
            row.generation,
            row.access_ct,
            row.token_type,
            row.access_expires_at,
            row.refresh_ct,
            row.refresh_issued_at,
            row.scope,
            row.chain_started_at,
            row.access_issued_at,
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

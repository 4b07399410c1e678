//! The database schema, its version (`PRAGMA user_version`) and its migrations.
//!
//! `application_id` marks the file as ours, so a foreign SQLite database is
//! refused (and left alone) instead of having tables added to it.

use rusqlite::Transaction;

/// `PRAGMA application_id`: "OCIS" in ASCII.
pub(crate) const APPLICATION_ID: i64 = 0x4f43_4953;

/// The schema this build writes and understands.
pub(crate) const SCHEMA_VERSION: u32 = 3;

pub(crate) use crate::row_codec::ROTATIONS_KEPT;

/// Keys of the `meta` table and the key check: one home, shared with the PostgreSQL store.
pub(crate) use crate::key::meta;
pub(crate) use crate::key::unlock::{KEY_CHECK_PLAINTEXT, KEY_CHECK_ROW};

/// Version 1: everything. Secret columns end in `_ct` (sealed with AES-256-GCM).
/// No foreign keys from `tokens` to `profiles`: a profile may be defined in a
/// settings file and still keep its tokens here; `remove_profile` deletes both.
const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value ANY NOT NULL
) STRICT;
CREATE TABLE profiles (
    name             TEXT PRIMARY KEY,
    domain_url       TEXT NOT NULL,
    scope            TEXT NOT NULL,
    resource_url     TEXT,
    client_id_ct     BLOB NOT NULL,
    client_secret_ct BLOB,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE TABLE tokens (
    profile           TEXT PRIMARY KEY,
    generation        INTEGER NOT NULL CHECK (generation >= 0),
    access_ct         BLOB,
    token_type        TEXT,
    access_expires_at INTEGER,
    refresh_ct        BLOB,
    refresh_issued_at INTEGER NOT NULL,
    scope             TEXT,
    chain_started_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE rotations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    profile     TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    fingerprint TEXT NOT NULL
) STRICT;
CREATE INDEX rotations_by_profile ON rotations (profile, id);
";

/// Version 2: the access token's issue time (its lifetime caps the refresh
/// margin), and in the audit trail when a set was recovered from the slot it
/// was kept aside in (the time it was kept), because saving it had failed.
const V2: &str = "
ALTER TABLE tokens ADD COLUMN access_issued_at INTEGER;
ALTER TABLE rotations ADD COLUMN recovered_from INTEGER;
";

/// Version 3: the endpoints discovery found for a profile (JSON, not secret:
/// URLs on the domain's own origin), so a refreshing process need not ask
/// again. Existing rows keep everything and start with none.
const V3: &str = "
ALTER TABLE profiles ADD COLUMN endpoints TEXT;
";

/// `MIGRATIONS[i]` takes a store from version `i` to `i + 1`; version 0 is empty.
const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// Brings a store from `from` up to [`SCHEMA_VERSION`] inside the caller's
/// transaction (which is `IMMEDIATE`, so concurrent openers take turns).
pub(crate) fn migrate(tx: &Transaction<'_>, from: u32) -> rusqlite::Result<()> {
    if from < SCHEMA_VERSION {
        tracing::debug!(
            from,
            to = SCHEMA_VERSION,
            "migrating the token store's schema"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn migrations_reach_the_current_version() {
        assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        migrate(&tx, 0).unwrap();
        tx.commit().unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }
}

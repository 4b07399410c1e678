//! The PostgreSQL schema, its version table and migrations, and the store key.
//!
//! Opening runs in one transaction under a transaction-scoped advisory lock,
//! so many hosts may open (and create, or migrate) one store at once: the
//! first creates it, the others find it. A newer schema gives `TooNew` and a
//! wrong key `WrongKey`, both before anything is written.

use oci_iam_sso_domain::StoreError;
use tokio_postgres::{Client, GenericClient};

use crate::key::{self, Cipher, KeySettings, MetaValue, PreparedKey, meta};

/// The schema this build writes and understands.
pub(crate) const SCHEMA_VERSION: u32 = 1;

pub(crate) use crate::row_codec::ROTATIONS_KEPT;

/// The advisory lock openers take turns on ("OCISSCHM").
const SCHEMA_LOCK: i64 = 0x4f43_4953_5343_484d;

/// Version 1: everything; the same tables and columns as the SQLite store's
/// version 3. Secret columns end in `_ct` (AES-256-GCM, sealed by this
/// program: the server never sees a token, client id or secret in clear).
/// `pending` holds one rotation kept aside per profile, sealed like the
/// slot files of the SQLite store, written in its own committed transaction.
const V1: &str = "
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE profiles (
    name             text PRIMARY KEY,
    domain_url       text NOT NULL,
    scope            text NOT NULL,
    resource_url     text,
    client_id_ct     bytea NOT NULL,
    client_secret_ct bytea,
    endpoints        text,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL
);
CREATE TABLE tokens (
    profile           text PRIMARY KEY,
    generation        bigint NOT NULL CHECK (generation >= 0),
    access_ct         bytea,
    token_type        text,
    access_issued_at  bigint,
    access_expires_at bigint,
    refresh_ct        bytea,
    refresh_issued_at bigint NOT NULL,
    scope             text,
    chain_started_at  bigint NOT NULL
);
CREATE TABLE rotations (
    id             bigserial PRIMARY KEY,
    profile        text NOT NULL,
    generation     bigint NOT NULL,
    at             bigint NOT NULL,
    fingerprint    text NOT NULL,
    recovered_from bigint
);
CREATE INDEX rotations_by_profile ON rotations (profile, id);
CREATE TABLE pending (
    profile text PRIMARY KEY,
    sealed  bytea
);
";

/// `MIGRATIONS[i]` takes a store from version `i` to `i + 1`; version 0 is empty.
const MIGRATIONS: &[&str] = &[V1];

/// What opening found and settled.
pub(crate) struct Opened {
    pub(crate) cipher: Cipher,
    pub(crate) store_id: String,
}

/// Creates or migrates the schema and checks (or sets up) the key.
pub(crate) async fn open(
    client: &mut Client,
    schema: &str,
    location: &str,
    key: &PreparedKey<'_>,
) -> Result<Opened, OpenError> {
    // The common case, every run of every host: the store is there, at this
    // version. No DDL and no lock (and no CREATE privilege needed).
    if current_version(&*client).await? == Some(SCHEMA_VERSION) {
        let stored = key_settings(&*client).await?;
        let unlocked = key::unlock(key, &stored, location).map_err(OpenError::Store)?;
        return Ok(Opened {
            cipher: unlocked.cipher,
            store_id: unlocked.store_id,
        });
    }
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await?;
    let exists: bool = tx
        .query_one("SELECT to_regnamespace($1) IS NOT NULL", &[&schema])
        .await?
        .get(0);
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
            .await?;
    }
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS \"{schema}\".schema_version (version integer NOT NULL)"
    ))
    .await?;
    let found = current_version(&tx).await?.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(OpenError::Store(StoreError::TooNew {
            location: location.to_owned(),
            found,
            known: SCHEMA_VERSION,
        }));
    }
    let stored = key_settings(&tx).await?;
    // An existing store must open with this key before anything is written.
    let unlocked = match &stored.check {
        Some(_) => Some(key::unlock(key, &stored, location).map_err(OpenError::Store)?),
        None if found > 0 => {
            return Err(OpenError::Store(StoreError::Corrupt {
                location: location.to_owned(),
                detail: "it has no key-check value".to_owned(),
            }));
        }
        None => None,
    };
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::debug!(to = index + 1, "migrating the PostgreSQL token store");
        tx.batch_execute(sql).await?;
        tx.execute("DELETE FROM schema_version", &[]).await?;
        let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await?;
    }
    let unlocked = match unlocked {
        Some(unlocked) => unlocked,
        None => {
            let (unlocked, settings) = key::initialise(key).map_err(OpenError::Store)?;
            for (name, value) in settings.rows() {
                let value = match value {
                    MetaValue::Text(text) => text.as_bytes(),
                    MetaValue::Blob(blob) => blob,
                };
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2)",
                    &[&name, &value],
                )
                .await?;
            }
            unlocked
        }
    };
    tx.commit().await?;
    Ok(Opened {
        cipher: unlocked.cipher,
        store_id: unlocked.store_id,
    })
}

/// The schema version, `None` when the version table is missing (or, for a
/// store that is being created, empty).
async fn current_version(client: &impl GenericClient) -> Result<Option<u32>, OpenError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let found: Option<i32> = client
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await?
        .get(0);
    Ok(found.map(|v| u32::try_from(v).unwrap_or(0)))
}

async fn key_settings(tx: &impl GenericClient) -> Result<KeySettings, OpenError> {
    let exists: Option<String> = tx
        .query_one("SELECT to_regclass('meta')::text", &[])
        .await?
        .get(0);
    let mut settings = KeySettings::default();
    if exists.is_none() {
        return Ok(settings);
    }
    for row in tx.query("SELECT key, value FROM meta", &[]).await? {
        let name: String = row.get(0);
        let value: Vec<u8> = row.get(1);
        let text = || String::from_utf8(value.clone()).ok();
        match name.as_str() {
            meta::KDF => settings.kdf = text(),
            meta::KDF_SALT => settings.salt = Some(value),
            meta::KDF_ITERATIONS => settings.iterations = text(),
            meta::KEY_CHECK => settings.check = Some(value),
            meta::KEY_SOURCE => settings.source = text(),
            meta::STORE_ID => settings.store_id = text(),
            _ => {}
        }
    }
    Ok(settings)
}

/// A failure while opening: the database's, or the store's own verdict.
pub(crate) enum OpenError {
    Sql(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for OpenError {
    fn from(error: tokio_postgres::Error) -> Self {
        OpenError::Sql(error)
    }
}

//! The shared PostgreSQL token store, for fleets of hosts (cargo feature
//! `postgres`).
//!
//! The same tables and the same encryption at rest as the SQLite store: every
//! token, client id and client secret is sealed here, with the same code
//! (`crate::codec`, `crate::key`), before it is sent; the server sees only
//! ciphertext. Every host must therefore use the same store key
//! (`OCI_IAM_SSO_KEY` or a passphrase; a key file copied to each host).
//!
//! The profile lock is a transaction-scoped advisory lock
//! (`pg_advisory_xact_lock`) held by an open transaction on a connection of
//! its own for as long as the guard lives: the server frees it when that
//! connection ends, however the process dies. Writes go through the store's
//! connection, each in its own committed transaction, because the port needs
//! several durable commits under one lock (the rotation kept aside, then the
//! compare-and-swap). See `docs/adapter-guide.md`.
//!
//! Files: `connect.rs` (the URL, TLS, timeouts), `schema.rs` (version table,
//! migrations, the key), `rows.rs` (rows and values), `lock.rs` (the guard
//! and the compare-and-swap).

mod connect;
mod lock;
mod rows;
mod schema;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    KnownEndpoints, PendingRotation, Profile, ProfileLock, ProfileName, RotationRecord, StoreError,
    TokenSet, TokenStore,
};
use tokio::sync::{Mutex, MutexGuard, OnceCell};
use tokio_postgres::Client;

use crate::key::{Cipher, KeySource, PreparedKey};
use crate::sqlite::pending::PendingSlot;
use connect::Target;

pub use connect::DEFAULT_SCHEMA;
pub use lock::PostgresProfileLock;

/// The variable the CLI reads a store URL from (it selects this store).
pub const STORE_URL_ENV_VAR: &str = "OCI_IAM_SSO_STORE_URL";

/// Timeouts of the PostgreSQL store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The longest wait for a profile lock or a row lock (`lock_timeout`).
    pub lock_timeout: Duration,
    /// The longest wait to connect, TLS handshake included. Statements that
    /// wait for no lock end after three times this (`statement_timeout`).
    pub connect_timeout: Duration,
    /// A directory on this host for the rotation kept aside when the server
    /// cannot take it (it went away during the grant): sealed slot files, as
    /// the SQLite store keeps them. The next run on this host adopts it.
    /// `None`: the database's `pending` table only.
    pub local_pending_dir: Option<PathBuf>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            lock_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            local_pending_dir: None,
        }
    }
}

/// The opened store: its connection, key and identity.
pub(crate) struct Ready {
    conn: Mutex<Client>,
    cipher: Cipher,
    store_id: String,
    location: String,
    options: PostgresOptions,
    target: Arc<Target>,
}

impl Ready {
    /// The store's connection, opened again when the server dropped it (a
    /// restart): the next call works without a new process.
    async fn client(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        let mut client = self.conn.lock().await;
        if client.is_closed() {
            *client = self.target.connect(&self.options).await?;
        }
        Ok(client)
    }

    pub(crate) fn error(&self, error: &tokio_postgres::Error) -> StoreError {
        connect::store_error(&self.location, self.options.lock_timeout, error)
    }
}

/// The PostgreSQL token store. Construction parses the URL and nothing else;
/// the first call connects, creates or migrates the schema and checks the key.
pub struct PostgresTokenStore {
    target: Arc<Target>,
    key: KeySource,
    options: PostgresOptions,
    ready: OnceCell<Arc<Ready>>,
}

impl std::fmt::Debug for PostgresTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTokenStore")
            .field("location", &self.target.location)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PostgresTokenStore {
    /// A store at `url` (`postgres://user:password@host:port/database`, with
    /// libpq's `sslmode` and our `schema` and `sslrootcert` parameters). A
    /// malformed URL or base64 key is reported now; the server is first
    /// contacted by the first call.
    pub fn open(
        url: &str,
        key: KeySource,
        options: PostgresOptions,
    ) -> Result<PostgresTokenStore, StoreError> {
        let target = Target::parse(url, &options)?;
        // A fleet's hosts share the store, not one keyring: the key has to
        // reach each of them another way.
        if matches!(key, KeySource::Keyring) {
            return Err(StoreError::KeyUnavailable {
                reason: "the PostgreSQL store takes its key from OCI_IAM_SSO_KEY, a key file or a passphrase; the OS keyring serves SQLite stores only".to_owned(),
            });
        }
        PreparedKey::from_source(&key)?;
        Ok(Self {
            target: Arc::new(target),
            key,
            options,
            ready: OnceCell::new(),
        })
    }

    /// Where the store is, without the password.
    pub fn location(&self) -> &str {
        &self.target.location
    }

    fn local_slot(&self, name: &ProfileName) -> Option<PendingSlot> {
        self.options
            .local_pending_dir
            .as_deref()
            .map(|dir| PendingSlot::new(dir, name))
    }

    async fn ready(&self) -> Result<&Arc<Ready>, StoreError> {
        self.ready
            .get_or_try_init(|| async {
                let mut client = self.target.connect(&self.options).await?;
                let key = PreparedKey::from_source(&self.key)?;
                let location = &self.target.location;
                let opened = schema::open(&mut client, &self.target.schema, location, &key)
                    .await
                    .map_err(|e| match e {
                        schema::OpenError::Store(error) => error,
                        schema::OpenError::Sql(error) => {
                            connect::store_error(location, self.options.lock_timeout, &error)
                        }
                    })?;
                tracing::debug!(%location, schema = schema::SCHEMA_VERSION, "token store opened");
                Ok(Arc::new(Ready {
                    conn: Mutex::new(client),
                    cipher: opened.cipher,
                    store_id: opened.store_id,
                    location: location.clone(),
                    options: self.options.clone(),
                    target: self.target.clone(),
                }))
            })
            .await
    }
}

/// The rotation kept aside for `name`: the database's row, or this host's
/// slot when the server could not take it; the later one when both hold one
/// (the domain adopts it only over exactly the set it was made from).
async fn read_pending(
    ready: &Ready,
    slot: Option<&PendingSlot>,
    name: &ProfileName,
) -> Result<Option<PendingRotation>, StoreError> {
    let in_db = {
        let client = ready.client().await?;
        rows::read_pending(ready, &*client, name).await?
    };
    let Some(slot) = slot else {
        return Ok(in_db);
    };
    let sealed = slot.read().map_err(|e| StoreError::Io {
        location: slot.location(),
        detail: format!("cannot read the token set kept aside: {e}"),
    })?;
    let on_host = sealed.and_then(|sealed| {
        crate::codec::open_pending(&ready.cipher, &ready.store_id, name, &sealed)
    });
    Ok(match (in_db, on_host) {
        (Some(db), Some(host)) if host.next.generation > db.next.generation => Some(host),
        (Some(db), _) => Some(db),
        (None, host) => host,
    })
}

#[async_trait]
impl TokenStore for PostgresTokenStore {
    async fn profiles(&self) -> Result<Vec<Profile>, StoreError> {
        let ready = self.ready().await?;
        let client = ready.client().await?;
        // Byte order, as SQLite sorts: not the database's collation.
        let rows = client
            .query(
                &format!(
                    "SELECT {} FROM profiles ORDER BY name COLLATE \"C\"",
                    rows::PROFILE_COLUMNS
                ),
                &[],
            )
            .await
            .map_err(|e| ready.error(&e))?;
        rows.iter()
            .map(|row| rows::profile_from_row(ready, row))
            .collect()
    }

    async fn profile(&self, name: &ProfileName) -> Result<Option<Profile>, StoreError> {
        let ready = self.ready().await?;
        let client = ready.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {} FROM profiles WHERE name = $1",
                    rows::PROFILE_COLUMNS
                ),
                &[&name.as_str()],
            )
            .await
            .map_err(|e| ready.error(&e))?;
        row.map(|row| rows::profile_from_row(ready, &row))
            .transpose()
    }

    async fn put_profile(&self, profile: &Profile) -> Result<(), StoreError> {
        let ready = self.ready().await?;
        let row = crate::row_codec::ProfileRow::seal(&ready.cipher, profile);
        let now = crate::codec::now_unix();
        let client = ready.client().await?;
        client
            .execute(
                "INSERT INTO profiles (name, domain_url, scope, resource_url, client_id_ct,
                                       client_secret_ct, created_at, updated_at, endpoints)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
                 ON CONFLICT (name) DO UPDATE SET
                     domain_url = excluded.domain_url, scope = excluded.scope,
                     resource_url = excluded.resource_url, client_id_ct = excluded.client_id_ct,
                     client_secret_ct = excluded.client_secret_ct,
                     updated_at = excluded.updated_at, endpoints = excluded.endpoints",
                &[
                    &row.name,
                    &row.domain_url,
                    &row.scope,
                    &row.resource_url,
                    &row.client_id_ct,
                    &row.client_secret_ct,
                    &now,
                    &row.endpoints,
                ],
            )
            .await
            .map_err(|e| ready.error(&e))?;
        Ok(())
    }

    async fn remember_endpoints(
        &self,
        name: &ProfileName,
        known: &KnownEndpoints,
    ) -> Result<bool, StoreError> {
        let ready = self.ready().await?;
        let client = ready.client().await?;
        let changed = client
            .execute(
                "UPDATE profiles SET endpoints = $2 WHERE name = $1 AND domain_url = $3",
                &[
                    &name.as_str(),
                    &crate::codec::endpoints_to_json(known),
                    &known.found_at.as_str(),
                ],
            )
            .await
            .map_err(|e| ready.error(&e))?;
        Ok(changed > 0)
    }

    async fn remove_profile(&self, name: &ProfileName) -> Result<bool, StoreError> {
        let ready = self.ready().await?;
        let mut client = ready.client().await?;
        let sql = |e: tokio_postgres::Error| ready.error(&e);
        let tx = client.transaction().await.map_err(sql)?;
        let profile = name.as_str();
        let profiles = tx
            .execute("DELETE FROM profiles WHERE name = $1", &[&profile])
            .await
            .map_err(sql)?;
        let tokens = tx
            .execute("DELETE FROM tokens WHERE profile = $1", &[&profile])
            .await
            .map_err(sql)?;
        for table in ["rotations", "pending"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE profile = $1"),
                &[&profile],
            )
            .await
            .map_err(sql)?;
        }
        tx.commit().await.map_err(sql)?;
        if let Some(slot) = self.local_slot(name) {
            slot.remove().map_err(|e| StoreError::Io {
                location: slot.location(),
                detail: format!("cannot delete the token set kept aside: {e}"),
            })?;
        }
        Ok(profiles + tokens > 0)
    }

    async fn tokens(&self, name: &ProfileName) -> Result<Option<TokenSet>, StoreError> {
        let ready = self.ready().await?;
        let client = ready.client().await?;
        rows::read_tokens(ready, &*client, name).await
    }

    async fn pending(&self, name: &ProfileName) -> Result<Option<PendingRotation>, StoreError> {
        let ready = self.ready().await?;
        let slot = self.local_slot(name);
        read_pending(ready, slot.as_ref(), name).await
    }

    async fn lock(&self, name: &ProfileName) -> Result<Box<dyn ProfileLock>, StoreError> {
        let ready = self.ready().await?.clone();
        let guard = PostgresProfileLock::acquire(ready, name.clone()).await?;
        Ok(Box::new(guard))
    }

    async fn rotations(
        &self,
        name: &ProfileName,
        limit: usize,
    ) -> Result<Vec<RotationRecord>, StoreError> {
        let ready = self.ready().await?;
        let client = ready.client().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(
                "SELECT at, generation, fingerprint, recovered_from FROM rotations
                 WHERE profile = $1 ORDER BY id DESC LIMIT $2",
                &[&name.as_str(), &limit],
            )
            .await
            .map_err(|e| ready.error(&e))?;
        Ok(rows.iter().map(rows::rotation_from_row).collect())
    }
}

//! The encrypted SQLite token store.
//!
//! One file (rollback journal, `synchronous=EXTRA`) holds profiles, token sets and the
//! rotation audit trail; client ids, client secrets, access and refresh tokens
//! are sealed with AES-256-GCM (see [`crate::key`]). Per-profile locks are OS
//! file locks in a directory beside the database (`<db>.locks/<profile>.lock`),
//! so they exclude other processes and other guards of this process alike.
//!
//! Files: `open.rs` (checks before any write, key verification, schema setup),
//! `schema.rs`, `rows.rs` (encoding rows and the queries), `lock.rs` (the guard
//! and the compare-and-swap).

mod lock;
mod open;
pub(crate) mod pending;
mod rekey;
mod rows;
mod schema;
mod store_lock;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    KnownEndpoints, PendingRotation, Profile, ProfileLock, ProfileName, RotationRecord, StoreError,
    TokenSet, TokenStore,
};
use rusqlite::{Connection, ErrorCode};

pub(crate) use crate::key::KeyHome;
use crate::key::{Cipher, KeySource, KeySourceKind};

pub use lock::SqliteProfileLock;
pub use rekey::{RekeyFault, RekeyReport};

/// How the store behaves under contention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// The longest wait for a profile lock, and for SQLite's own write lock;
    /// at most [`StoreOptions::MAX_LOCK_TIMEOUT`].
    pub lock_timeout: Duration,
}

impl StoreOptions {
    /// SQLite's busy timeout is a C `int` of milliseconds: about 24.8 days.
    pub const MAX_LOCK_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            lock_timeout: Duration::from_secs(10),
        }
    }
}

/// What the store and its lock guards share.
pub(crate) struct Shared {
    conn: Mutex<Connection>,
    cipher: Cipher,
    /// The store-wide lock, held shared (see `store_lock`).
    store_lock: std::fs::File,
    /// Where this handle's key lives: what a rekey moves it from.
    key_home: KeyHome,
    location: String,
    lock_dir: PathBuf,
    /// Rotations kept aside, one slot per profile.
    pending_dir: PathBuf,
    /// Tells this store from any other (see `open`); slots are sealed to it.
    store_id: String,
    options: StoreOptions,
}

impl Shared {
    /// The connection. A panic while it was held left no open transaction behind
    /// (rusqlite rolls back on drop), so a poisoned mutex is still safe to use.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn sql_error(&self, error: rusqlite::Error) -> StoreError {
        sql_error(&self.location, self.options.lock_timeout, error)
    }
}

/// Maps an SQLite failure to the port's error; the message never holds a value
/// (rusqlite does not echo bound parameters).
pub(crate) fn sql_error(location: &str, waited: Duration, error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt {
            location: location.to_owned(),
            detail: format!("SQLite reports \"{error}\""),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::LockTimeout { waited }
        }
        _ => StoreError::Io {
            location: location.to_owned(),
            detail: error.to_string(),
        },
    }
}

/// The encrypted SQLite token store. Cheap to share: `Send + Sync`, one connection
/// behind a mutex (SQLite calls are short and the CLI is single-threaded).
pub struct SqliteTokenStore {
    shared: std::sync::Arc<Shared>,
}

impl std::fmt::Debug for SqliteTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteTokenStore")
            .field("location", &self.shared.location)
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl SqliteTokenStore {
    /// Opens the store at `path`, creating it (0600, in a 0700 directory) when
    /// absent. Nothing is written before the file is known to be a token store of
    /// a known version that opens with `key`: a corrupt or foreign file gives
    /// `Corrupt`, a newer one `TooNew`, another key `WrongKey` — all unchanged.
    pub fn open(
        path: &Path,
        key: KeySource,
        options: StoreOptions,
    ) -> Result<SqliteTokenStore, StoreError> {
        let shared = open::open(path, key, options)?;
        tracing::debug!(
            location = %shared.location,
            schema = schema::SCHEMA_VERSION,
            "token store opened"
        );
        Ok(Self {
            shared: std::sync::Arc::new(shared),
        })
    }

    /// The kind of key source this store was opened with (after following a
    /// store that records the keyring when no source was chosen).
    pub fn key_source(&self) -> KeySourceKind {
        self.shared.key_home.kind()
    }

    /// Moves the store to a new key from `to`: every sealed column and every
    /// token set kept aside is sealed anew in one transaction, under the
    /// store-wide lock (it waits for running commands; new ones wait for it).
    /// The new key is in its home before the commit; the old key file or
    /// keyring entry is removed only after it. A fault before the commit
    /// leaves the store as it was, under its old key.
    pub fn rekey(self, to: KeySource) -> Result<RekeyReport, StoreError> {
        rekey::rekey(&self.shared, to, None)
    }

    /// [`SqliteTokenStore::rekey`] cut off at `fault`, as a crash would (tests).
    #[doc(hidden)]
    pub fn rekey_cut_off(
        self,
        to: KeySource,
        fault: RekeyFault,
    ) -> Result<RekeyReport, StoreError> {
        rekey::rekey(&self.shared, to, Some(fault))
    }
}

#[async_trait]
impl TokenStore for SqliteTokenStore {
    async fn profiles(&self) -> Result<Vec<Profile>, StoreError> {
        rows::all_profiles(&self.shared)
    }

    async fn profile(&self, name: &ProfileName) -> Result<Option<Profile>, StoreError> {
        rows::one_profile(&self.shared, name)
    }

    async fn put_profile(&self, profile: &Profile) -> Result<(), StoreError> {
        rows::put_profile(&self.shared, profile)
    }

    async fn remember_endpoints(
        &self,
        name: &ProfileName,
        known: &KnownEndpoints,
    ) -> Result<bool, StoreError> {
        rows::remember_endpoints(&self.shared, name, known)
    }

    async fn remove_profile(&self, name: &ProfileName) -> Result<bool, StoreError> {
        let removed = rows::remove_profile(&self.shared, name)?;
        pending::PendingSlot::new(&self.shared.pending_dir, name)
            .remove()
            .map_err(|e| StoreError::Io {
                location: self.shared.pending_dir.display().to_string(),
                detail: format!("cannot delete the token set kept aside: {e}"),
            })?;
        Ok(removed)
    }

    async fn tokens(&self, name: &ProfileName) -> Result<Option<TokenSet>, StoreError> {
        rows::read_tokens(&self.shared, name)
    }

    async fn pending(&self, name: &ProfileName) -> Result<Option<PendingRotation>, StoreError> {
        let slot = pending::PendingSlot::new(&self.shared.pending_dir, name);
        let sealed = slot.read().map_err(|e| StoreError::Io {
            location: slot.location(),
            detail: format!("cannot read the token set kept aside: {e}"),
        })?;
        Ok(sealed.and_then(|sealed| pending::open(&self.shared, name, &sealed)))
    }

    async fn lock(&self, name: &ProfileName) -> Result<Box<dyn ProfileLock>, StoreError> {
        let guard = SqliteProfileLock::acquire(self.shared.clone(), name.clone()).await?;
        Ok(Box::new(guard))
    }

    async fn rotations(
        &self,
        name: &ProfileName,
        limit: usize,
    ) -> Result<Vec<RotationRecord>, StoreError> {
        rows::rotations(&self.shared, name, limit)
    }
}

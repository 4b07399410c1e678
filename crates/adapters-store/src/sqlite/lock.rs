//! The per-profile lock and the compare-and-swap done under it.
//!
//! The lock is an OS file lock (`flock` on Unix) on `<db>.locks/<profile>.lock`.
//! Such locks belong to an open file description, so two guards of one process
//! exclude each other just as two processes do, and the kernel frees the lock
//! when a process dies. Lock files are never deleted: removing one while another
//! process waits on it would let a third lock a fresh file beside it.

use std::fs::File;
use std::sync::Arc;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    Generation, PendingRotation, ProfileLock, ProfileName, RotationRecord, StoreError, Timestamp,
    TokenSet,
};
use rusqlite::{TransactionBehavior, params};
use tracing::{Instrument, debug, debug_span};

use super::Shared;
use super::pending::{self, PendingSlot};
use super::rows;
use super::schema::ROTATIONS_KEPT;
use crate::private_fs::{ensure_private_dir, open_private_file};

/// A held profile lock. Reads go to the database afresh; the lock is released
/// when the guard drops (or the process ends).
pub struct SqliteProfileLock {
    shared: Arc<Shared>,
    profile: ProfileName,
    /// Holds the OS lock; closing the file releases it.
    _file: File,
    slot: PendingSlot,
    /// The slot, once reserved by `prepare_rotation`.
    reserved: Option<File>,
}

impl std::fmt::Debug for SqliteProfileLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteProfileLock")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl SqliteProfileLock {
    /// Waits until the lock is free or the store's `lock_timeout` has passed.
    pub(crate) async fn acquire(
        shared: Arc<Shared>,
        profile: ProfileName,
    ) -> Result<Self, StoreError> {
        let io = |what: &str, e: std::io::Error| StoreError::Io {
            location: shared.lock_dir.display().to_string(),
            detail: format!("{what}: {e}"),
        };
        ensure_private_dir(&shared.lock_dir)
            .map_err(|e| io("cannot create the lock directory", e))?;
        // Profile names are limited to `A-Za-z0-9._-@`, so this stays inside lock_dir.
        let path = shared.lock_dir.join(format!("{profile}.lock"));
        let file = open_private_file(&path).map_err(|e| io("cannot open the lock file", e))?;

        let timeout = shared.options.lock_timeout;
        let started = std::time::Instant::now();
        let locked = crate::file_lock::lock_within(&file, timeout)
            .instrument(debug_span!("profile_lock", %profile))
            .await
            .map_err(|e| io("cannot lock the lock file", e))?;
        if !locked {
            return Err(StoreError::LockTimeout { waited: timeout });
        }
        debug!(
            %profile,
            waited_ms = started.elapsed().as_millis(),
            "profile lock taken"
        );
        let slot = PendingSlot::new(&shared.pending_dir, &profile);
        Ok(Self {
            shared,
            profile,
            _file: file,
            slot,
            reserved: None,
        })
    }

    fn slot_error(&self, what: &str, e: std::io::Error) -> StoreError {
        StoreError::Io {
            location: self.slot.location(),
            detail: format!("{what}: {e}"),
        }
    }

    /// Takes SQLite's write lock and gives it back at once: proof, before a
    /// grant leaves, that no other program is holding it now. Held across the
    /// grant it would make every other profile wait behind a network call.
    fn check_writable(&self) -> Result<(), StoreError> {
        let shared = &*self.shared;
        let mut conn = shared.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| shared.sql_error(e))?;
        tx.rollback().map_err(|e| shared.sql_error(e))
    }

    /// The rotation was written to the store: the slot's copy has served.
    fn discard_pending(&self) {
        // Best effort, unsynced: a copy left behind no longer applies, because
        // the store now holds a newer generation than its base.
        let _ = self.slot.discard(false);
    }

    /// The compare-and-swap write of `new` with its audit record, in one
    /// transaction; both `replace` and `adopt` come here.
    fn write_rotation(
        &self,
        expected: Option<Generation>,
        new: &TokenSet,
        audit: &RotationRecord,
    ) -> Result<(), StoreError> {
        let shared = &*self.shared;
        let sql = |e| shared.sql_error(e);
        let mut conn = shared.conn();
        // IMMEDIATE takes SQLite's write lock before reading, so the generation we
        // compare is the one we replace, even against a writer that skips our lock.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let stored = rows::stored_generation(&tx, &self.profile)
            .map_err(sql)?
            .map(|g| Generation::new(u64::try_from(g).unwrap_or(0)));
        // On a conflict, dropping `tx` rolls back; nothing was written.
        Generation::check_replace(stored, expected, new.generation)?;
        rows::write_tokens(shared, &tx, &self.profile, new)?;
        let generation = i64::try_from(audit.generation.get()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO rotations (profile, generation, at, fingerprint, recovered_from)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                self.profile.as_str(),
                generation,
                audit.at.unix(),
                rows::fingerprint_column(audit.fingerprint.as_deref()),
                audit.recovered_from.map(Timestamp::unix)
            ],
        )
        .map_err(sql)?;
        tx.execute(
            "DELETE FROM rotations WHERE profile = ?1 AND id NOT IN
                 (SELECT id FROM rotations WHERE profile = ?1 ORDER BY id DESC LIMIT ?2)",
            params![self.profile.as_str(), ROTATIONS_KEPT],
        )
        .map_err(sql)?;
        // synchronous=EXTRA: the pages and the journal's unlink are on disk
        // before COMMIT returns.
        tx.commit().map_err(sql)?;
        self.discard_pending();
        debug!(
            profile = %self.profile,
            generation,
            fingerprint = audit.fingerprint.as_deref().unwrap_or("none"),
            recovered = audit.recovered_from.is_some(),
            "token set written and synced"
        );
        Ok(())
    }

    fn clear_now(&self) -> Result<(), StoreError> {
        let shared = &*self.shared;
        shared
            .conn()
            .execute(
                "DELETE FROM tokens WHERE profile = ?1",
                [self.profile.as_str()],
            )
            .map_err(|e| shared.sql_error(e))?;
        // After a clear the store holds nothing, and a kept set over nothing
        // (a first login's) would apply again: the wipe must be durable.
        self.slot
            .discard(true)
            .map_err(|e| self.slot_error("cannot wipe the token set kept aside", e))
    }
}

#[async_trait]
impl ProfileLock for SqliteProfileLock {
    async fn tokens(&mut self) -> Result<Option<TokenSet>, StoreError> {
        rows::read_tokens(&self.shared, &self.profile)
    }

    async fn replace(
        &mut self,
        expected: Option<Generation>,
        new: &TokenSet,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write_rotation(expected, new, &RotationRecord::of(new, at, None))
    }

    async fn clear(&mut self) -> Result<(), StoreError> {
        self.clear_now()
    }

    async fn prepare_rotation(&mut self) -> Result<(), StoreError> {
        let file = self
            .slot
            .reserve()
            .map_err(|e| self.slot_error("cannot reserve room to keep the rotated token", e))?;
        self.reserved = Some(file);
        self.check_writable()?;
        debug!(profile = %self.profile, "slot reserved and the store is writable: the grant may leave");
        Ok(())
    }

    async fn keep_pending(&mut self, pending: &PendingRotation) -> Result<(), StoreError> {
        let file = match self.reserved.take() {
            Some(file) => file,
            None => self
                .slot
                .reserve()
                .map_err(|e| self.slot_error("cannot reserve room to keep the token set", e))?,
        };
        let sealed = pending::seal(&self.shared, &self.profile, pending);
        let written = self.slot.write(&file, &sealed);
        self.reserved = Some(file);
        written.map_err(|e| self.slot_error("cannot keep the token set aside", e))?;
        debug!(
            profile = %self.profile,
            generation = pending.next.generation.get(),
            slot = %self.slot.location(),
            "token set sealed and synced in its kept-aside slot"
        );
        Ok(())
    }

    async fn pending(&mut self) -> Result<Option<PendingRotation>, StoreError> {
        let sealed = self
            .slot
            .read()
            .map_err(|e| self.slot_error("cannot read the token set kept aside", e))?;
        Ok(sealed.and_then(|sealed| pending::open(&self.shared, &self.profile, &sealed)))
    }

    async fn adopt(&mut self, pending: &PendingRotation, at: Timestamp) -> Result<(), StoreError> {
        let audit = RotationRecord::of(&pending.next, at, Some(pending.kept_at));
        self.write_rotation(pending.base_generation, &pending.next, &audit)
    }
}

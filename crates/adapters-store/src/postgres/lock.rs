//! The per-profile lock of the PostgreSQL store and the compare-and-swap
//! done under it.
//!
//! The lock is `pg_advisory_xact_lock(k)` taken in a transaction that stays
//! open, on a connection of its own, until the guard drops: dropping the
//! connection ends the transaction and the server frees the lock, also when
//! the process (or its host) dies. `k` is derived from the store's identity
//! and the profile name, so two stores in one database never share a lock.
//!
//! What SQLite keeps in a slot file beside the database, this store keeps in
//! the `pending` table, written in its own committed transaction on the
//! store's connection — never in the lock's transaction, which commits
//! nothing — so it is durable before the compare-and-swap is tried.

use std::fs::File;
use std::sync::Arc;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    Generation, PendingRotation, ProfileLock, ProfileName, RotationRecord, StoreError, Timestamp,
    TokenSet,
};
use tokio_postgres::Client;
use tracing::{Instrument, debug, debug_span};

use super::Ready;
use super::rows;
use super::schema::ROTATIONS_KEPT;
use crate::codec::{fingerprint_column, seal_pending};
use crate::sqlite::pending::PendingSlot;

/// A held profile lock. Reads go to the database afresh; the lock is released
/// when the guard drops.
pub struct PostgresProfileLock {
    ready: Arc<Ready>,
    profile: ProfileName,
    /// The connection whose open transaction holds the advisory lock.
    holder: Client,
    /// This host's slot for a rotation the server could not take, and its
    /// file once reserved by `prepare_rotation`.
    slot: Option<PendingSlot>,
    reserved: Option<File>,
}

impl std::fmt::Debug for PostgresProfileLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresProfileLock")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// The advisory-lock key of `what` (`lock/<profile>` or `write/<profile>`)
/// in the store `store_id`: the first 8 bytes of its SHA-256.
fn lock_key(store_id: &str, what: &str, profile: &ProfileName) -> i64 {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("oci-iam-sso/{store_id}/{what}/{profile}").as_bytes(),
    );
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest.as_ref()[..8]);
    i64::from_be_bytes(bytes)
}

impl PostgresProfileLock {
    /// Waits until the lock is free or `lock_timeout` has passed.
    pub(crate) async fn acquire(
        ready: Arc<Ready>,
        profile: ProfileName,
    ) -> Result<Self, StoreError> {
        let started = std::time::Instant::now();
        let holder = ready.target.connect(&ready.options).await?;
        let key = lock_key(&ready.store_id, "lock", &profile);
        let taken = async {
            holder.batch_execute("BEGIN").await?;
            holder
                .execute("SELECT pg_advisory_xact_lock($1)", &[&key])
                .await
        }
        .instrument(debug_span!("profile_lock", %profile))
        .await;
        taken.map_err(|e| ready.error(&e))?;
        debug!(
            %profile,
            waited_ms = started.elapsed().as_millis(),
            "profile lock taken (advisory, transaction-scoped)"
        );
        let slot = ready
            .options
            .local_pending_dir
            .as_deref()
            .map(|dir| PendingSlot::new(dir, &profile));
        Ok(Self {
            ready,
            profile,
            holder,
            slot,
            reserved: None,
        })
    }

    /// Proof that the lock is still ours: its connection answers. A server
    /// restart ends the transaction and frees the lock; a grant must not
    /// leave then, since another host may be refreshing.
    async fn still_held(&self) -> Result<(), StoreError> {
        if self.holder.is_closed() {
            return Err(self.lost());
        }
        self.holder
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|_| self.lost())
    }

    fn lost(&self) -> StoreError {
        StoreError::Io {
            location: self.ready.location.clone(),
            detail: format!(
                "the lock of profile `{}` was lost with its connection (is the PostgreSQL server running?)",
                self.profile
            ),
        }
    }

    /// The compare-and-swap write of `new` with its audit record, in one
    /// transaction that also discards the rotation kept aside.
    async fn write_rotation(
        &self,
        expected: Option<Generation>,
        new: &TokenSet,
        audit: &RotationRecord,
    ) -> Result<(), StoreError> {
        let ready = &*self.ready;
        let sql = |e: tokio_postgres::Error| ready.error(&e);
        let profile = self.profile.as_str();
        let mut client = ready.client().await?;
        let tx = client.transaction().await.map_err(sql)?;
        // Writes of one profile take turns even when a writer skips the
        // profile lock, so the generation compared is the one replaced.
        let write_key = lock_key(&ready.store_id, "write", &self.profile);
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&write_key])
            .await
            .map_err(sql)?;
        let stored: Option<i64> = tx
            .query_opt(
                "SELECT generation FROM tokens WHERE profile = $1",
                &[&profile],
            )
            .await
            .map_err(sql)?
            .map(|row| row.get(0));
        let stored = stored.map(|g| Generation::new(u64::try_from(g).unwrap_or(0)));
        // On a conflict, dropping `tx` rolls back; nothing was written.
        Generation::check_replace(stored, expected, new.generation)?;
        rows::write_tokens(ready, &tx, &self.profile, new).await?;
        let generation = i64::try_from(audit.generation.get()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO rotations (profile, generation, at, fingerprint, recovered_from)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &profile,
                &generation,
                &audit.at.unix(),
                &fingerprint_column(audit.fingerprint.as_deref()),
                &audit.recovered_from.map(Timestamp::unix),
            ],
        )
        .await
        .map_err(sql)?;
        tx.execute(
            "DELETE FROM rotations WHERE profile = $1 AND id NOT IN
                 (SELECT id FROM rotations WHERE profile = $1 ORDER BY id DESC LIMIT $2)",
            &[&profile, &ROTATIONS_KEPT],
        )
        .await
        .map_err(sql)?;
        tx.execute(
            "UPDATE pending SET sealed = NULL WHERE profile = $1",
            &[&profile],
        )
        .await
        .map_err(sql)?;
        // synchronous_commit=on: the WAL is flushed before COMMIT returns.
        tx.commit().await.map_err(sql)?;
        if let Some(slot) = &self.slot {
            // Best effort: a copy left behind no longer applies.
            let _ = slot.discard(false);
        }
        debug!(
            profile = %self.profile,
            generation,
            fingerprint = audit.fingerprint.as_deref().unwrap_or("none"),
            recovered = audit.recovered_from.is_some(),
            "token set written and committed"
        );
        Ok(())
    }
}

#[async_trait]
impl ProfileLock for PostgresProfileLock {
    async fn tokens(&mut self) -> Result<Option<TokenSet>, StoreError> {
        let client = self.ready.client().await?;
        rows::read_tokens(&self.ready, &*client, &self.profile).await
    }

    async fn replace(
        &mut self,
        expected: Option<Generation>,
        new: &TokenSet,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write_rotation(expected, new, &RotationRecord::of(new, at, None))
            .await
    }

    async fn clear(&mut self) -> Result<(), StoreError> {
        let ready = &*self.ready;
        let sql = |e: tokio_postgres::Error| ready.error(&e);
        let profile = self.profile.as_str();
        let mut client = ready.client().await?;
        let tx = client.transaction().await.map_err(sql)?;
        tx.execute("DELETE FROM tokens WHERE profile = $1", &[&profile])
            .await
            .map_err(sql)?;
        // A kept set over nothing (a first login's) would apply again.
        tx.execute(
            "UPDATE pending SET sealed = NULL WHERE profile = $1",
            &[&profile],
        )
        .await
        .map_err(sql)?;
        tx.commit().await.map_err(sql)?;
        match &self.slot {
            Some(slot) => slot.discard(true).map_err(|e| StoreError::Io {
                location: slot.location(),
                detail: format!("cannot wipe the token set kept aside: {e}"),
            }),
            None => Ok(()),
        }
    }

    async fn prepare_rotation(&mut self) -> Result<(), StoreError> {
        self.still_held().await?;
        // The kept-aside row exists from now on, so keeping the answer is an
        // UPDATE of one row; and this write proves the store takes writes.
        let client = self.ready.client().await?;
        client
            .execute(
                "INSERT INTO pending (profile, sealed) VALUES ($1, NULL)
                 ON CONFLICT (profile) DO NOTHING",
                &[&self.profile.as_str()],
            )
            .await
            .map_err(|e| self.ready.error(&e))?;
        if let Some(slot) = &self.slot {
            // The fallback: the database's row is the kept set's home.
            match slot.reserve() {
                Ok(file) => self.reserved = Some(file),
                Err(error) => tracing::warn!(
                    slot = %slot.location(), %error,
                    "cannot reserve this host's slot for a rotation the server cannot take"
                ),
            }
        }
        debug!(profile = %self.profile, "lock held and the store is writable: the grant may leave");
        Ok(())
    }

    async fn keep_pending(&mut self, pending: &PendingRotation) -> Result<(), StoreError> {
        let ready = &*self.ready;
        let sealed = seal_pending(&ready.cipher, &ready.store_id, &self.profile, pending);
        // Its own transaction (autocommit), committed before the swap is tried.
        let kept = match ready.client().await {
            Ok(client) => client
                .execute(
                    "INSERT INTO pending (profile, sealed) VALUES ($1, $2)
                     ON CONFLICT (profile) DO UPDATE SET sealed = excluded.sealed",
                    &[&self.profile.as_str(), &sealed],
                )
                .await
                .map(|_| ())
                .map_err(|e| ready.error(&e)),
            Err(error) => Err(error),
        };
        let error = match kept {
            Ok(()) => {
                debug!(
                    profile = %self.profile,
                    generation = pending.next.generation.get(),
                    "token set sealed and committed in the kept-aside row"
                );
                return Ok(());
            }
            Err(error) => error,
        };
        // The server went away with the answer in hand: keep it on this host.
        let (Some(slot), Some(file)) = (&self.slot, &self.reserved) else {
            return Err(error);
        };
        slot.write(file, &sealed).map_err(|_| error)?;
        tracing::warn!(
            profile = %self.profile,
            slot = %slot.location(),
            "the server cannot take the rotated set: kept aside on this host"
        );
        Ok(())
    }

    async fn pending(&mut self) -> Result<Option<PendingRotation>, StoreError> {
        super::read_pending(&self.ready, self.slot.as_ref(), &self.profile).await
    }

    async fn adopt(&mut self, pending: &PendingRotation, at: Timestamp) -> Result<(), StoreError> {
        let audit = RotationRecord::of(&pending.next, at, Some(pending.kept_at));
        self.write_rotation(pending.base_generation, &pending.next, &audit)
            .await
    }
}

//! A token store in memory, for tests of code above the store port. Clones
//! share the same state (like two handles on one database), so lock
//! exclusion between "processes" can be tested with two clones.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    Generation, KnownEndpoints, PendingRotation, Profile, ProfileLock, ProfileName, RotationRecord,
    StoreError, Timestamp, TokenSet, TokenStore,
};
use tokio::sync::OwnedMutexGuard;

/// How long [`TokenStore::lock`] waits before `LockTimeout`.
const LOCK_WAIT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Entry {
    profile: Option<Profile>,
    tokens: Option<TokenSet>,
    rotations: Vec<RotationRecord>,
    pending: Option<PendingRotation>,
    lock: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct Data {
    entries: BTreeMap<ProfileName, Entry>,
}

/// An in-memory [`TokenStore`]; see the module docs.
#[derive(Clone, Default)]
pub struct InMemoryTokenStore {
    data: Arc<Mutex<Data>>,
}

impl std::fmt::Debug for InMemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InMemoryTokenStore")
    }
}

impl InMemoryTokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl TokenStore for InMemoryTokenStore {
    async fn profiles(&self) -> Result<Vec<Profile>, StoreError> {
        // BTreeMap iterates in name order.
        Ok(self
            .data()
            .entries
            .values()
            .filter_map(|e| e.profile.clone())
            .collect())
    }

    async fn profile(&self, name: &ProfileName) -> Result<Option<Profile>, StoreError> {
        Ok(self
            .data()
            .entries
            .get(name)
            .and_then(|e| e.profile.clone()))
    }

    async fn put_profile(&self, profile: &Profile) -> Result<(), StoreError> {
        self.data()
            .entries
            .entry(profile.name.clone())
            .or_default()
            .profile = Some(profile.clone());
        Ok(())
    }

    async fn remember_endpoints(
        &self,
        name: &ProfileName,
        known: &KnownEndpoints,
    ) -> Result<bool, StoreError> {
        let mut data = self.data();
        let profile = data.entries.get_mut(name).and_then(|e| e.profile.as_mut());
        match profile {
            Some(profile) if profile.domain_url == known.found_at => {
                profile.endpoints = Some(known.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remove_profile(&self, name: &ProfileName) -> Result<bool, StoreError> {
        let mut data = self.data();
        let Some(entry) = data.entries.get_mut(name) else {
            return Ok(false);
        };
        let existed = entry.profile.take().is_some();
        // The lock stays, so a holder of it keeps excluding others.
        entry.tokens = None;
        entry.rotations.clear();
        entry.pending = None;
        Ok(existed)
    }

    async fn tokens(&self, name: &ProfileName) -> Result<Option<TokenSet>, StoreError> {
        Ok(self.data().entries.get(name).and_then(|e| e.tokens.clone()))
    }

    async fn pending(&self, name: &ProfileName) -> Result<Option<PendingRotation>, StoreError> {
        Ok(self
            .data()
            .entries
            .get(name)
            .and_then(|e| e.pending.clone()))
    }

    async fn lock(&self, name: &ProfileName) -> Result<Box<dyn ProfileLock>, StoreError> {
        let mutex = self
            .data()
            .entries
            .entry(name.clone())
            .or_default()
            .lock
            .clone();
        let guard = tokio::time::timeout(LOCK_WAIT, mutex.lock_owned())
            .await
            .map_err(|_| StoreError::LockTimeout { waited: LOCK_WAIT })?;
        Ok(Box::new(InMemoryLock {
            store: self.clone(),
            name: name.clone(),
            _guard: guard,
        }))
    }

    async fn rotations(
        &self,
        name: &ProfileName,
        limit: usize,
    ) -> Result<Vec<RotationRecord>, StoreError> {
        Ok(self
            .data()
            .entries
            .get(name)
            .map(|e| e.rotations.iter().rev().take(limit).cloned().collect())
            .unwrap_or_default())
    }
}

struct InMemoryLock {
    store: InMemoryTokenStore,
    name: ProfileName,
    _guard: OwnedMutexGuard<()>,
}

#[async_trait]
impl ProfileLock for InMemoryLock {
    async fn tokens(&mut self) -> Result<Option<TokenSet>, StoreError> {
        self.store.tokens(&self.name).await
    }

    async fn replace(
        &mut self,
        expected: Option<Generation>,
        new: &TokenSet,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(expected, new, RotationRecord::of(new, at, None))
    }

    async fn clear(&mut self) -> Result<(), StoreError> {
        if let Some(entry) = self.store.data().entries.get_mut(&self.name) {
            entry.tokens = None;
            entry.pending = None;
        }
        Ok(())
    }

    async fn prepare_rotation(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn keep_pending(&mut self, pending: &PendingRotation) -> Result<(), StoreError> {
        self.store
            .data()
            .entries
            .entry(self.name.clone())
            .or_default()
            .pending = Some(pending.clone());
        Ok(())
    }

    async fn pending(&mut self) -> Result<Option<PendingRotation>, StoreError> {
        Ok(self
            .store
            .data()
            .entries
            .get(&self.name)
            .and_then(|e| e.pending.clone()))
    }

    async fn adopt(&mut self, pending: &PendingRotation, at: Timestamp) -> Result<(), StoreError> {
        let audit = RotationRecord::of(&pending.next, at, Some(pending.kept_at));
        self.write(pending.base_generation, &pending.next, audit)
    }
}

impl InMemoryLock {
    fn write(
        &self,
        expected: Option<Generation>,
        new: &TokenSet,
        audit: RotationRecord,
    ) -> Result<(), StoreError> {
        let mut data = self.store.data();
        let entry = data.entries.entry(self.name.clone()).or_default();
        let stored = entry.tokens.as_ref().map(|t| t.generation);
        Generation::check_replace(stored, expected, new.generation)?;
        entry.tokens = Some(new.clone());
        entry.rotations.push(audit);
        entry.pending = None;
        Ok(())
    }
}

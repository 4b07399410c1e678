//! `rekey`: the store moves to a new key, and the key to a new home.
//!
//! Order, so that a fault at any point loses nothing:
//! 1. the store-wide lock, exclusively (no other handle is open);
//! 2. the new key, from its source (a key file is created or read, a keyring
//!    key is drawn at random);
//! 3. in one `IMMEDIATE` transaction: every sealed column opened with the old
//!    key and sealed with the new one, the new key check and key source;
//! 4. each token set kept aside, sealed anew into `<slot>.rekeyed` beside the
//!    old slot (synced);
//! 5. the new key stored in its home (the keyring), then the commit;
//! 6. the `.rekeyed` slots moved over the old ones; the old key file or
//!    keyring entry removed.
//!
//! Before the commit the store opens with its old key and the `.rekeyed`
//! slots do not open with it: the next open deletes them. After the commit
//! they open with the new key: the next open moves them into place
//! ([`settle_slots`]).

use std::path::{Path, PathBuf};

use oci_iam_sso_domain::{ProfileName, StoreError};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::pending::{PendingSlot, SEAL_COLUMN, sealed_for_id};
use super::schema::{KEY_CHECK_PLAINTEXT, KEY_CHECK_ROW, meta};
use super::{KeyHome, Shared, store_lock};
use crate::codec::{ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN};
use crate::key::{self, Cipher, KdfParams, KeySource, KeySourceKind, RawKey};
use crate::private_fs::sync_dir;

/// The suffix of a slot sealed anew by a rekey that has not moved it into place.
const REKEYED: &str = ".rekeyed";

/// What a rekey did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekeyReport {
    pub from: KeySourceKind,
    pub to: KeySourceKind,
    /// Profiles whose secrets were sealed anew.
    pub profiles: usize,
    /// Token sets kept aside that were sealed anew.
    pub kept_aside: usize,
    /// The old key's home, now emptied (`None`: the old key was never stored
    /// by this tool: an environment variable or a passphrase).
    pub removed: Option<String>,
    /// Where the new key lives (`None`: with the caller, as for the old one).
    pub stored: Option<String>,
}

struct NewKey {
    raw: RawKey,
    kdf: Option<KdfParams>,
    home: KeyHome,
}

fn io(shared: &Shared, detail: String) -> StoreError {
    StoreError::Io {
        location: shared.location.clone(),
        detail,
    }
}

/// Where a test cuts a rekey off, as a crash would.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekeyFault {
    /// Everything sealed anew and the new key stored, but no commit.
    BeforeCommit,
    /// Committed, but the re-sealed slots not moved into place and the old
    /// key not removed.
    AfterCommit,
}

pub(crate) fn rekey(
    shared: &Shared,
    to: KeySource,
    fault: Option<RekeyFault>,
) -> Result<RekeyReport, StoreError> {
    let from = shared.key_home.kind();
    let target = to.kind();
    if from == target && target != KeySourceKind::Passphrase && target != KeySourceKind::Env {
        return Err(StoreError::KeyUnavailable {
            reason: format!(
                "the store already keeps its key in the {target} source; rekey it to another source first"
            ),
        });
    }
    // (1) No other handle open: nobody reads or writes with the old key.
    let waited = shared.options.lock_timeout;
    if !store_lock::upgrade(&shared.store_lock, waited)
        .map_err(|e| io(shared, format!("cannot lock it: {e}")))?
    {
        return Err(StoreError::LockTimeout { waited });
    }
    let mut conn = shared.conn();
    // The upgrade may have let go of the shared hold for a moment: make sure
    // no other rekey ran in it.
    let check: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [meta::KEY_CHECK],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| shared.sql_error(e))?;
    if !check.is_some_and(|c| {
        shared
            .cipher
            .open(KEY_CHECK_ROW, meta::KEY_CHECK, &c)
            .is_ok_and(|p| p.as_slice() == KEY_CHECK_PLAINTEXT)
    }) {
        return Err(StoreError::WrongKey {
            location: shared.location.clone(),
        });
    }

    // (2)
    let new = new_key(&to, &shared.key_home)?;
    let cipher = Cipher::new(&new.raw);

    // Freed pages are zeroed, so the old ciphertexts leave the file.
    conn.pragma_update(None, "secure_delete", true)
        .map_err(|e| shared.sql_error(e))?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| shared.sql_error(e))?;
    // (3)
    let profiles = reseal_columns(shared, &tx, &cipher)?;
    let check = cipher.seal(KEY_CHECK_ROW, meta::KEY_CHECK, KEY_CHECK_PLAINTEXT);
    let put = |name: &str, value: rusqlite::types::Value| {
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![name, value],
        )
        .map(drop)
        .map_err(|e| shared.sql_error(e))
    };
    use rusqlite::types::Value;
    put(meta::KEY_CHECK, Value::Blob(check))?;
    put(meta::STORE_ID, Value::Text(shared.store_id.clone()))?;
    put(meta::KEY_SOURCE, Value::Text(target.name().to_owned()))?;
    match &new.kdf {
        Some(params) => {
            put(meta::KDF, Value::Text(meta::KDF_PBKDF2.to_owned()))?;
            put(meta::KDF_SALT, Value::Blob(params.salt.clone()))?;
            put(
                meta::KDF_ITERATIONS,
                Value::Text(params.iterations.to_string()),
            )?;
        }
        None => {
            put(meta::KDF, Value::Text(meta::KDF_RAW.to_owned()))?;
            tx.execute(
                "DELETE FROM meta WHERE key IN (?1, ?2)",
                params![meta::KDF_SALT, meta::KDF_ITERATIONS],
            )
            .map_err(|e| shared.sql_error(e))?;
        }
    }
    // (4)
    let rekeyed = reseal_slots(shared, &cipher)?;
    // (5) The key in its new home before the store needs it there.
    if new.home == KeyHome::Keyring {
        key::keyring::save(&shared.store_id, &new.raw)?;
    }
    fail_at(shared, fault, RekeyFault::BeforeCommit)?;
    tx.commit().map_err(|e| shared.sql_error(e))?;
    // The old ciphertexts leave the write-ahead log too (best effort: the
    // next checkpoint does it anyway).
    let _ = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE");
    drop(conn);
    fail_at(shared, fault, RekeyFault::AfterCommit)?;

    // (6)
    for (slot, fresh) in &rekeyed {
        std::fs::rename(fresh, slot).map_err(|e| {
            io(
                shared,
                format!("cannot move a re-sealed token set into place: {e}"),
            )
        })?;
    }
    if !rekeyed.is_empty() {
        sync_dir(&shared.pending_dir)
            .map_err(|e| io(shared, format!("cannot sync the kept-aside directory: {e}")))?;
    }
    let removed = remove_old_key(shared, &new.home)?;
    Ok(RekeyReport {
        from,
        to: target,
        profiles,
        kept_aside: rekeyed.len(),
        removed,
        stored: describe(&new.home),
    })
}

fn fail_at(shared: &Shared, fault: Option<RekeyFault>, here: RekeyFault) -> Result<(), StoreError> {
    if fault == Some(here) {
        return Err(io(shared, format!("rekey cut off ({here:?})")));
    }
    Ok(())
}

fn describe(home: &KeyHome) -> Option<String> {
    match home {
        KeyHome::File(path) => Some(format!("the key file {}", path.display())),
        KeyHome::Keyring => Some("the OS keyring".to_owned()),
        KeyHome::Elsewhere(_) => None,
    }
}

fn new_key(to: &KeySource, old: &KeyHome) -> Result<NewKey, StoreError> {
    Ok(match to {
        KeySource::Base64(value) => NewKey {
            raw: key::parse_base64_key(value)?,
            kdf: None,
            home: KeyHome::Elsewhere(KeySourceKind::Env),
        },
        // A key file already there is used, never replaced.
        KeySource::KeyFile(path) | KeySource::Default(path) => {
            if *old == KeyHome::File(path.clone()) {
                return Err(StoreError::KeyUnavailable {
                    reason: format!("the store's key already is the key file {}", path.display()),
                });
            }
            NewKey {
                raw: key::create_or_load_key_file(path)?,
                kdf: None,
                home: KeyHome::File(path.clone()),
            }
        }
        KeySource::Passphrase(passphrase) => {
            let params = KdfParams::generate();
            NewKey {
                raw: key::derive_from_passphrase(passphrase, &params)?,
                kdf: Some(params),
                home: KeyHome::Elsewhere(KeySourceKind::Passphrase),
            }
        }
        KeySource::Keyring => NewKey {
            raw: key::random_key()?,
            kdf: None,
            home: KeyHome::Keyring,
        },
    })
}

/// A row's name and two of its sealed columns.
type SealedPair = (String, Option<Vec<u8>>, Option<Vec<u8>>);

/// Opens every sealed column with the old key and seals it with `new`;
/// returns how many profiles had secrets. A value that does not open stops
/// the rekey (the transaction rolls back): it would be lost otherwise.
fn reseal_columns(
    shared: &Shared,
    tx: &rusqlite::Transaction<'_>,
    new: &Cipher,
) -> Result<usize, StoreError> {
    let sql = |e| shared.sql_error(e);
    let reseal = |row: &str, column: &str, sealed: Option<Vec<u8>>| {
        sealed
            .map(|sealed| {
                let plain = shared.cipher.open(row, column, &sealed).map_err(|_| {
                    crate::codec::corrupt(
                        &shared.location,
                        format!(
                            "the {column} of profile `{row}` does not open; nothing was changed"
                        ),
                    )
                })?;
                Ok(new.seal(row, column, &plain))
            })
            .transpose()
    };
    let mut names = std::collections::BTreeSet::new();
    let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = tx
        .prepare("SELECT name, client_id_ct, client_secret_ct FROM profiles")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(sql)?;
    for (name, id, secret) in rows {
        let id = reseal(&name, CLIENT_ID, Some(id))?;
        let secret = reseal(&name, CLIENT_SECRET, secret)?;
        tx.execute(
            "UPDATE profiles SET client_id_ct = ?2, client_secret_ct = ?3 WHERE name = ?1",
            params![name, id, secret],
        )
        .map_err(sql)?;
        names.insert(name);
    }
    let rows: Vec<SealedPair> = tx
        .prepare("SELECT profile, access_ct, refresh_ct FROM tokens")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(sql)?;
    for (name, access, refresh) in rows {
        let access = reseal(&name, ACCESS_TOKEN, access)?;
        let refresh = reseal(&name, REFRESH_TOKEN, refresh)?;
        tx.execute(
            "UPDATE tokens SET access_ct = ?2, refresh_ct = ?3 WHERE profile = ?1",
            params![name, access, refresh],
        )
        .map_err(sql)?;
        names.insert(name);
    }
    Ok(names.len())
}

/// The profiles that have a slot file in `dir`.
fn slot_profiles(dir: &Path, suffix: &str) -> std::io::Result<Vec<(ProfileName, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(profile) = name.strip_suffix(suffix)
            && let Ok(profile) = ProfileName::new(profile)
        {
            found.push((profile, entry.path()));
        }
    }
    Ok(found)
}

/// Seals each kept-aside set anew into `<slot>.rekeyed`; returns the pairs
/// (slot, re-sealed file) to move into place after the commit. A slot that
/// does not open with the old key holds nothing (a write cut off by a crash)
/// and is left as it is.
fn reseal_slots(shared: &Shared, new: &Cipher) -> Result<Vec<(PathBuf, PathBuf)>, StoreError> {
    let fail = |e: std::io::Error| {
        io(
            shared,
            format!("cannot re-seal a token set kept aside: {e}"),
        )
    };
    // Left by an earlier rekey that failed before its commit.
    for (_, stale) in
        slot_profiles(&shared.pending_dir, &format!(".sealed{REKEYED}")).map_err(fail)?
    {
        std::fs::remove_file(stale).map_err(fail)?;
    }
    let mut moved = Vec::new();
    for (profile, path) in slot_profiles(&shared.pending_dir, ".sealed").map_err(fail)? {
        let slot = PendingSlot::new(&shared.pending_dir, &profile);
        let Some(sealed) = slot.read().map_err(fail)? else {
            continue;
        };
        let aad = sealed_for_id(&shared.store_id, &profile);
        let Ok(plain) = shared.cipher.open(&aad, SEAL_COLUMN, &sealed) else {
            continue;
        };
        let fresh = PendingSlot::at(&shared.pending_dir, with_suffix(&path, REKEYED));
        let file = fresh.reserve().map_err(fail)?;
        fresh
            .write(&file, &new.seal(&aad, SEAL_COLUMN, &plain))
            .map_err(fail)?;
        moved.push((path.clone(), with_suffix(&path, REKEYED)));
    }
    if !moved.is_empty() {
        sync_dir(&shared.pending_dir).map_err(fail)?;
    }
    Ok(moved)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// After the commit: the old key's home is emptied, unless the new key lives there.
fn remove_old_key(shared: &Shared, new: &KeyHome) -> Result<Option<String>, StoreError> {
    match &shared.key_home {
        KeyHome::File(path) if new != &shared.key_home => {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(io(
                        shared,
                        format!(
                            "the store was rekeyed, but its old key file {} could not be deleted: {e}",
                            path.display()
                        ),
                    ));
                }
            }
            Ok(describe(&shared.key_home))
        }
        KeyHome::Keyring if new != &KeyHome::Keyring => {
            key::keyring::delete(&shared.store_id)?;
            Ok(describe(&shared.key_home))
        }
        _ => Ok(None),
    }
}

/// At open: a `.rekeyed` slot that opens with the store's key is from a
/// rekey that committed: it replaces the old slot. One that does not is from
/// a rekey that did not: it is deleted.
pub(crate) fn settle_slots(dir: &Path, cipher: &Cipher, store_id: &str) -> std::io::Result<()> {
    let suffix = format!(".sealed{REKEYED}");
    let found = slot_profiles(dir, &suffix)?;
    if found.is_empty() {
        return Ok(());
    }
    for (profile, path) in found {
        let fresh = PendingSlot::at(dir, path.clone());
        let opens = fresh.read()?.is_some_and(|sealed| {
            cipher
                .open(&sealed_for_id(store_id, &profile), SEAL_COLUMN, &sealed)
                .is_ok()
        });
        let result = if opens {
            std::fs::rename(&path, PendingSlot::new(dir, &profile).path())
        } else {
            std::fs::remove_file(&path)
        };
        match result {
            // Another process settled it first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    sync_dir(dir)
}

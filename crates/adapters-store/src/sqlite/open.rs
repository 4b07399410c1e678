//! Opening a store: look before writing.
//!
//! Order matters. (1) The file's header is checked by hand and SQLite's
//! `quick_check` runs, read-only; a file that is not SQLite, is truncated, or is
//! another program's database gives `Corrupt` and stays byte-for-byte as it was.
//! (2) A newer schema gives `TooNew`. (3) The key is checked against the stored
//! key-check value; a wrong one gives `WrongKey`. Only then (4) is anything
//! written: WAL mode, and the schema inside a `BEGIN IMMEDIATE` transaction that
//! re-checks what it found, so many processes may open a new store at once.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oci_iam_sso_domain::{StoreError, one_line};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::schema::{self, APPLICATION_ID, SCHEMA_VERSION};
use super::{Shared, StoreOptions, sql_error};
use crate::key::{self, Cipher, KeySettings, KeySource, PreparedKey, Refusal, meta};
use crate::private_fs::{create_private_file, ensure_private_dir, restrict_to_owner};

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const SQLITE_HEADER_LEN: u64 = 100;

/// What the file turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Empty: a new store (or one another process is creating right now).
    Empty,
    /// One of ours, at this schema version.
    Store(u32),
}

struct Opening<'a> {
    location: String,
    options: StoreOptions,
    key: PreparedKey<'a>,
}

impl Opening<'_> {
    fn corrupt(&self, detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            location: self.location.clone(),
            detail: detail.into(),
        }
    }

    fn io(&self, detail: impl Into<String>) -> StoreError {
        StoreError::Io {
            location: self.location.clone(),
            detail: detail.into(),
        }
    }

    fn sql(&self, error: rusqlite::Error) -> StoreError {
        sql_error(&self.location, self.options.lock_timeout, error)
    }

    fn wrong_key(&self) -> StoreError {
        StoreError::WrongKey {
            location: self.location.clone(),
        }
    }
}

pub(crate) fn open(
    path: &Path,
    key: KeySource,
    options: StoreOptions,
) -> Result<Shared, StoreError> {
    // A malformed base64 key is reported before any file is created.
    let key = PreparedKey::from_source(&key)?;
    let opening = Opening {
        location: path.display().to_string(),
        options,
        key,
    };

    if options.lock_timeout > StoreOptions::MAX_LOCK_TIMEOUT {
        return Err(opening.io(format!(
            "a lock timeout of {}s is longer than SQLite can wait (at most {}s)",
            options.lock_timeout.as_secs(),
            StoreOptions::MAX_LOCK_TIMEOUT.as_secs()
        )));
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    ensure_private_dir(dir).map_err(|e| opening.io(format!("cannot create its directory: {e}")))?;
    check_file(&opening, path)?;
    // Locks and kept rotations belong to the file, not to the way it was named:
    // through a symlink or another spelling of its directory, every process
    // must meet the same lock.
    let real_path = std::fs::canonicalize(path)
        .map_err(|e| opening.io(format!("cannot resolve its path: {e}")))?;

    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| opening.sql(e))?;
    conn.busy_timeout(options.lock_timeout)
        .map_err(|e| opening.sql(e))?;

    // (1) and (2): reads only.
    let found = inspect(&opening, &conn)?;
    // (3): an existing store must open with this key before anything is written.
    let verified = match found {
        Found::Store(_) => Some(verify_key(&opening, &conn)?),
        Found::Empty => None,
    };

    // (4): writes.
    enable_wal(&opening, &conn)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| opening.sql(e))?;
    let cipher = match (found, verified) {
        (Found::Store(version), Some(cipher)) if version == SCHEMA_VERSION => cipher,
        (_, verified) => set_up(&opening, &mut conn, verified)?,
    };
    // The store's identity: its key-check value is sealed with a fresh random
    // nonce when the store is created, so no two stores share it. A slot kept
    // aside is bound to it and cannot be adopted into another store.
    let store_id = meta_blob(&opening, &conn, meta::KEY_CHECK)?
        .map(|check| key::store_id(&check))
        .ok_or_else(|| opening.corrupt("it has no key-check value"))?;
    // Only now, known to be ours: a foreign file keeps its mode.
    restrict_to_owner(path)
        .map_err(|e| opening.io(format!("cannot restrict it to its owner: {e}")))?;

    let beside = |suffix: &str| {
        let mut name = real_path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    Ok(Shared {
        conn: std::sync::Mutex::new(conn),
        cipher,
        location: opening.location,
        lock_dir: beside(".locks"),
        pending_dir: beside(".pending"),
        store_id,
        options,
    })
}

/// Creates the file (0600) when missing; otherwise checks it is a regular file
/// with an SQLite header. Its permissions are narrowed only once it is known
/// to be a token store.
fn check_file(opening: &Opening<'_>, path: &Path) -> Result<(), StoreError> {
    if create_private_file(path).map_err(|e| opening.io(format!("cannot create it: {e}")))? {
        return Ok(());
    }
    let metadata = std::fs::metadata(path).map_err(|e| opening.io(e.to_string()))?;
    if !metadata.is_file() {
        return Err(opening.corrupt("it is not a regular file"));
    }
    // Zero bytes: a store another process has only just created. SQLite treats it
    // as an empty database; anything from 1 to 99 bytes cannot hold a header.
    if metadata.len() > 0 {
        if metadata.len() < SQLITE_HEADER_LEN {
            return Err(opening.corrupt(format!(
                "it is only {} bytes long (truncated?)",
                metadata.len()
            )));
        }
        let mut header = [0u8; 16];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut header))
            .map_err(|e| opening.io(format!("cannot read it: {e}")))?;
        if &header != SQLITE_MAGIC {
            return Err(opening.corrupt("it is not an SQLite database"));
        }
    }
    Ok(())
}

/// Reads what the file holds, without writing.
fn inspect(opening: &Opening<'_>, conn: &Connection) -> Result<Found, StoreError> {
    let sql = |e| opening.sql(e);
    let check: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(sql)?;
    if check != "ok" {
        // SQLite's report spans lines ("*** in database main ***\nTree 5 …");
        // errors are one line.
        return Err(opening.corrupt(format!("SQLite integrity check: {}", one_line(&check, 200))));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql)?;
    let application_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sql)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(sql)?;
    let ours = application_id == APPLICATION_ID;
    if objects == 0 && version == 0 && (application_id == 0 || ours) {
        return Ok(Found::Empty);
    }
    if !ours {
        return Err(
            opening.corrupt("it is an SQLite database of another program, not a token store")
        );
    }
    let version = u32::try_from(version)
        .map_err(|_| opening.corrupt(format!("its schema version {version} is invalid")))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            location: opening.location.clone(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(Found::Store(version))
}

fn read_meta(conn: &Connection, name: &str) -> rusqlite::Result<Option<rusqlite::types::Value>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [name], |r| {
        r.get(0)
    })
    .optional()
}

fn meta_text(
    opening: &Opening<'_>,
    conn: &Connection,
    name: &str,
) -> Result<Option<String>, StoreError> {
    use rusqlite::types::Value;
    match read_meta(conn, name).map_err(|e| opening.sql(e))? {
        None => Ok(None),
        Some(Value::Text(text)) => Ok(Some(text)),
        Some(_) => Err(opening.corrupt(format!("its `{name}` setting has the wrong type"))),
    }
}

fn meta_blob(
    opening: &Opening<'_>,
    conn: &Connection,
    name: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    use rusqlite::types::Value;
    match read_meta(conn, name).map_err(|e| opening.sql(e))? {
        None => Ok(None),
        Some(Value::Blob(blob)) => Ok(Some(blob)),
        Some(_) => Err(opening.corrupt(format!("its `{name}` setting has the wrong type"))),
    }
}

/// The key of an existing store, checked against its key-check value.
fn verify_key(opening: &Opening<'_>, conn: &Connection) -> Result<Cipher, StoreError> {
    let stored = KeySettings {
        kdf: meta_text(opening, conn, meta::KDF)?,
        salt: meta_blob(opening, conn, meta::KDF_SALT)?,
        iterations: meta_text(opening, conn, meta::KDF_ITERATIONS)?,
        check: meta_blob(opening, conn, meta::KEY_CHECK)?,
    };
    key::unlock(&opening.key, &stored).map_err(|refusal| match refusal {
        Refusal::WrongKey => opening.wrong_key(),
        Refusal::Corrupt(detail) => opening.corrupt(detail),
        Refusal::Key(error) => error,
    })
}

/// Switches a new store to WAL. Two openers may race here; SQLite may then answer
/// "busy" without calling the busy handler, so retry until the lock timeout.
fn enable_wal(opening: &Opening<'_>, conn: &Connection) -> Result<(), StoreError> {
    let deadline = Instant::now() + opening.options.lock_timeout;
    loop {
        let result = conn
            .pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))
            .and_then(|mode| {
                if mode.eq_ignore_ascii_case("wal") {
                    Ok(mode)
                } else {
                    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                }
            });
        match result {
            // A file system without shared memory keeps the old mode: still correct.
            Ok(_) => return Ok(()),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy)
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(opening.sql(e)),
        }
    }
}

/// Creates or migrates the schema in one `IMMEDIATE` transaction, initialising the
/// key settings of a new store. Re-reads the state: another process may have
/// created the store since [`inspect`] looked.
fn set_up(
    opening: &Opening<'_>,
    conn: &mut Connection,
    verified: Option<Cipher>,
) -> Result<Cipher, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| opening.sql(e))?;
    let found = inspect(opening, &tx)?;
    let cipher = match (found, verified) {
        (Found::Store(version), verified) => {
            let cipher = match verified {
                Some(cipher) => cipher,
                // Created by someone else meanwhile: it must open with our key too.
                None => verify_key(opening, &tx)?,
            };
            schema::migrate(&tx, version).map_err(|e| opening.sql(e))?;
            cipher
        }
        (Found::Empty, _) => {
            schema::migrate(&tx, 0).map_err(|e| opening.sql(e))?;
            initialise_key(opening, &tx)?
        }
    };
    tx.commit().map_err(|e| opening.sql(e))?;
    Ok(cipher)
}

/// Settles the key of a new store and records how to find it again: the KDF, its
/// salt and iterations (for a passphrase), and the key-check value.
fn initialise_key(opening: &Opening<'_>, conn: &Connection) -> Result<Cipher, StoreError> {
    let (cipher, settings) = key::initialise(&opening.key)?;
    if let Some(salt) = settings.salt {
        put_meta(opening, conn, meta::KDF_SALT, salt)?;
    }
    if let Some(iterations) = settings.iterations {
        put_meta(opening, conn, meta::KDF_ITERATIONS, iterations)?;
    }
    put_meta(opening, conn, meta::KDF, settings.kdf)?;
    put_meta(opening, conn, meta::KEY_CHECK, settings.check)?;
    Ok(cipher)
}

fn put_meta(
    opening: &Opening<'_>,
    conn: &Connection,
    name: &str,
    value: impl rusqlite::ToSql,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        rusqlite::params![name, value],
    )
    .map_err(|e| opening.sql(e))?;
    Ok(())
}

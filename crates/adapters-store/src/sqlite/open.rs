//! Opening a store: look before writing.
//!
//! Order matters. (1) The file's header is checked by hand and SQLite's
//! `quick_check` runs, read-only; a file that is not SQLite, is truncated, or is
//! another program's database gives `Corrupt` and stays byte-for-byte as it was.
//! (2) A newer schema gives `TooNew`. (3) The key is checked against the stored
//! key-check value; a wrong one gives `WrongKey`. Only then (4) is anything
//! written, and only when needed: a store of an older release leaves WAL mode,
//! and a new or older schema is set up inside a `BEGIN IMMEDIATE` transaction
//! that re-checks what it found, so many processes may open a new store at once.
//!
//! Opening a current store writes nothing, and neither does reading it: the
//! store uses a rollback journal, where a reader only takes a shared lock on
//! the file. (In WAL mode every connection creates the `-wal` and `-shm` files
//! and the last one to close deletes them, so `token` wrote on each cache hit.)

use std::io::Read;
use std::path::{Path, PathBuf};

use oci_iam_sso_domain::{StoreError, one_line};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::schema::{self, APPLICATION_ID, SCHEMA_VERSION, meta};
use super::{Shared, StoreOptions, sql_error, store_lock};
use crate::key::{self, KeySettings, KeySource, MetaValue, PreparedKey, Unlocked};
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
}

pub(crate) fn open(
    path: &Path,
    key: KeySource,
    options: StoreOptions,
) -> Result<Shared, StoreError> {
    // A malformed base64 key is reported before any file is created.
    let opening = Opening {
        location: path.display().to_string(),
        options,
        key: PreparedKey::from_source(&key)?,
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

    // Held (shared) while this handle lives: `rekey` takes it exclusively, so
    // it never changes the key under a running command, and a command started
    // during a rekey waits for it here.
    let store_lock = store_lock::acquire_shared(&real_path, options.lock_timeout)
        .map_err(|e| opening.io(format!("cannot lock it: {e}")))?
        .ok_or(StoreError::LockTimeout {
            waited: options.lock_timeout,
        })?;

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

    // (4): writes, only when needed. EXTRA, not FULL: in DELETE mode a commit
    // is the journal's unlink, which only EXTRA syncs to disk (SQLite's
    // `synchronous` documentation); FULL could roll a commit back after a power cut.
    leave_wal(&opening, &conn)?;
    conn.pragma_update(None, "synchronous", "EXTRA")
        .map_err(|e| opening.sql(e))?;
    let unlocked = match (found, verified) {
        (Found::Store(version), Some(unlocked)) if version == SCHEMA_VERSION => unlocked,
        (_, verified) => set_up(&opening, &mut conn, verified)?,
    };
    let Unlocked {
        cipher,
        store_id,
        home: key_home,
    } = unlocked;
    // Only now, known to be ours: a foreign file keeps its mode.
    restrict_to_owner(path)
        .map_err(|e| opening.io(format!("cannot restrict it to its owner: {e}")))?;

    let beside = |suffix: &str| {
        let mut name = real_path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let pending_dir = beside(".pending");
    // A rekey cut off between its commit and moving the re-sealed slots into
    // place left them beside the old ones: finish (or undo) that first.
    super::rekey::settle_slots(&pending_dir, &cipher, &store_id)
        .map_err(|e| opening.io(format!("cannot settle the token sets kept aside: {e}")))?;
    Ok(Shared {
        conn: std::sync::Mutex::new(conn),
        cipher,
        store_lock,
        key_home,
        location: opening.location,
        lock_dir: beside(".locks"),
        pending_dir,
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

/// What the store records about its key, each setting in the type it is kept as.
fn read_settings(opening: &Opening<'_>, conn: &Connection) -> Result<KeySettings, StoreError> {
    use rusqlite::types::Value;
    let mut settings = KeySettings::default();
    let mut statement = conn
        .prepare("SELECT key, value FROM meta")
        .map_err(|e| opening.sql(e))?;
    let rows = statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Value>(1)?)))
        .map_err(|e| opening.sql(e))?;
    for row in rows {
        let (name, value) = row.map_err(|e| opening.sql(e))?;
        let wrong_type = || opening.corrupt(format!("its `{name}` setting has the wrong type"));
        let text = |value: Value| match value {
            Value::Text(text) => Ok(Some(text)),
            _ => Err(wrong_type()),
        };
        let blob = |value: Value| match value {
            Value::Blob(blob) => Ok(Some(blob)),
            _ => Err(wrong_type()),
        };
        match name.as_str() {
            meta::KDF => settings.kdf = text(value)?,
            meta::KDF_SALT => settings.salt = blob(value)?,
            meta::KDF_ITERATIONS => settings.iterations = text(value)?,
            meta::KEY_CHECK => settings.check = blob(value)?,
            meta::KEY_SOURCE => settings.source = text(value)?,
            meta::STORE_ID => settings.store_id = text(value)?,
            _ => {}
        }
    }
    Ok(settings)
}

/// The key of an existing store, checked against its key-check value.
fn verify_key(opening: &Opening<'_>, conn: &Connection) -> Result<Unlocked, StoreError> {
    key::unlock(
        &opening.key,
        &read_settings(opening, conn)?,
        &opening.location,
    )
}

/// Moves a store of an older release out of WAL mode into a rollback journal
/// (DELETE), once. A new store starts in DELETE mode and a converted one stays
/// there (the mode is kept in the file's header), so this only reads.
///
/// Leaving WAL needs every other connection closed; while another process
/// holds the store it stays in WAL, which is as safe, and the next opener
/// tries again (without waiting: a busy store is no reason to be slow).
fn leave_wal(opening: &Opening<'_>, conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .map_err(|e| opening.sql(e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    conn.busy_timeout(std::time::Duration::ZERO)
        .map_err(|e| opening.sql(e))?;
    let left =
        conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0));
    conn.busy_timeout(opening.options.lock_timeout)
        .map_err(|e| opening.sql(e))?;
    match left {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ) =>
        {
            tracing::debug!("the store stays in WAL mode while another process uses it");
            Ok(())
        }
        Err(e) => Err(opening.sql(e)),
    }
}

/// Creates or migrates the schema in one `IMMEDIATE` transaction, initialising the
/// key settings of a new store. Re-reads the state: another process may have
/// created the store since [`inspect`] looked.
fn set_up(
    opening: &Opening<'_>,
    conn: &mut Connection,
    verified: Option<Unlocked>,
) -> Result<Unlocked, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| opening.sql(e))?;
    let found = inspect(opening, &tx)?;
    let unlocked = match (found, verified) {
        (Found::Store(version), verified) => {
            let unlocked = match verified {
                Some(unlocked) => unlocked,
                // Created by someone else meanwhile: it must open with our key too.
                None => verify_key(opening, &tx)?,
            };
            schema::migrate(&tx, version).map_err(|e| opening.sql(e))?;
            unlocked
        }
        (Found::Empty, _) => {
            schema::migrate(&tx, 0).map_err(|e| opening.sql(e))?;
            // The keyring's entry is written here, before the store that needs it is committed.
            let (unlocked, settings) = key::initialise(&opening.key)?;
            for (name, value) in settings.rows() {
                put_meta(opening, &tx, name, value)?;
            }
            unlocked
        }
    };
    tx.commit().map_err(|e| opening.sql(e))?;
    Ok(unlocked)
}

fn put_meta(
    opening: &Opening<'_>,
    conn: &Connection,
    name: &str,
    value: MetaValue<'_>,
) -> Result<(), StoreError> {
    let value: &dyn rusqlite::ToSql = match &value {
        MetaValue::Text(text) => text,
        MetaValue::Blob(blob) => blob,
    };
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        rusqlite::params![name, value],
    )
    .map_err(|e| opening.sql(e))?;
    Ok(())
}

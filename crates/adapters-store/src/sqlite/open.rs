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
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::schema::{
    self, APPLICATION_ID, KEY_CHECK_PLAINTEXT, KEY_CHECK_ROW, SCHEMA_VERSION, meta,
};
use super::{KeyHome, Shared, StoreOptions, sql_error, store_lock};
use crate::key::{
    self, Cipher, KdfParams, KeySource, KeySourceKind, RawKey, create_or_load_key_file,
    load_key_file,
};
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

/// The key source after the checks that need no file: a base64 key is decoded.
enum Key<'a> {
    Raw(RawKey),
    File(&'a Path),
    Passphrase(&'a str),
    Keyring,
    /// The key file, unless the store records the keyring.
    Default(&'a Path),
}

struct Opening<'a> {
    location: String,
    options: StoreOptions,
    key: Key<'a>,
    kind: KeySourceKind,
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

    fn mismatch(&self, made_with: KeySourceKind) -> StoreError {
        StoreError::KeySourceMismatch {
            location: self.location.clone(),
            made_with: made_with.name().to_owned(),
            opened_with: self.kind.name().to_owned(),
        }
    }
}

pub(crate) fn open(
    path: &Path,
    key: KeySource,
    options: StoreOptions,
) -> Result<Shared, StoreError> {
    let kind = key.kind();
    // A malformed base64 key is reported before any file is created.
    let key = match &key {
        KeySource::Base64(value) => Key::Raw(key::parse_base64_key(value)?),
        KeySource::KeyFile(file) => Key::File(file),
        KeySource::Passphrase(passphrase) => Key::Passphrase(passphrase),
        KeySource::Keyring => Key::Keyring,
        KeySource::Default(file) => Key::Default(file),
    };
    let opening = Opening {
        location: path.display().to_string(),
        options,
        key,
        kind,
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
    let cipher = match (found, verified) {
        (Found::Store(version), Some(cipher)) if version == SCHEMA_VERSION => cipher,
        (_, verified) => set_up(&opening, &mut conn, verified)?,
    };
    // The store's identity: its key-check value is sealed with a fresh random
    // nonce when the store is created, so no two stores share it. A slot kept
    // aside is bound to it and cannot be adopted into another store.
    let store_id = store_id(&opening, &conn)?;
    let key_home = match &opening.key {
        Key::Raw(_) => KeyHome::Elsewhere(KeySourceKind::Env),
        Key::Passphrase(_) => KeyHome::Elsewhere(KeySourceKind::Passphrase),
        Key::Keyring => KeyHome::Keyring,
        Key::File(file) => KeyHome::File(file.to_path_buf()),
        Key::Default(file) => match made_with(&opening, &conn)? {
            Some(KeySourceKind::Keyring) => KeyHome::Keyring,
            _ => KeyHome::File(file.to_path_buf()),
        },
    };
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

/// The store's identity: recorded since key sources are recorded; before,
/// the fingerprint of its key-check value (sealed with a fresh random nonce
/// when the store was created, so no two stores share it). A slot kept aside
/// and a keyring entry are bound to it.
fn store_id(opening: &Opening<'_>, conn: &Connection) -> Result<String, StoreError> {
    if let Some(id) = meta_text(opening, conn, meta::STORE_ID)? {
        return Ok(id);
    }
    meta_blob(opening, conn, meta::KEY_CHECK)?
        .map(|check| oci_iam_sso_domain::fingerprint(&check))
        .ok_or_else(|| opening.corrupt("it has no key-check value"))
}

/// The kind of source that made the store: recorded, or (for a store made
/// before sources were recorded) a passphrase when its KDF says so.
fn made_with(
    opening: &Opening<'_>,
    conn: &Connection,
) -> Result<Option<KeySourceKind>, StoreError> {
    match meta_text(opening, conn, meta::KEY_SOURCE)? {
        Some(name) => KeySourceKind::parse(&name)
            .map(Some)
            .ok_or_else(|| opening.corrupt(format!("its key source `{name}` is unknown"))),
        None => Ok(
            (meta_text(opening, conn, meta::KDF)?.as_deref() == Some(meta::KDF_PBKDF2))
                .then_some(KeySourceKind::Passphrase),
        ),
    }
}

/// The key of an existing store, checked against its key-check value. When it
/// does not open and the store was made with another kind of source, the
/// error names that source (a key that opens it is fine from any source).
fn verify_key(opening: &Opening<'_>, conn: &Connection) -> Result<Cipher, StoreError> {
    let made_with = made_with(opening, conn)?;
    let follows_record =
        matches!(opening.key, Key::Default(_)) && made_with == Some(KeySourceKind::Keyring);
    match try_key(opening, conn, follows_record) {
        Err(StoreError::WrongKey { .. } | StoreError::KeyUnavailable { .. })
            if !follows_record && made_with.is_some_and(|made| made != opening.kind) =>
        {
            Err(opening.mismatch(made_with.unwrap_or(opening.kind)))
        }
        other => other,
    }
}

fn try_key(
    opening: &Opening<'_>,
    conn: &Connection,
    from_keyring: bool,
) -> Result<Cipher, StoreError> {
    let kdf = meta_text(opening, conn, meta::KDF)?
        .ok_or_else(|| opening.corrupt("it has no key settings"))?;
    let check = meta_blob(opening, conn, meta::KEY_CHECK)?
        .ok_or_else(|| opening.corrupt("it has no key-check value"))?;
    let derived;
    let raw = match (&opening.key, from_keyring) {
        (Key::Raw(raw), _) => raw,
        (Key::Keyring, _) | (Key::Default(_), true) => {
            derived = key::keyring::load(&store_id(opening, conn)?)?;
            &derived
        }
        // An existing store never gets a new key file: that could not open it.
        (Key::File(file) | Key::Default(file), _) => {
            derived = load_key_file(file)?;
            &derived
        }
        (Key::Passphrase(passphrase), _) => {
            if kdf != meta::KDF_PBKDF2 {
                return Err(opening.wrong_key());
            }
            let salt = meta_blob(opening, conn, meta::KDF_SALT)?;
            let iterations =
                meta_text(opening, conn, meta::KDF_ITERATIONS)?.and_then(|i| i.parse::<i64>().ok());
            let params = salt
                .zip(iterations)
                .and_then(|(salt, iterations)| KdfParams::checked(salt, iterations))
                .ok_or_else(|| {
                    opening.corrupt("its passphrase settings are missing or out of bounds")
                })?;
            derived = key::derive_from_passphrase(passphrase, &params)?;
            &derived
        }
    };
    let cipher = Cipher::new(raw);
    match cipher.open(KEY_CHECK_ROW, meta::KEY_CHECK, &check) {
        Ok(plain) if plain.as_slice() == KEY_CHECK_PLAINTEXT => Ok(cipher),
        _ => Err(opening.wrong_key()),
    }
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
    let derived;
    let mut kdf = meta::KDF_RAW;
    let mut in_keyring = false;
    let raw = match &opening.key {
        Key::Raw(raw) => raw,
        Key::File(file) | Key::Default(file) => {
            derived = create_or_load_key_file(file)?;
            &derived
        }
        Key::Keyring => {
            derived = key::random_key()?;
            in_keyring = true;
            &derived
        }
        Key::Passphrase(passphrase) => {
            let params = KdfParams::generate();
            derived = key::derive_from_passphrase(passphrase, &params)?;
            kdf = meta::KDF_PBKDF2;
            put_meta(opening, conn, meta::KDF_SALT, params.salt)?;
            put_meta(
                opening,
                conn,
                meta::KDF_ITERATIONS,
                params.iterations.to_string(),
            )?;
            &derived
        }
    };
    let cipher = Cipher::new(raw);
    put_meta(opening, conn, meta::KDF, kdf.to_owned())?;
    let check = cipher.seal(KEY_CHECK_ROW, meta::KEY_CHECK, KEY_CHECK_PLAINTEXT);
    let store_id = oci_iam_sso_domain::fingerprint(&check);
    put_meta(opening, conn, meta::KEY_CHECK, check)?;
    put_meta(opening, conn, meta::STORE_ID, store_id.clone())?;
    put_meta(
        opening,
        conn,
        meta::KEY_SOURCE,
        opening.kind.name().to_owned(),
    )?;
    // In its home before the store that needs it is committed.
    if in_keyring {
        key::keyring::save(&store_id, raw)?;
    }
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

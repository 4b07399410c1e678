//! What a hostile or careless neighbour can leave in the store's directories:
//! a foreign database (its mode must not change), a symlink planted where a
//! lock file goes (never followed), a lock file others can read (narrowed), a
//! lock timeout too long for SQLite (an error, not a panic), and the slot a
//! rotation is kept aside in (0600 in 0700, nothing in clear).
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use oci_iam_sso_adapters_store::{SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::{PendingRotation, StoreError, Timestamp, TokenStore};
use store_support::*;

#[test]
fn a_foreign_database_is_refused_before_its_mode_is_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
            .unwrap();
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(
        open_err(&path, key_a()),
        StoreError::Corrupt { .. }
    ));
    assert_eq!(mode(&path), 0o644, "another program's file keeps its mode");
}

#[tokio::test]
async fn a_symlink_planted_as_a_lock_file_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let store = open(&path);
    store_first(&store, "p", 1).await;
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "the user's file").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let lock_dir = path.with_extension("db.locks");
    std::fs::create_dir_all(&lock_dir).unwrap();
    std::os::unix::fs::symlink(&victim, lock_dir.join("q.lock")).unwrap();

    let refused = store.lock(&name("q")).await;

    assert!(matches!(refused, Err(StoreError::Io { .. })), "refused");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's file");
    assert_eq!(mode(&victim), 0o644, "the target keeps its mode");
}

#[tokio::test]
async fn a_lock_file_others_can_read_is_narrowed_to_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let store = open(&path);
    store_first(&store, "p", 1).await;
    let lock_file = path.with_extension("db.locks").join("p.lock");
    std::fs::set_permissions(&lock_file, std::fs::Permissions::from_mode(0o666)).unwrap();

    drop(store.lock(&name("p")).await.unwrap());

    assert_eq!(mode(&lock_file), 0o600);
}

#[test]
fn a_lock_timeout_too_long_for_sqlite_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        lock_timeout: Duration::from_secs(100_000 * 3600),
    };
    let error = SqliteTokenStore::open(&store_path(dir.path()), key_a(), options).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("longer than SQLite can wait"), "{text}");
}

#[tokio::test]
async fn the_kept_aside_slot_is_private_and_holds_nothing_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let store = open(&path);
    store_first(&store, "p", 1).await;
    let mut lock = store.lock(&name("p")).await.unwrap();
    lock.prepare_rotation().await.unwrap();
    let pending = PendingRotation::over(
        Some(&tokens("p", 1)),
        tokens("p", 2),
        Timestamp::from_unix(1_700_000_000),
    );
    lock.keep_pending(&pending).await.unwrap();

    let slot_dir = path.with_extension("db.pending");
    let slot = slot_dir.join("p.sealed");
    assert_eq!(mode(&slot_dir), 0o700);
    assert_eq!(mode(&slot), 0o600);
    let bytes = std::fs::read(&slot).unwrap();
    assert_eq!(bytes.len(), 64 * 1024, "allocated whole before the grant");
    for secret in ["PLAINTEXT", "refresh-", "access-"] {
        assert!(!contains(&bytes, secret), "{secret} in clear");
    }
    assert_eq!(lock.pending().await.unwrap(), Some(pending));
}

#[tokio::test]
async fn a_slot_left_by_a_deleted_store_is_not_adopted_by_a_new_one() {
    // A first login whose save failed, then the user deletes the database but
    // not its `.pending` directory: a new store at the same path, with the
    // same key, must not take that old login for its own.
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    {
        let store = open(&path);
        let mut lock = store.lock(&name("p")).await.unwrap();
        lock.prepare_rotation().await.unwrap();
        let first = PendingRotation::over(None, tokens("p", 1), Timestamp::from_unix(1));
        lock.keep_pending(&first).await.unwrap();
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = open(&path);
    assert_eq!(store.pending(&name("p")).await.unwrap(), None);
    let mut lock = store.lock(&name("p")).await.unwrap();
    assert_eq!(lock.pending().await.unwrap(), None);
}

#[tokio::test]
async fn a_symlink_planted_as_the_slot_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let store = open(&path);
    store_first(&store, "p", 1).await;
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "the user's file").unwrap();
    let slot_dir = path.with_extension("db.pending");
    std::fs::create_dir_all(&slot_dir).unwrap();
    std::os::unix::fs::symlink(&victim, slot_dir.join("p.sealed")).unwrap();

    let mut lock = store.lock(&name("p")).await.unwrap();
    assert!(lock.prepare_rotation().await.is_err(), "refused");
    assert!(lock.pending().await.is_err(), "not read through");
    let _ = lock
        .replace(
            Some(oci_iam_sso_domain::Generation::new(1)),
            &tokens("p", 2),
            T_AUDIT,
        )
        .await;
    let _ = lock.clear().await;

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's file");
}

//! What lands on disk: owner-only permissions, and no secret in the clear.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use std::os::unix::fs::PermissionsExt;

use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::TokenStore;
use store_support::*;

#[tokio::test]
async fn directories_are_0700_and_files_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let key_file = dir.path().join("keys").join("store.key");
    let store = SqliteTokenStore::open(
        &path,
        KeySource::key_file(&key_file),
        StoreOptions::default(),
    )
    .unwrap();
    store.put_profile(&profile("p")).await.unwrap();
    let lock = store.lock(&name("p")).await.unwrap();

    assert_eq!(mode(path.parent().unwrap()), 0o700, "store directory");
    assert_eq!(mode(&path), 0o600, "database");
    // A rollback journal, not WAL: no `-wal` or `-shm` file beside an open store.
    assert!(!dir.path().join("state/tokens.db-wal").exists(), "no WAL");
    assert!(
        !dir.path().join("state/tokens.db-shm").exists(),
        "no WAL index"
    );
    assert_eq!(mode(key_file.parent().unwrap()), 0o700, "key directory");
    assert_eq!(mode(&key_file), 0o600, "key file");
    assert_eq!(std::fs::metadata(&key_file).unwrap().len(), 32);
    assert_eq!(
        mode(&dir.path().join("state/tokens.db.locks")),
        0o700,
        "lock directory"
    );
    assert_eq!(
        mode(&dir.path().join("state/tokens.db.locks/p.lock")),
        0o600,
        "lock file"
    );
    drop(lock);
}

#[tokio::test]
async fn wider_permissions_are_narrowed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let key_file = dir.path().join("store.key");
    drop(open(&path));
    std::fs::write(&key_file, [5u8; 32]).unwrap();
    for file in [&path, &key_file] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // The store was made with key_a; reopening with key_a narrows the database,
    // and a key file that is read (for a new store) is narrowed too.
    drop(open(&path));
    let other = dir.path().join("other").join("tokens.db");
    drop(
        SqliteTokenStore::open(
            &other,
            KeySource::key_file(&key_file),
            StoreOptions::default(),
        )
        .unwrap(),
    );
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(
        std::fs::read(&key_file).unwrap(),
        [5u8; 32],
        "key kept as it was"
    );
}

#[tokio::test]
async fn no_secret_is_on_disk_in_the_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let secrets = [
        "client-id-PLAINTEXT-p",
        "client-secret-PLAINTEXT-p",
        "access-PLAINTEXT-p-1",
        "refresh-PLAINTEXT-p-1",
        "access-PLAINTEXT-p-2",
        "refresh-PLAINTEXT-p-2",
    ];
    let store = open(&path);
    store.put_profile(&profile("p")).await.unwrap();
    let mut lock = store.lock(&name("p")).await.unwrap();
    lock.replace(None, &tokens("p", 1), T_AUDIT).await.unwrap();
    lock.replace(
        Some(oci_iam_sso_domain::Generation::new(1)),
        &tokens("p", 2),
        T_AUDIT,
    )
    .await
    .unwrap();
    drop(lock);

    // While open and after closing: the database file (and a WAL, were there one).
    let live = db_bytes(&path);
    assert!(
        contains(&live, "urn:opc:idm:__myscopes__"),
        "the check can see clear text"
    );
    for secret in secrets {
        assert!(
            !contains(&live, secret),
            "{secret} in the open store's files"
        );
    }
    drop(store);
    let closed = db_bytes(&path);
    assert!(contains(&closed, "idcs-1234.identity.oraclecloud.com"));
    for secret in secrets {
        assert!(
            !contains(&closed, secret),
            "{secret} in the closed store's file"
        );
    }
}

#[tokio::test]
async fn a_store_in_wal_mode_moves_to_a_rollback_journal_and_keeps_its_tokens() {
    // Stores of earlier releases were in WAL mode, where every reader creates
    // and deletes the `-wal` and `-shm` files: the first open leaves it.
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    {
        let store = open(&path);
        store_first(&store, "p", 1).await;
    }
    let journal = |path: &std::path::Path| -> String {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(journal(&path), "delete", "a new store");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
    let store = open(&path);
    assert_eq!(journal(&path), "delete", "after the first open");
    assert_eq!(
        store.tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 1))
    );
    drop(store);
    assert!(!dir.path().join("state/tokens.db-wal").exists());
}

//! Files the store must refuse, and leave exactly as they were: another key, a
//! corrupt or foreign file, a newer schema; and sealed values moved between places.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use base64::Engine;
use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::{StoreError, TokenStore};
use store_support::*;

/// A closed store holding one profile with tokens.
async fn written_store(path: &std::path::Path, key: KeySource) {
    let store = SqliteTokenStore::open(path, key, StoreOptions::default()).unwrap();
    store.put_profile(&profile("p")).await.unwrap();
    store_first(&store, "p", 1).await;
}

fn assert_wrong_key(path: &std::path::Path, key: KeySource) {
    let before = std::fs::read(path).unwrap();
    match open_err(path, key) {
        StoreError::WrongKey { location } => assert!(location.ends_with("tokens.db")),
        other => panic!("expected WrongKey, got {other:?}"),
    }
    assert_eq!(std::fs::read(path).unwrap(), before, "nothing written");
}

/// Another kind of source: the error names the one that made the store.
fn assert_other_source(path: &std::path::Path, key: KeySource, made: &str) {
    let before = std::fs::read(path).unwrap();
    let opened = key.kind().name();
    match open_err(path, key) {
        StoreError::KeySourceMismatch {
            location,
            made_with,
            opened_with,
        } => {
            assert!(location.ends_with("tokens.db"));
            assert_eq!((made_with.as_str(), opened_with.as_str()), (made, opened));
        }
        other => panic!("expected KeySourceMismatch, got {other:?}"),
    }
    assert_eq!(std::fs::read(path).unwrap(), before, "nothing written");
}

#[tokio::test]
async fn another_key_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    written_store(&path, key_a()).await;
    assert_wrong_key(&path, key_b());
    assert_other_source(&path, KeySource::passphrase("guess"), "env");

    let other_key_file = dir.path().join("other.key");
    std::fs::write(&other_key_file, [9u8; 32]).unwrap();
    assert_other_source(&path, KeySource::key_file(&other_key_file), "env");
    // The same key from another source opens it: the key is what counts.
    let same_key_file = dir.path().join("same.key");
    std::fs::write(&same_key_file, [0x41u8; 32]).unwrap();
    SqliteTokenStore::open(
        &path,
        KeySource::key_file(&same_key_file),
        StoreOptions::default(),
    )
    .unwrap();

    // The right key still works afterwards.
    assert_eq!(
        open(&path).tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 1))
    );
}

#[tokio::test]
async fn another_passphrase_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    written_store(&path, KeySource::passphrase("first passphrase")).await;
    assert_wrong_key(&path, KeySource::passphrase("second passphrase"));
    assert_other_source(&path, key_a(), "passphrase");
}

#[tokio::test]
async fn a_missing_key_file_is_not_recreated_for_an_existing_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let key_file = dir.path().join("store.key");
    written_store(&path, KeySource::key_file(&key_file)).await;
    std::fs::remove_file(&key_file).unwrap();
    let err = open_err(&path, KeySource::key_file(&key_file));
    assert!(matches!(err, StoreError::KeyUnavailable { .. }), "{err:?}");
    assert!(!key_file.exists(), "a new key could not open the store");
}

#[test]
fn bad_key_inputs_are_unavailable_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let cases = [
        (KeySource::base64("%%%"), "not standard base64"),
        (
            KeySource::base64(base64::engine::general_purpose::STANDARD.encode([1u8; 31])),
            "31 bytes",
        ),
        (KeySource::passphrase(""), "passphrase is empty"),
    ];
    for (key, expected) in cases {
        match open_err(&path, key) {
            StoreError::KeyUnavailable { reason } => assert!(reason.contains(expected), "{reason}"),
            other => panic!("expected KeyUnavailable, got {other:?}"),
        }
    }
    let short_key_file = dir.path().join("short.key");
    std::fs::write(&short_key_file, [1u8; 16]).unwrap();
    match open_err(&path, KeySource::key_file(&short_key_file)) {
        StoreError::KeyUnavailable { reason } => assert!(reason.contains("exactly 32"), "{reason}"),
        other => panic!("expected KeyUnavailable, got {other:?}"),
    }
    assert_eq!(std::fs::read(&short_key_file).unwrap(), [1u8; 16]);
}

fn assert_corrupt_and_untouched(path: &std::path::Path, expected_detail: &str) {
    let before = std::fs::read(path).unwrap();
    match open_err(path, key_a()) {
        StoreError::Corrupt { detail, .. } => {
            assert!(detail.contains(expected_detail), "detail: {detail}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file was modified"
    );
}

#[test]
fn random_bytes_and_short_files_are_corrupt_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.db");
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &noise).unwrap();
    assert_corrupt_and_untouched(&path, "not an SQLite database");

    std::fs::write(&path, b"SQLite format 3\0 but short").unwrap();
    assert_corrupt_and_untouched(&path, "only 26 bytes");

    // A valid header followed by garbage.
    let mut forged = b"SQLite format 3\0".to_vec();
    forged.extend(&noise);
    std::fs::write(&path, &forged).unwrap();
    assert_corrupt_and_untouched(&path, "");
}

#[tokio::test]
async fn a_truncated_store_is_corrupt_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    {
        let store = open(&path);
        // Enough rows for several pages, so a cut loses real data.
        for i in 0..40 {
            store.put_profile(&profile(&format!("p{i}"))).await.unwrap();
            store_first(&store, &format!("p{i}"), 1).await;
        }
    }
    let full = std::fs::read(&path).unwrap();
    assert!(
        full.len() > 4 * 4096,
        "store spans several pages: {}",
        full.len()
    );
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    assert_corrupt_and_untouched(&path, "");
}

#[test]
fn another_programs_database_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    assert_corrupt_and_untouched(&path, "another program");
}

#[tokio::test]
async fn a_newer_schema_is_too_new_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    written_store(&path, key_a()).await;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match open_err(&path, key_a()) {
        StoreError::TooNew { found, known, .. } => assert_eq!((found, known), (99, 3)),
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// Runs `sql` on the closed store with a plain connection (an attacker's edit).
fn tamper(path: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn expect_corrupt(result: Result<impl std::fmt::Debug, StoreError>, expected: &str) {
    match result {
        Err(StoreError::Corrupt { detail, .. }) => {
            assert!(detail.contains(expected), "detail: {detail}");
            assert!(!detail.contains("PLAINTEXT"), "no secret in: {detail}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[tokio::test]
async fn sealed_values_moved_between_rows_or_columns_do_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    {
        let store = open(&path);
        for n in ["a", "b"] {
            store.put_profile(&profile(n)).await.unwrap();
            store_first(&store, n, 1).await;
        }
    }
    // Swap the refresh tokens of rows a and b.
    tamper(
        &path,
        "CREATE TEMP TABLE old AS SELECT profile, refresh_ct FROM tokens;
         UPDATE tokens SET refresh_ct = (SELECT refresh_ct FROM old
             WHERE old.profile = CASE tokens.profile WHEN 'a' THEN 'b' ELSE 'a' END);",
    );
    let store = open(&path);
    expect_corrupt(
        store.tokens(&name("a")).await,
        "the refresh_token of profile `a` fails authentication",
    );
    expect_corrupt(
        store.tokens(&name("b")).await,
        "refresh_token of profile `b`",
    );
    drop(store);

    // Move the access token into the refresh column of the same row.
    tamper(
        &path,
        "UPDATE tokens SET refresh_ct = access_ct WHERE profile = 'a';",
    );
    expect_corrupt(
        open(&path).tokens(&name("a")).await,
        "refresh_token of profile `a`",
    );

    // Swap client ids between profiles.
    tamper(
        &path,
        "CREATE TEMP TABLE old AS SELECT name, client_id_ct FROM profiles;
         UPDATE profiles SET client_id_ct = (SELECT client_id_ct FROM old
             WHERE old.name = CASE profiles.name WHEN 'a' THEN 'b' ELSE 'a' END);",
    );
    let store = open(&path);
    expect_corrupt(store.profile(&name("b")).await, "client_id of profile `b`");
    expect_corrupt(store.profiles().await, "client_id of profile `a`");

    // One changed byte inside a ciphertext.
    drop(store);
    tamper(
        &path,
        "UPDATE tokens SET access_ct = CAST(substr(access_ct, 1, 20)
             || CASE WHEN substr(access_ct, 21, 1) = x'00' THEN x'01' ELSE x'00' END
             || substr(access_ct, 22) AS BLOB) WHERE profile = 'a';",
    );
    expect_corrupt(
        open(&path).tokens(&name("a")).await,
        "access_token of profile `a` fails",
    );
}

//! `rekey`: a store moves between the key file, an environment key and a
//! passphrase with every secret and every kept-aside set intact; a rekey cut
//! off before its commit leaves the old store, one cut off after it is
//! finished by the next open. (The OS keyring is tested through the binary
//! against a real Secret Service: crates/cli/tests/keyring.rs.)
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use std::path::Path;

use oci_iam_sso_adapters_store::{KeySource, KeySourceKind, RekeyFault, SqliteTokenStore};
use oci_iam_sso_domain::{PendingRotation, StoreError, Timestamp, TokenStore};
use store_support::*;

/// The sources a rekey moves between here (not the keyring).
fn source(kind: KeySourceKind, dir: &Path, round: u8) -> KeySource {
    match kind {
        KeySourceKind::KeyFile => KeySource::key_file(dir.join(format!("store-{round}.key"))),
        KeySourceKind::Env => {
            if round.is_multiple_of(2) {
                key_a()
            } else {
                key_b()
            }
        }
        KeySourceKind::Passphrase => KeySource::passphrase(format!("passphrase {round}")),
        KeySourceKind::Keyring => unreachable!("tested through the binary"),
    }
}

/// A store with a profile, its tokens, and a rotation kept aside.
async fn filled(path: &Path, key: KeySource) {
    let store = SqliteTokenStore::open(path, key, short_timeout()).unwrap();
    store.put_profile(&profile("p")).await.unwrap();
    store_first(&store, "p", 1).await;
    let mut lock = store.lock(&name("p")).await.unwrap();
    lock.prepare_rotation().await.unwrap();
    lock.keep_pending(&kept()).await.unwrap();
}

fn kept() -> PendingRotation {
    PendingRotation::over(
        Some(&tokens("p", 1)),
        tokens("p", 2),
        Timestamp::from_unix(1_700_000_000),
    )
}

async fn assert_intact(path: &Path, key: KeySource) {
    let store = SqliteTokenStore::open(path, key, short_timeout()).unwrap();
    assert_eq!(store.profile(&name("p")).await.unwrap(), Some(profile("p")));
    assert_eq!(
        store.tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 1))
    );
    assert_eq!(store.pending(&name("p")).await.unwrap(), Some(kept()));
}

#[tokio::test]
async fn rekey_moves_between_every_pair_and_keeps_everything() {
    use KeySourceKind::{Env, KeyFile, Passphrase};
    for (from, to) in [
        (KeyFile, Env),
        (Env, KeyFile),
        (KeyFile, Passphrase),
        (Passphrase, KeyFile),
        (Env, Passphrase),
        (Passphrase, Env),
        (Passphrase, Passphrase),
        (Env, Env),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(dir.path());
        filled(&path, source(from, dir.path(), 0)).await;
        let store =
            SqliteTokenStore::open(&path, source(from, dir.path(), 0), short_timeout()).unwrap();
        assert_eq!(store.key_source(), from);
        let report = store.rekey(source(to, dir.path(), 1)).unwrap();
        assert_eq!(
            (report.from, report.to, report.profiles, report.kept_aside),
            (from, to, 1, 1)
        );

        assert_intact(&path, source(to, dir.path(), 1)).await;
        // The old source opens it no more, and a key file it had is gone.
        let err = open_err(&path, source(from, dir.path(), 0));
        match (from == to, &err) {
            (true, StoreError::WrongKey { .. }) => {}
            (false, StoreError::KeySourceMismatch { made_with, .. }) => {
                assert_eq!(made_with, to.name(), "{from} -> {to}");
            }
            _ => panic!("{from} -> {to}: {err:?}"),
        }
        if from == KeyFile {
            assert!(
                !dir.path().join("store-0.key").exists(),
                "the old key file is removed"
            );
            assert_eq!(
                report.removed.as_deref().map(|r| r.contains("store-0.key")),
                Some(true)
            );
        }
        // No secret in clear, and none under the old key is left in the files.
        let bytes = db_bytes(&path);
        assert!(!contains(&bytes, "PLAINTEXT"));
    }
}

#[tokio::test]
async fn a_rekey_cut_off_before_its_commit_leaves_the_old_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    filled(&path, key_a()).await;
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    let err = store
        .rekey_cut_off(KeySource::passphrase("new"), RekeyFault::BeforeCommit)
        .unwrap_err();
    assert!(err.to_string().contains("cut off"), "{err}");

    // Everything opens with the old key, the kept-aside set too (its re-sealed
    // copy, which opens with no key the store has, is deleted at open).
    assert_intact(&path, key_a()).await;
    let leftovers: Vec<_> = std::fs::read_dir(path.with_extension("db.pending"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["p.sealed"]);
    // And a later rekey succeeds.
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    store.rekey(KeySource::passphrase("new")).unwrap();
    assert_intact(&path, KeySource::passphrase("new")).await;
}

#[tokio::test]
async fn a_rekey_cut_off_after_its_commit_is_finished_by_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    filled(&path, key_a()).await;
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    store
        .rekey_cut_off(key_b(), RekeyFault::AfterCommit)
        .unwrap_err();
    // The slot under the old key is still in place; the next open moves the
    // re-sealed one over it.
    assert_intact(&path, key_b()).await;
    assert!(matches!(
        open_err(&path, key_a()),
        StoreError::WrongKey { .. }
    ));
}

#[tokio::test]
async fn a_value_that_does_not_open_stops_the_rekey_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    filled(&path, key_a()).await;
    // A tampered refresh token: sealing it anew would lose it for good.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE tokens SET refresh_ct = x'01020304'", [])
        .unwrap();
    drop(conn);
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    let err = store.rekey(key_b()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string().contains("refresh_token of profile `p`"),
        "{err}"
    );
    assert!(matches!(
        open_err(&path, key_b()),
        StoreError::WrongKey { .. }
    ));
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    assert_eq!(store.profile(&name("p")).await.unwrap(), Some(profile("p")));
}

#[tokio::test]
async fn rekey_waits_for_open_handles_and_new_ones_wait_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    filled(&path, key_a()).await;
    let reader = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    // Another handle is open (a running command): the rekey gives up.
    let err = store.rekey(key_b()).unwrap_err();
    assert!(matches!(err, StoreError::LockTimeout { .. }), "{err:?}");
    assert_eq!(
        reader.tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 1))
    );
    drop(reader);
    assert_intact(&path, key_a()).await;
}

#[test]
fn a_command_during_a_rekey_works_before_it_or_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(filled(&path, key_a()));
    let patient = oci_iam_sso_adapters_store::StoreOptions {
        lock_timeout: std::time::Duration::from_secs(20),
    };
    let rekeying = {
        let path = path.clone();
        std::thread::spawn(move || {
            let store = SqliteTokenStore::open(&path, key_a(), patient).unwrap();
            // PBKDF2 at 600,000 rounds: the rekey holds the lock a while.
            store.rekey(KeySource::passphrase("new")).unwrap();
        })
    };
    let (mut before, mut after) = (0, 0);
    while !rekeying.is_finished() || before + after == 0 {
        match SqliteTokenStore::open(&path, key_a(), patient) {
            Ok(store) => {
                let read = runtime.block_on(store.tokens(&name("p"))).unwrap();
                assert_eq!(read, Some(tokens("p", 1)));
                before += 1;
            }
            // It waited for the rekey, then found the store moved: one clear line.
            Err(StoreError::KeySourceMismatch { made_with, .. }) => {
                assert_eq!(made_with, "passphrase");
                after += 1;
            }
            Err(other) => panic!("neither worked nor waited: {other:?}"),
        }
    }
    rekeying.join().unwrap();
    runtime.block_on(assert_intact(&path, KeySource::passphrase("new")));
}

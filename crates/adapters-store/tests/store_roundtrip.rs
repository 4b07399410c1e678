//! What goes in comes back out: profiles, token sets, the audit trail, across reopening.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::{Generation, TokenStore};
use store_support::*;

#[tokio::test]
async fn profiles_round_trip_sorted_and_updates_keep_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    assert!(store.profiles().await.unwrap().is_empty());
    assert_eq!(store.profile(&name("nobody")).await.unwrap(), None);

    for n in ["zeta", "Alpha", "beta"] {
        store.put_profile(&profile(n)).await.unwrap();
    }
    let names: Vec<String> = store
        .profiles()
        .await
        .unwrap()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    assert_eq!(
        names,
        ["Alpha", "beta", "zeta"],
        "sorted by name (byte order)"
    );
    assert_eq!(
        store.profile(&name("beta")).await.unwrap(),
        Some(profile("beta"))
    );

    store_first(&store, "beta", 1).await;
    let mut changed = profile("beta");
    changed.client_secret = None;
    changed.resource_url = None;
    store.put_profile(&changed).await.unwrap();
    assert_eq!(store.profile(&name("beta")).await.unwrap(), Some(changed));
    assert_eq!(
        store.tokens(&name("beta")).await.unwrap(),
        Some(tokens("beta", 1)),
        "updating a profile keeps its tokens"
    );
}

#[tokio::test]
async fn remove_profile_deletes_its_tokens_and_reports_existence() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    store.put_profile(&profile("a")).await.unwrap();
    store.put_profile(&profile("b")).await.unwrap();
    store_first(&store, "a", 3).await;
    store_first(&store, "b", 1).await;

    assert!(store.remove_profile(&name("a")).await.unwrap());
    assert!(!store.remove_profile(&name("a")).await.unwrap());
    assert_eq!(store.profile(&name("a")).await.unwrap(), None);
    assert_eq!(store.tokens(&name("a")).await.unwrap(), None);
    assert!(store.rotations(&name("a"), 10).await.unwrap().is_empty());
    assert_eq!(
        store.tokens(&name("b")).await.unwrap(),
        Some(tokens("b", 1))
    );
}

#[tokio::test]
async fn token_sets_round_trip_including_absent_parts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    assert_eq!(store.tokens(&name("p")).await.unwrap(), None);

    // After an import: only a refresh token, no access token, no scope.
    let mut imported = tokens("p", 1);
    imported.access = None;
    imported.scope = None;
    let mut lock = store.lock(&name("p")).await.unwrap();
    lock.replace(None, &imported, T_AUDIT).await.unwrap();
    assert_eq!(lock.tokens().await.unwrap(), Some(imported.clone()));

    // A server that does not rotate: no refresh token at all.
    let mut no_refresh = tokens("p", 2);
    no_refresh.refresh_token = None;
    lock.replace(Some(Generation::new(1)), &no_refresh, T_AUDIT)
        .await
        .unwrap();
    drop(lock);
    assert_eq!(store.tokens(&name("p")).await.unwrap(), Some(no_refresh));

    let mut lock = store.lock(&name("p")).await.unwrap();
    lock.clear().await.unwrap();
    assert_eq!(lock.tokens().await.unwrap(), None);
    drop(lock);
    assert_eq!(store.tokens(&name("p")).await.unwrap(), None);
}

/// Builds a key source, given the test's directory.
type KeyFor = fn(&std::path::Path) -> KeySource;

#[tokio::test]
async fn every_key_source_reopens_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let sources: [(&str, KeyFor); 3] = [
        ("base64", |_| key_a()),
        ("keyfile", |d| {
            KeySource::key_file(d.join("keys").join("store.key"))
        }),
        ("passphrase", |_| {
            KeySource::passphrase("correct horse battery staple")
        }),
    ];
    for (label, source) in sources {
        let path = dir.path().join(label).join("tokens.db");
        {
            let store =
                SqliteTokenStore::open(&path, source(dir.path()), StoreOptions::default()).unwrap();
            store.put_profile(&profile("p")).await.unwrap();
            store_first(&store, "p", 7).await;
        }
        let again =
            SqliteTokenStore::open(&path, source(dir.path()), StoreOptions::default()).unwrap();
        assert_eq!(
            again.profile(&name("p")).await.unwrap(),
            Some(profile("p")),
            "{label}"
        );
        assert_eq!(
            again.tokens(&name("p")).await.unwrap(),
            Some(tokens("p", 7)),
            "{label}"
        );
    }
}

#[tokio::test]
async fn rotations_are_newest_first_and_never_hold_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    let mut lock = store.lock(&name("p")).await.unwrap();
    lock.replace(None, &tokens("p", 1), T_AUDIT).await.unwrap();
    for generation in 2..=4 {
        lock.replace(
            Some(Generation::new(generation - 1)),
            &tokens("p", generation),
            T_AUDIT,
        )
        .await
        .unwrap();
    }
    drop(lock);
    store_first(&store, "other", 1).await;

    let records = store.rotations(&name("p"), 3).await.unwrap();
    let generations: Vec<u64> = records.iter().map(|r| r.generation.get()).collect();
    assert_eq!(generations, [4, 3, 2], "newest first, limited");
    for (record, generation) in records.iter().zip([4, 3, 2]) {
        let token = format!("refresh-PLAINTEXT-p-{generation}");
        assert_eq!(
            record.fingerprint.as_deref(),
            Some(oci_iam_sso_domain::fingerprint(token.as_bytes()).as_str())
        );
        assert_eq!(record.at, T_AUDIT, "dated by the domain's clock");
    }
    assert_ne!(records[0].fingerprint, records[1].fingerprint);
    assert_eq!(store.rotations(&name("p"), 100).await.unwrap().len(), 4);
    assert_eq!(store.rotations(&name("other"), 100).await.unwrap().len(), 1);
}

#[test]
fn store_is_send_sync_and_debug_shows_no_secret() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SqliteTokenStore>();
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    let shown = format!("{store:?} {:?}", key_a());
    assert!(!shown.contains("QUFB"), "no key material: {shown}");
    assert!(shown.contains("tokens.db"), "{shown}");
}

#[tokio::test]
async fn an_empty_file_is_a_new_store() {
    // Another process may have just created the file (0600) and not yet written it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.db");
    std::fs::write(&path, b"").unwrap();
    let store = open(&path);
    store_first(&store, "p", 1).await;
    assert_eq!(
        store.tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 1))
    );
}

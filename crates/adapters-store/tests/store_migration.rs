//! A store written by an older version opens, migrates and keeps every row.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use oci_iam_sso_domain::{Endpoints, KnownEndpoints, TokenStore};
use store_support::*;

fn known_at(profile: &oci_iam_sso_domain::Profile) -> KnownEndpoints {
    let at = |path: &str| profile.domain_url.join_path(path).unwrap();
    KnownEndpoints::new(
        profile.domain_url.clone(),
        Endpoints {
            token: at("/oauth2/v1/token"),
            device_authorization: at("/oauth2/v1/device"),
            revocation: None,
        },
    )
}

#[tokio::test]
async fn a_version_2_store_gains_remembered_endpoints_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    {
        let store = open(&path);
        store.put_profile(&profile("p")).await.unwrap();
        store_first(&store, "p", 7).await;
    }
    // What version 2 wrote: no `endpoints` column.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("ALTER TABLE profiles DROP COLUMN endpoints; PRAGMA user_version = 2;")
            .unwrap();
    }

    let store = open(&path);

    assert_eq!(store.profile(&name("p")).await.unwrap(), Some(profile("p")));
    assert_eq!(
        store.tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 7))
    );
    assert_eq!(store.rotations(&name("p"), 10).await.unwrap().len(), 1);
    let known = known_at(&profile("p"));
    assert!(store.remember_endpoints(&name("p"), &known).await.unwrap());
    drop(store);
    let reopened = open(&path);
    let read = reopened.profile(&name("p")).await.unwrap().unwrap();
    assert_eq!(read.endpoints, Some(known.clone()));
    assert_eq!(read.known_endpoints(), Some(&known.endpoints));
    let version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
}

#[tokio::test]
async fn unreadable_remembered_endpoints_are_a_cache_miss_not_a_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    {
        let store = open(&path);
        store.put_profile(&profile("p")).await.unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE profiles SET endpoints = '{\"token\": 1' WHERE name = 'p'",
            [],
        )
        .unwrap();
    }
    let store = open(&path);
    assert_eq!(store.profile(&name("p")).await.unwrap(), Some(profile("p")));
}

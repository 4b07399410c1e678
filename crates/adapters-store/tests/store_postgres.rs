//! The PostgreSQL store's own technology, against the test cluster
//! (`OCI_IAM_SSO_TEST_PG_URL`, started by `.ci/pg.sh`): the key check, the
//! schema version, the lock timeout, what is at rest, and what errors show.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use std::time::Duration;

use oci_iam_sso_adapters_store::{PostgresOptions, PostgresTokenStore};
use oci_iam_sso_domain::{StoreError, TokenStore};
use oci_iam_sso_testkit::postgres::{test_pg_url, with_fresh_schema};
use store_support::{T_AUDIT, key_a, key_b, name, profile, tokens};

fn short() -> PostgresOptions {
    PostgresOptions {
        lock_timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_secs(5),
        local_pending_dir: None,
    }
}

fn fresh(test: &str) -> Option<String> {
    test_pg_url(test).map(|url| with_fresh_schema(&url, test))
}

/// A plain client on the same schema, as an operator's `psql` would be.
async fn raw_client(url: &str) -> tokio_postgres::Client {
    let (base, query) = url.split_once('?').unwrap();
    let schema = query
        .split('&')
        .find_map(|p| p.strip_prefix("schema="))
        .unwrap();
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("schema="))
        .collect();
    let (client, connection) =
        tokio_postgres::connect(&format!("{base}?{}", kept.join("&")), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("SET search_path TO \"{schema}\""))
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn another_key_is_refused_and_writes_nothing() {
    let Some(url) = fresh("another_key_is_refused") else {
        return;
    };
    let store = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    store.put_profile(&profile("alpha")).await.unwrap();
    let other = PostgresTokenStore::open(&url, key_b(), short()).unwrap();
    let refused = other.profiles().await.unwrap_err();
    assert!(matches!(refused, StoreError::WrongKey { .. }), "{refused}");
    assert!(
        other.put_profile(&profile("beta")).await.is_err(),
        "nothing written with another key"
    );
    assert_eq!(store.profiles().await.unwrap().len(), 1);
}

/// The store records the kind of source that made it (the rule SQLite
/// follows too): opened with a passphrase that does not fit, the error says
/// the store was made with an environment key, not just "wrong key".
#[tokio::test]
async fn another_kind_of_key_is_named_in_the_refusal() {
    let Some(url) = fresh("another_kind_of_key_is_named") else {
        return;
    };
    let store = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    store.put_profile(&profile("alpha")).await.unwrap();
    let passphrase = oci_iam_sso_adapters_store::KeySource::passphrase("not the key");
    let other = PostgresTokenStore::open(&url, passphrase, short()).unwrap();
    let refused = other.profiles().await.unwrap_err();
    assert!(
        matches!(
            &refused,
            StoreError::KeySourceMismatch { made_with, opened_with, .. }
                if made_with == "env" && opened_with == "passphrase"
        ),
        "{refused}"
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(url) = fresh("a_newer_schema_is_refused") else {
        return;
    };
    let store = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    store.profiles().await.unwrap();
    raw_client(&url)
        .await
        .execute("UPDATE schema_version SET version = 99", &[])
        .await
        .unwrap();
    let later = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    let refused = later.profiles().await.unwrap_err();
    assert!(
        matches!(refused, StoreError::TooNew { found: 99, .. }),
        "{refused}"
    );
}

#[tokio::test]
async fn a_held_lock_times_out_within_lock_timeout() {
    let Some(url) = fresh("a_held_lock_times_out") else {
        return;
    };
    let holder = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    let waiter = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    let held = holder.lock(&name("alpha")).await.unwrap();
    let outcome = waiter.lock(&name("alpha")).await.map(|_| ()).unwrap_err();
    assert!(
        matches!(outcome, StoreError::LockTimeout { .. }),
        "{outcome}"
    );
    // Another profile is not held up.
    assert!(waiter.lock(&name("beta")).await.is_ok());
    drop(held);
    assert!(waiter.lock(&name("alpha")).await.is_ok());
}

#[tokio::test]
async fn the_rows_hold_no_secret_in_clear() {
    let Some(url) = fresh("the_rows_hold_no_secret_in_clear") else {
        return;
    };
    let store = PostgresTokenStore::open(&url, key_a(), short()).unwrap();
    store.put_profile(&profile("alpha")).await.unwrap();
    let mut lock = store.lock(&name("alpha")).await.unwrap();
    lock.replace(None, &tokens("alpha", 1), T_AUDIT)
        .await
        .unwrap();
    lock.prepare_rotation().await.unwrap();
    let pending = oci_iam_sso_domain::PendingRotation::over(
        Some(&tokens("alpha", 1)),
        tokens("alpha", 2),
        T_AUDIT,
    );
    lock.keep_pending(&pending).await.unwrap();
    drop(lock);

    let client = raw_client(&url).await;
    let mut everything = String::new();
    for table in ["meta", "profiles", "tokens", "rotations", "pending"] {
        let rows = client
            .simple_query(&format!("SELECT t::text FROM {table} t"))
            .await
            .unwrap();
        for row in rows {
            if let tokio_postgres::SimpleQueryMessage::Row(row) = row {
                everything.push_str(row.get(0).unwrap_or_default());
                everything.push('\n');
            }
        }
    }
    assert!(everything.contains("alpha"), "the rows were read");
    for secret in [
        "PLAINTEXT",
        "client-id-PLAINTEXT-alpha",
        "access-PLAINTEXT-alpha-2",
    ] {
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(
            !everything.contains(secret) && !everything.contains(&hex),
            "{secret} is in clear"
        );
    }
}

#[tokio::test]
async fn errors_and_debug_never_show_the_password() {
    // Nothing listens on port 1: the connection is refused at once.
    let url = "postgres://fleet:s3cr3t-PASSWORD@127.0.0.1:1/tokens";
    let store = PostgresTokenStore::open(url, key_a(), short()).unwrap();
    assert!(!format!("{store:?}").contains("s3cr3t"));
    let error = store.profiles().await.unwrap_err().to_string();
    assert!(!error.contains("s3cr3t"), "{error}");
    assert!(
        error.contains("postgres://fleet@127.0.0.1:1/tokens"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");
}

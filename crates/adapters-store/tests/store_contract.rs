//! The testkit's token-store contract, run against the SQLite store. Every
//! `make` opens the same file afresh, as separate processes would.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use oci_iam_sso_adapters_store::{SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::TokenStore;
use oci_iam_sso_testkit::contract::token_store_contract;
use store_support::key_a;

#[tokio::test]
async fn sqlite_store_meets_the_token_store_contract() {
    let report = token_store_contract(|path| {
        let store = SqliteTokenStore::open(path, key_a(), StoreOptions::default())
            .expect("the contract's store opens");
        Box::new(store) as Box<dyn TokenStore>
    })
    .await;
    insta::assert_snapshot!("token_store_contract", report);
    assert!(!report.contains("[FAIL]"), "{report}");
}

/// The same contract against the PostgreSQL store, snapshotted into the same
/// file: both stores must give the very same report.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_store_meets_the_token_store_contract() {
    use oci_iam_sso_adapters_store::{PostgresOptions, PostgresTokenStore};
    use oci_iam_sso_testkit::postgres::{test_pg_url, with_fresh_schema};
    let Some(url) = test_pg_url("postgres_store_meets_the_token_store_contract") else {
        return;
    };
    let url = with_fresh_schema(&url, "contract");
    let report = token_store_contract(|_path| {
        let store = PostgresTokenStore::open(&url, key_a(), PostgresOptions::default())
            .expect("the contract's store opens");
        Box::new(store) as Box<dyn TokenStore>
    })
    .await;
    insta::assert_snapshot!("token_store_contract", report);
    assert!(!report.contains("[FAIL]"), "{report}");
}

//! The token-store contract against the in-memory store (the real stores run
//! the same suite in their own crates).

use oci_iam_sso_testkit::InMemoryTokenStore;
use oci_iam_sso_testkit::contract::token_store_contract;

#[tokio::test]
async fn in_memory_store_passes_the_token_store_contract() {
    let shared = InMemoryTokenStore::new();
    let report = token_store_contract(|_path| Box::new(shared.clone())).await;
    assert!(!report.contains("[FAIL]"), "{report}");
    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn the_contract_catches_a_store_without_shared_state() {
    // Separate stores per call behave like two processes that do not share a
    // file: the suite must notice the second one does not see the first's writes.
    let report = token_store_contract(|_path| Box::new(InMemoryTokenStore::new())).await;
    assert!(
        report.contains("[FAIL] a second store on the same path sees it"),
        "{report}"
    );
}

//! The testkit's identity-provider contract (the "MUST" sentences of the
//! domain's `IdentityProvider` port) run against the HTTP adapter.
#![allow(clippy::unwrap_used)]

use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpSettings};
use oci_iam_sso_domain::{IdentityProvider, ServiceUrl};
use oci_iam_sso_testkit::contract::identity_provider_contract;

#[tokio::test]
async fn the_http_provider_meets_the_identity_provider_contract() {
    let report = identity_provider_contract(|base_url| {
        let domain = ServiceUrl::parse(base_url).unwrap();
        Box::new(HttpIdentityProvider::new(domain, HttpSettings::default()))
            as Box<dyn IdentityProvider>
    })
    .await;
    assert!(!report.contains("[FAIL]"), "{report}");
    insta::assert_snapshot!(report);
}

//! Security checks of the OCI commands, in process: tenancies that are not
//! plain OCIDs never reach the config file.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use super::login::login_tenancy;
use super::tests::{env, profile};
use super::*;

#[tokio::test]
async fn setup_config_refuses_a_tenancy_that_would_add_config_lines() {
    let mut env = env().await;
    env.globals.region = Some("eu-frankfurt-1".into());
    for tenancy in [
        "ocid1.tenancy.oc1..t\nuser=ocid1.user.oc1..evil",
        "ocid1.tenancy.oc1..t\r\n[DEFAULT]",
        "ocid1.tenancy.oc1..T",
        "ocid1.tenancy.",
    ] {
        let error = run_setup(
            SetupCommand::Config(SetupConfigArgs {
                tenancy: tenancy.into(),
                profile: profile("fra"),
            }),
            &env.globals,
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
        assert_eq!(error.exit_code(), 3, "{tenancy:?}");
        assert!(!error.to_string().contains('\n'), "{error}");
    }
    assert!(!env.home.path().join(".oci/config").exists());
}

#[test]
fn a_login_takes_its_tenancy_only_from_a_plain_ocid() {
    let good = "ocid1.tenancy.oc1..t".to_owned();
    assert_eq!(login_tenancy(Some(&good), None).unwrap(), good);
    assert_eq!(login_tenancy(None, Some(&good)).unwrap(), good);
    for bad in ["ocid1.tenancy.oc1..t\nuser=x", "ocid1.user.oc1..u"] {
        assert!(login_tenancy(Some(bad), Some(&good)).is_err(), "{bad:?}");
        assert!(
            login_tenancy(None, Some(&bad.to_owned())).is_err(),
            "{bad:?}"
        );
    }
    assert!(login_tenancy(None, None).is_err());
}

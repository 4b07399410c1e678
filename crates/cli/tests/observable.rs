//! The endpoints found at login are remembered, so a refreshing process sends
//! no discovery request.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use support::{TestEnv, approving};

const PROFILE: &str = "demo";

#[test]
fn a_refreshing_process_sends_no_discovery_request() {
    let env = TestEnv::start(approving());
    env.add_profile(PROFILE);
    env.login(PROFILE);
    assert_eq!(env.control.counters().discovery_requests, 1, "at login");

    for _ in 0..2 {
        env.cmd()
            .args(["token", "--profile", PROFILE, "--force-refresh"])
            .assert()
            .success();
    }
    env.cmd()
        .args(["logout", "--profile", PROFILE])
        .assert()
        .success();

    let counters = env.control.counters();
    assert_eq!(counters.refresh_grants, 2);
    assert_eq!(counters.revocations, 1);
    assert_eq!(
        counters.discovery_requests, 1,
        "the endpoints found at login served every later process"
    );
}

#[test]
fn a_new_domain_url_discards_the_remembered_endpoints() {
    let old = TestEnv::start(approving());
    let new = TestEnv::start(approving());
    old.add_profile(PROFILE);
    old.login(PROFILE);
    let before = old.control.counters();
    // The profile now names another domain (as a `profile add` over it
    // would), with the endpoints of the old one still in its row.
    let conn = rusqlite::Connection::open(old.store_path()).unwrap();
    let changed = conn
        .execute(
            "UPDATE profiles SET domain_url = ?1 WHERE name = ?2",
            [new.url.as_str(), PROFILE],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);

    // The old domain's refresh token means nothing to the new one: the
    // refresh fails, and it must fail at the new domain.
    let output = old
        .cmd()
        .args(["token", "--profile", PROFILE, "--force-refresh"])
        .output()
        .unwrap();
    assert!(!output.status.success());

    assert_eq!(
        old.control.counters(),
        before,
        "nothing went to the old domain's remembered endpoints"
    );
    let at_new = new.control.counters();
    assert_eq!(at_new.discovery_requests, 1, "discovered afresh");
    assert_eq!(at_new.refresh_grants, 1);
}

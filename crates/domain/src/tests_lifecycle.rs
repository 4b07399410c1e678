//! Token lifecycles at their boundaries, and how token sets are built and rotated.

use crate::test_support::{T0, response, secs, token_set};
use crate::{
    AccessToken, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL, DEFAULT_SKEW, Generation, Lifecycle,
    RefreshToken, Scope, TokenResponse, TokenSet,
};

/// The token expires at T0 + 1000 s; `before` seconds before that is "now".
fn lifecycle(before: u64, margin: u64) -> Lifecycle {
    let expires_at = T0.plus(secs(1000));
    Lifecycle::of(expires_at, expires_at.minus(secs(before)), secs(margin))
}

#[test]
fn exactly_at_expiry_is_expired() {
    assert_eq!(lifecycle(0, 60), Lifecycle::Expired);
    assert_eq!(lifecycle(0, 0), Lifecycle::Expired);
}

#[test]
fn after_expiry_is_expired() {
    let expires_at = T0;
    assert_eq!(
        Lifecycle::of(expires_at, T0.plus(secs(1)), DEFAULT_SKEW),
        Lifecycle::Expired
    );
}

#[test]
fn one_second_before_expiry_is_expiring_soon() {
    assert_eq!(lifecycle(1, 60), Lifecycle::ExpiringSoon);
}

#[test]
fn exactly_the_margin_before_expiry_is_expiring_soon() {
    assert_eq!(lifecycle(60, 60), Lifecycle::ExpiringSoon);
}

#[test]
fn one_second_more_than_the_margin_is_fresh() {
    assert_eq!(lifecycle(61, 60), Lifecycle::Fresh);
}

#[test]
fn with_zero_margin_any_time_before_expiry_is_fresh() {
    assert_eq!(lifecycle(1, 0), Lifecycle::Fresh);
}

#[test]
fn the_default_skew_is_a_minute() {
    assert_eq!(DEFAULT_SKEW, secs(60));
}

#[test]
fn usable_access_needs_a_fresh_token() {
    let set = token_set(1, "at", "rt", T0.plus(secs(120)));
    assert!(set.usable_access(T0, secs(60)).is_some());
    assert!(set.usable_access(T0, secs(120)).is_none());
    assert!(set.usable_access(T0.plus(secs(120)), secs(0)).is_none());
}

#[test]
fn a_set_without_access_token_is_expired() {
    let set = TokenSet::from_imported_refresh_token(RefreshToken::new("rt"), T0, None);
    assert_eq!(set.access_lifecycle(T0, secs(0)), Lifecycle::Expired);
    assert!(set.usable_access(T0, secs(0)).is_none());
}

#[test]
fn a_login_starts_the_chain_now() {
    let set = TokenSet::from_login(response("at-1", Some("rt-1")), T0, None);
    let access = set.access.as_ref().expect("access token");
    assert_eq!(access.token.expose_secret(), "at-1");
    assert_eq!(access.token_type, "Bearer");
    assert_eq!(access.expires_at, T0.plus(secs(3600)));
    assert_eq!(
        set.refresh_token.as_ref().map(RefreshToken::expose_secret),
        Some("rt-1")
    );
    assert_eq!(set.refresh_issued_at, T0);
    assert_eq!(set.chain_started_at, T0);
    assert_eq!(set.generation, Generation::FIRST);
}

#[test]
fn a_login_continues_after_the_stored_generation() {
    let set = TokenSet::from_login(response("at", None), T0, Some(Generation::new(7)));
    assert_eq!(set.generation, Generation::new(8));
}

/// A JWT (unsigned; nothing here checks signatures) whose `exp` is T0 + 1234 s.
const JWT_EXP_T0_PLUS_1234: &str = "e30.eyJzdWIiOiJ1IiwiZXhwIjoxNzY3MjI2ODM0fQ.sig";
/// A JWT whose `exp` is T0 - 10 s: already expired when issued.
const JWT_EXPIRED: &str = "e30.eyJzdWIiOiJ1IiwiZXhwIjoxNzY3MjI1NTkwfQ.sig";

fn answer(access: &str, expires_in: Option<u64>) -> TokenResponse {
    TokenResponse {
        access_token: Some(AccessToken::new(access)),
        token_type: String::new(),
        expires_in: expires_in.map(secs),
        refresh_token: None,
        scope: None,
        notes: Vec::new(),
    }
}

fn expires_at(answer: TokenResponse) -> crate::Timestamp {
    let set = TokenSet::from_login(answer, T0, None);
    set.access.expect("access token").expires_at
}

#[test]
fn missing_expires_in_and_token_type_get_defaults() {
    let set = TokenSet::from_login(answer("at", None), T0, None);
    let access = set.access.expect("access token");
    // An opaque token of unknown life: short, so it is not used long after it died.
    assert_eq!(DEFAULT_ACCESS_TTL, secs(300));
    assert_eq!(access.expires_at, T0.plus(DEFAULT_ACCESS_TTL));
    assert_eq!(access.token_type, "Bearer");
}

#[test]
fn without_a_usable_expires_in_a_jwt_lives_until_its_exp() {
    // None stands for absent and for the odd values the parser refuses (0 too).
    for expires_in in [None, Some(0)] {
        assert_eq!(
            expires_at(answer(JWT_EXP_T0_PLUS_1234, expires_in)),
            T0.plus(secs(1234)),
            "{expires_in:?}"
        );
    }
    // A sent lifetime wins over the claim.
    assert_eq!(
        expires_at(answer(JWT_EXP_T0_PLUS_1234, Some(3600))),
        T0.plus(secs(3600))
    );
    // A claim already past is not believed either: refreshing on every call
    // would not make the server's tokens any longer-lived.
    assert_eq!(
        expires_at(answer(JWT_EXPIRED, None)),
        T0.plus(DEFAULT_ACCESS_TTL)
    );
}

#[test]
fn a_refused_access_token_leaves_none_but_keeps_the_new_refresh_token() {
    let old = token_set(1, "at-old", "rt-old", T0.plus(secs(5)));
    let mut refused = response("unused", Some("rt-new"));
    refused.access_token = None;
    let next = old.rotated(refused, T0.plus(secs(10)));
    assert_eq!(next.access, None);
    assert_eq!(
        next.refresh_token.as_ref().map(RefreshToken::expose_secret),
        Some("rt-new")
    );
    assert_eq!(next.generation, old.generation.next());
}

#[test]
fn a_sent_token_type_and_scope_are_kept() {
    let mut answer = response("at", Some("rt"));
    answer.token_type = "DPoP".into();
    answer.expires_in = Some(secs(600));
    answer.scope = Some(Scope::parse("a b").expect("scope"));
    let set = TokenSet::from_login(answer, T0, None);
    let access = set.access.as_ref().expect("access token");
    assert_eq!(access.token_type, "DPoP");
    assert_eq!(access.expires_at, T0.plus(secs(600)));
    assert_eq!(set.scope, Some(Scope::parse("a b").expect("scope")));
}

#[test]
fn a_rotation_takes_the_new_refresh_token_and_moves_its_issue_time() {
    let old = token_set(3, "at-old", "rt-old", T0);
    let later = T0.plus(secs(500));
    let new = old.rotated(response("at-new", Some("rt-new")), later);
    assert_eq!(new.generation, Generation::new(4));
    assert_eq!(
        new.refresh_token.as_ref().map(RefreshToken::expose_secret),
        Some("rt-new")
    );
    assert_eq!(new.refresh_issued_at, later);
    assert_eq!(new.chain_started_at, old.chain_started_at);
    let access = new.access.as_ref().expect("access token");
    assert_eq!(access.token.expose_secret(), "at-new");
    assert_eq!(access.expires_at, later.plus(secs(3600)));
}

#[test]
fn a_refresh_without_rotation_keeps_the_refresh_token_and_its_age() {
    let old = token_set(3, "at-old", "rt-old", T0);
    let new = old.rotated(response("at-new", None), T0.plus(secs(500)));
    assert_eq!(new.generation, Generation::new(4));
    assert_eq!(
        new.refresh_token.as_ref().map(RefreshToken::expose_secret),
        Some("rt-old")
    );
    assert_eq!(new.refresh_issued_at, old.refresh_issued_at);
    assert_eq!(new.scope, old.scope, "a response without scope keeps it");
}

#[test]
fn an_import_has_only_a_refresh_token() {
    let set = TokenSet::from_imported_refresh_token(
        RefreshToken::new("rt-imported\n"),
        T0,
        Some(Generation::new(2)),
    );
    assert!(set.access.is_none());
    assert_eq!(
        set.refresh_token.as_ref().map(RefreshToken::expose_secret),
        Some("rt-imported")
    );
    assert_eq!(set.refresh_issued_at, T0);
    assert_eq!(set.chain_started_at, T0);
    assert_eq!(set.generation, Generation::new(3));
    assert_eq!(set.scope, None);
}

#[test]
fn the_refresh_token_is_expected_to_expire_a_lifetime_after_issue() {
    let set = TokenSet::from_imported_refresh_token(RefreshToken::new("rt"), T0, None);
    assert_eq!(DEFAULT_REFRESH_TTL, secs(7 * 86_400));
    assert_eq!(
        set.refresh_expected_expiry(DEFAULT_REFRESH_TTL),
        T0.plus(secs(604_800))
    );
}

#[test]
fn generations_only_go_up() {
    assert_eq!(Generation::new(u64::MAX).next(), Generation::new(u64::MAX));
    assert!(Generation::FIRST.next() > Generation::FIRST);
}

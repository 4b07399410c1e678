//! The token-store contract: profiles, snapshots, the lock, compare-and-swap
//! replacement, clearing, and the rotation audit trail.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, Generation, IssuedAccessToken, Profile, ProfileName,
    RefreshToken, Scope, ServiceUrl, StoreError, Timestamp, TokenSet, TokenStore,
};

use super::Report;

/// Runs the token-store contract against stores built by `make`. Every call
/// gets the same path: a file path inside a fresh, empty temporary directory
/// (the file does not exist yet). Two stores made from one path must behave
/// like two processes sharing the store.
///
/// ```
/// # async fn example() {
/// use oci_iam_sso_testkit::{InMemoryTokenStore, contract::token_store_contract};
///
/// let shared = InMemoryTokenStore::new(); // clones share state, like one file
/// let report = token_store_contract(|_path| Box::new(shared.clone())).await;
/// assert!(!report.contains("[FAIL]"), "{report}");
/// # }
/// ```
pub async fn token_store_contract(make: impl Fn(&Path) -> Box<dyn TokenStore>) -> String {
    let mut report = Report::default();
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(_) => return "[FAIL] could not create a temporary directory\n".to_owned(),
    };
    let path = dir.path().join("tokens.store");
    let store = make(&path);
    let alpha = name("alpha");
    let zeta = name("zeta");

    profiles(&mut report, store.as_ref(), &alpha, &zeta).await;
    swaps(&mut report, store.as_ref(), make(&path).as_ref(), &alpha).await;
    exclusion(&mut report, store.as_ref(), make(&path), &alpha).await;
    exclusion(&mut report, store.as_ref(), make(&path), &zeta).await;
    audit_trail(&mut report, store.as_ref(), &alpha).await;
    removal(&mut report, store.as_ref(), &alpha, &zeta).await;
    let kept = name("kept");
    super::store_pending::kept_rotations(&mut report, store.as_ref(), make(&path).as_ref(), &kept)
        .await;
    let cached = profile(
        &name("cached"),
        "urn:opc:idm:__myscopes__ offline_access",
        None,
    );
    super::store_endpoints::remembered_endpoints(
        &mut report,
        store.as_ref(),
        make(&path).as_ref(),
        cached,
    )
    .await;
    report.finish()
}

fn name(value: &str) -> ProfileName {
    ProfileName::new(value).expect("a valid profile name")
}

fn profile(name: &ProfileName, scope: &str, secret: Option<&str>) -> Profile {
    Profile {
        name: name.clone(),
        domain_url: ServiceUrl::parse("https://idcs-contract.identity.oraclecloud.com")
            .expect("valid URL"),
        client_id: ClientId::new(format!("client-{name}")).expect("valid client id"),
        scope: Scope::parse(scope).expect("valid scope"),
        resource_url: ServiceUrl::parse("https://epm-contract.example.com").ok(),
        client_secret: secret.map(ClientSecret::new),
        endpoints: None,
    }
}

/// A token set of generation `generation` whose tokens are unique to it.
pub(super) fn token_set(generation: u64) -> TokenSet {
    let at = 1_900_000_000 + i64::try_from(generation).unwrap_or(0) * 60;
    TokenSet {
        access: Some(IssuedAccessToken {
            token: AccessToken::new(format!("contract-access-token-{generation}")),
            token_type: oci_iam_sso_domain::BEARER.to_owned(),
            issued_at: Timestamp::from_unix(at),
            expires_at: Timestamp::from_unix(at + 3600),
        }),
        refresh_token: Some(refresh_token(generation)),
        refresh_issued_at: Timestamp::from_unix(at),
        scope: Some(Scope::default_epm()),
        chain_started_at: Timestamp::from_unix(1_900_000_000),
        generation: Generation::new(generation),
    }
}

/// The time every write of the contract is made at: the domain clock's, unlike
/// the sets' issue times (around 1 900 000 000) and the wall clock.
pub(super) const T_AUDIT: Timestamp = Timestamp::from_unix(1_950_000_000);

fn refresh_token(generation: u64) -> RefreshToken {
    RefreshToken::new(format!("AQIDBAcontract+refresh/token{generation}="))
}

pub(super) fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "no" }
}

fn error_kind<T>(result: &Result<T, StoreError>) -> String {
    match result {
        Ok(_) => "Ok".to_owned(),
        Err(StoreError::Conflict { .. }) => "Conflict".to_owned(),
        Err(StoreError::LockTimeout { .. }) => "LockTimeout".to_owned(),
        Err(other) => format!("other error: {}", store_error_name(other)),
    }
}

pub(super) fn store_error_name(error: &StoreError) -> &'static str {
    match error {
        StoreError::Io { .. } => "Io",
        StoreError::Corrupt { .. } => "Corrupt",
        StoreError::WrongKey { .. } => "WrongKey",
        StoreError::KeyUnavailable { .. } => "KeyUnavailable",
        StoreError::TooNew { .. } => "TooNew",
        _ => "another kind",
    }
}

async fn profiles(
    report: &mut Report,
    store: &dyn TokenStore,
    alpha: &ProfileName,
    zeta: &ProfileName,
) {
    let listed = store.profiles().await.map(|p| p.len());
    report.check(
        "a new store has no profiles",
        format!("{listed:?}"),
        &["Ok(0)"],
    );
    let unknown = store.profile(alpha).await;
    report.check(
        "profile() of an unknown profile",
        format!("{:?}", unknown.map(|p| p.is_some())),
        &["Ok(false)"],
    );

    let zeta_profile = profile(
        zeta,
        "urn:opc:idm:__myscopes__ offline_access",
        Some("contract-client-secret"),
    );
    let alpha_profile = profile(alpha, "urn:opc:idm:__myscopes__ offline_access", None);
    let put = (
        store.put_profile(&zeta_profile).await,
        store.put_profile(&alpha_profile).await,
    );
    report.check(
        "put_profile",
        format!("{}, {}", error_kind(&put.0), error_kind(&put.1)),
        &["Ok, Ok"],
    );

    let names = store.profiles().await.map(|list| {
        list.iter()
            .map(|p| p.name.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    });
    report.check(
        "profiles() sorted by name",
        format!("{names:?}"),
        &[r#"Ok("alpha, zeta")"#],
    );
    let read = store.profile(zeta).await;
    let same = matches!(&read, Ok(Some(p)) if *p == zeta_profile);
    report.check(
        "profile() returns what was put (client secret included)",
        yes(same),
        &["yes"],
    );
    let tokens = store.tokens(alpha).await.map(|t| t.is_some());
    report.check(
        "tokens() of a profile without tokens",
        format!("{tokens:?}"),
        &["Ok(false)"],
    );
}

async fn swaps(
    report: &mut Report,
    store: &dyn TokenStore,
    other: &dyn TokenStore,
    alpha: &ProfileName,
) {
    let Ok(mut lock) = store.lock(alpha).await else {
        return report.check("lock()", "error", &["Ok"]);
    };
    let zero = lock.replace(None, &token_set(0), T_AUDIT).await;
    report.check(
        "replace(expected None, generation 0): generations start at 1",
        error_kind(&zero),
        &["Conflict"],
    );
    let first = lock.replace(None, &token_set(1), T_AUDIT).await;
    report.check(
        "replace(expected None, generation 1) on an empty profile",
        error_kind(&first),
        &["Ok"],
    );
    let stale = lock
        .replace(Some(Generation::new(5)), &token_set(6), T_AUDIT)
        .await;
    report.check(
        "replace with a stale expected generation",
        error_kind(&stale),
        &["Conflict"],
    );
    let nothing = lock.replace(None, &token_set(7), T_AUDIT).await;
    report.check(
        "replace(expected None) while a set is stored",
        error_kind(&nothing),
        &["Conflict"],
    );
    let not_newer = lock
        .replace(Some(Generation::new(1)), &token_set(1), T_AUDIT)
        .await;
    report.check(
        "replace with new.generation equal to the stored one",
        error_kind(&not_newer),
        &["Conflict"],
    );
    let reread = lock.tokens().await;
    report.check(
        "lock.tokens() after refused replaces",
        yes(matches!(&reread, Ok(Some(t)) if *t == token_set(1))),
        &["yes"],
    );
    drop(lock);

    let snapshot = store.tokens(alpha).await;
    report.check(
        "tokens() snapshot equals the set written",
        yes(matches!(&snapshot, Ok(Some(t)) if *t == token_set(1))),
        &["yes"],
    );
    let seen = other.tokens(alpha).await;
    report.check(
        "a second store on the same path sees it",
        yes(matches!(&seen, Ok(Some(t)) if *t == token_set(1))),
        &["yes"],
    );

    // The other "process" rotates; our lock must re-read, not trust a cache.
    if let Ok(mut other_lock) = other.lock(alpha).await {
        let rotated = other_lock
            .replace(Some(Generation::new(1)), &token_set(2), T_AUDIT)
            .await;
        report.check(
            "replace(expected 1, generation 2) through the second store",
            error_kind(&rotated),
            &["Ok"],
        );
    }
    if let Ok(mut lock) = store.lock(alpha).await {
        let reread = lock.tokens().await;
        report.check(
            "lock.tokens() re-reads what the other store wrote",
            yes(matches!(&reread, Ok(Some(t)) if *t == token_set(2))),
            &["yes"],
        );
        let third = lock
            .replace(Some(Generation::new(2)), &token_set(3), T_AUDIT)
            .await;
        report.check(
            "replace(expected 2, generation 3)",
            error_kind(&third),
            &["Ok"],
        );
    }
    let kept = store
        .put_profile(&profile(alpha, "urn:opc:idm:__myscopes__", None))
        .await;
    let tokens = store.tokens(alpha).await;
    report.check(
        "put_profile on an existing profile keeps its tokens",
        format!(
            "{}, tokens kept: {}",
            error_kind(&kept),
            yes(matches!(&tokens, Ok(Some(t)) if *t == token_set(3)))
        ),
        &["Ok, tokens kept: yes"],
    );
}

/// Holds the lock through `store` while `contender` (another store on the
/// same path) tries to take it; the contender must get in only after release.
async fn exclusion(
    report: &mut Report,
    store: &dyn TokenStore,
    contender: Box<dyn TokenStore>,
    name: &ProfileName,
) {
    let Ok(held) = store.lock(name).await else {
        return report.check("lock()", "error", &["Ok"]);
    };
    let holding = Arc::new(AtomicBool::new(true));
    let flag = holding.clone();
    let contended = name.clone();
    let waiter = tokio::spawn(async move {
        let lock = contender.lock(&contended).await;
        let overlapped = flag.load(Ordering::SeqCst);
        (lock.is_ok(), overlapped)
    });
    // Give the contender every chance to get in wrongly; correctness of the
    // verdict does not depend on this pause, only its power to catch a bug.
    tokio::time::sleep(Duration::from_millis(300)).await;
    holding.store(false, Ordering::SeqCst);
    drop(held);
    let outcome = match waiter.await {
        Ok((true, false)) => "the second holder got the lock after release".to_owned(),
        Ok((true, true)) => "both held the lock at once".to_owned(),
        Ok((false, _)) => "the second holder never got the lock".to_owned(),
        Err(_) => "the contender panicked".to_owned(),
    };
    report.check(
        &format!("lock excludes a second store on the same path (profile {name})"),
        outcome,
        &["the second holder got the lock after release"],
    );
}

async fn audit_trail(report: &mut Report, store: &dyn TokenStore, alpha: &ProfileName) {
    let all = store.rotations(alpha, 10).await;
    let generations = |list: &[oci_iam_sso_domain::RotationRecord]| {
        list.iter()
            .map(|r| r.generation.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    report.check(
        "rotations() newest first",
        all.as_ref()
            .map_or_else(|e| store_error_name(e).to_owned(), |l| generations(l)),
        &["3, 2, 1"],
    );
    let two = store.rotations(alpha, 2).await;
    report.check(
        "rotations() honours the limit",
        two.as_ref()
            .map_or_else(|e| store_error_name(e).to_owned(), |l| generations(l)),
        &["3, 2"],
    );
    if let Ok(list) = all {
        let secrets: Vec<String> = (1..=3)
            .map(|g| refresh_token(g).expose_secret().to_owned())
            .collect();
        let leaks = list.iter().any(|r| {
            let print = r.fingerprint.as_deref().unwrap_or_default();
            print.is_empty()
                || secrets
                    .iter()
                    .any(|s| print.contains(s.as_str()) || s.contains(print))
        });
        let mut prints: Vec<&str> = list
            .iter()
            .map(|r| r.fingerprint.as_deref().unwrap_or_default())
            .collect();
        prints.sort_unstable();
        prints.dedup();
        report.check(
            "rotation fingerprints are distinct and do not reveal the token",
            format!(
                "distinct: {}, reveal: {}",
                yes(prints.len() == list.len()),
                yes(leaks)
            ),
            &["distinct: yes, reveal: no"],
        );
        let expected: Vec<String> = (1..=3)
            .rev()
            .map(|g| oci_iam_sso_domain::fingerprint(refresh_token(g).expose_secret().as_bytes()))
            .collect();
        let prints: Vec<String> = list.iter().filter_map(|r| r.fingerprint.clone()).collect();
        report.check(
            "rotation fingerprints are the domain's fingerprint of each refresh token",
            yes(prints == expected),
            &["yes"],
        );
        report.check(
            "rotations are dated by the time given to replace, not the token's or the store's clock",
            yes(list.iter().all(|r| r.at == T_AUDIT)),
            &["yes"],
        );
    }
}

async fn removal(
    report: &mut Report,
    store: &dyn TokenStore,
    alpha: &ProfileName,
    zeta: &ProfileName,
) {
    if let Ok(mut lock) = store.lock(alpha).await {
        let cleared = lock.clear().await;
        let inside = lock.tokens().await.map(|t| t.is_some());
        report.check(
            "clear() under the lock",
            format!("{}, tokens left: {inside:?}", error_kind(&cleared)),
            &["Ok, tokens left: Ok(false)"],
        );
    }
    let kept = store.profile(alpha).await.map(|p| p.is_some());
    report.check(
        "clear() keeps the profile",
        format!("{kept:?}"),
        &["Ok(true)"],
    );

    if let Ok(mut lock) = store.lock(zeta).await {
        let bare = TokenSet {
            refresh_token: None,
            ..token_set(1)
        };
        let _ = lock.replace(None, &bare, T_AUDIT).await;
    }
    let audit = store.rotations(zeta, 1).await;
    report.check(
        "the rotation of a set without a refresh token has no fingerprint",
        match &audit {
            Ok(list) => format!(
                "{:?}",
                list.iter().map(|r| &r.fingerprint).collect::<Vec<_>>()
            ),
            Err(e) => store_error_name(e).to_owned(),
        },
        &["[None]"],
    );
    let removed = (
        store.remove_profile(zeta).await,
        store.remove_profile(zeta).await,
    );
    report.check(
        "remove_profile twice",
        format!("{:?}, {:?}", removed.0.ok(), removed.1.ok()),
        &["Some(true), Some(false)"],
    );
    let gone = (
        store.profile(zeta).await.map(|p| p.is_some()),
        store.tokens(zeta).await.map(|t| t.is_some()),
    );
    report.check(
        "a removed profile has no settings and no tokens",
        format!("{:?}, {:?}", gone.0, gone.1),
        &["Ok(false), Ok(false)"],
    );
    let names = store
        .profiles()
        .await
        .map(|l| l.iter().map(|p| p.name.to_string()).collect::<Vec<_>>());
    report.check(
        "profiles() after removal",
        format!("{names:?}"),
        &[r#"Ok(["alpha"])"#],
    );
}

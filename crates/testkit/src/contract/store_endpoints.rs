//! The token-store contract, part three: the endpoints remembered with a
//! profile (`put_profile` and `remember_endpoints`), which only hold for the
//! domain URL they were found at and never touch the tokens.

use oci_iam_sso_domain::{
    Endpoints, KnownEndpoints, Profile, ProfileName, ServiceUrl, StoreError, TokenStore,
};

use super::Report;
use super::store::{store_error_name, token_set, yes};

fn url(text: &str) -> ServiceUrl {
    ServiceUrl::parse(text).expect("a valid URL")
}

fn found_at(domain: &ServiceUrl, token_path: &str) -> KnownEndpoints {
    let at = |path: &str| domain.join_path(path).expect("a valid path");
    KnownEndpoints::new(
        domain.clone(),
        Endpoints {
            token: at(token_path),
            device_authorization: at("/oauth2/v1/device"),
            revocation: Some(at("/oauth2/v1/revoke")),
        },
    )
}

fn outcome(result: &Result<bool, StoreError>) -> String {
    match result {
        Ok(done) => format!("Ok({done})"),
        Err(error) => store_error_name(error).to_owned(),
    }
}

/// What `profile()` says about the remembered endpoints: their token path, and
/// whether they hold for the profile's domain URL.
async fn remembered(store: &dyn TokenStore, name: &ProfileName) -> String {
    match store.profile(name).await {
        Ok(Some(Profile {
            endpoints: Some(known),
            domain_url,
            ..
        })) => format!(
            "{}, holds: {}",
            known.endpoints.token.as_url().path(),
            yes(known.for_domain(&domain_url).is_some())
        ),
        Ok(Some(_)) => "none".to_owned(),
        Ok(None) => "no profile".to_owned(),
        Err(error) => store_error_name(&error).to_owned(),
    }
}

/// `profile` has no endpoints yet; `other` is a second handle on the store.
pub(super) async fn remembered_endpoints(
    report: &mut Report,
    store: &dyn TokenStore,
    other: &dyn TokenStore,
    profile: Profile,
) {
    let name = profile.name.clone();
    let domain = profile.domain_url.clone();
    let _ = store.put_profile(&profile).await;
    if let Ok(mut lock) = store.lock(&name).await {
        let _ = lock
            .replace(None, &token_set(1), super::store::T_AUDIT)
            .await;
    }
    report.check(
        "a new profile remembers no endpoints",
        remembered(store, &name).await,
        &["none"],
    );

    let done = store
        .remember_endpoints(&name, &found_at(&domain, "/oauth2/v1/token"))
        .await;
    report.check(
        "remember_endpoints() at the profile's domain URL",
        format!(
            "{}, then {}",
            outcome(&done),
            remembered(store, &name).await
        ),
        &["Ok(true), then /oauth2/v1/token, holds: yes"],
    );
    report.check(
        "a second store on the same path sees the remembered endpoints",
        remembered(other, &name).await,
        &["/oauth2/v1/token, holds: yes"],
    );
    let tokens = store.tokens(&name).await;
    report.check(
        "remember_endpoints() leaves the tokens alone",
        yes(matches!(&tokens, Ok(Some(set)) if *set == token_set(1))),
        &["yes"],
    );

    let elsewhere = url("https://idcs-elsewhere.identity.oraclecloud.com");
    let done = store
        .remember_endpoints(&name, &found_at(&elsewhere, "/elsewhere/token"))
        .await;
    report.check(
        "remember_endpoints() found at another domain URL changes nothing",
        format!(
            "{}, then {}",
            outcome(&done),
            remembered(store, &name).await
        ),
        &["Ok(false), then /oauth2/v1/token, holds: yes"],
    );

    // `profile add` again with the new URL, keeping what was read: the cache
    // stays in the row but no longer holds.
    if let Ok(Some(mut moved)) = store.profile(&name).await {
        moved.domain_url = elsewhere;
        let _ = store.put_profile(&moved).await;
    }
    report.check(
        "after put_profile() with another domain URL",
        remembered(store, &name).await,
        &["/oauth2/v1/token, holds: no", "none"],
    );

    let mut given = profile.clone();
    given.endpoints = Some(found_at(&domain, "/given/token"));
    let _ = store.put_profile(&given).await;
    report.check(
        "put_profile() stores the endpoints it is given",
        remembered(other, &name).await,
        &["/given/token, holds: yes"],
    );

    let _ = store.remove_profile(&name).await;
    let done = store
        .remember_endpoints(&name, &found_at(&domain, "/oauth2/v1/token"))
        .await;
    report.check(
        "remember_endpoints() of a removed profile",
        format!(
            "{}, then {}",
            outcome(&done),
            remembered(store, &name).await
        ),
        &["Ok(false), then no profile"],
    );
}

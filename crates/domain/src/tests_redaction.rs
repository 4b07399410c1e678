//! No secret in `Debug` or `Display`: token sets, profiles, device authorizations,
//! token responses, poll steps, and every error built from them.

use crate::test_support::{CLIENT_ID, CLIENT_SECRET, T0, profile, secs};
use crate::{
    AccessToken, DeviceAuthorization, DeviceCode, DeviceLoginFailure, DevicePoll, Error,
    Generation, IssuedAccessToken, OAuthError, PollStep, ProviderError, RefreshToken, ServiceUrl,
    SessionToken, StoreError, TokenAnswerNote, TokenResponse, TokenSet, UserCode,
};

const ACCESS: &str = "eyJhbGciOi.ACCESS-SECRET.sig";
const REFRESH: &str = "AQIDBAUG-REFRESH-SECRET";
const DEVICE_CODE: &str = "device-code-SECRET-91bd";

const SECRETS: [&str; 5] = [ACCESS, REFRESH, DEVICE_CODE, CLIENT_ID, CLIENT_SECRET];

/// Fails naming the secret (not quoting the text, which holds it).
fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows a secret ({} chars)",
            secret.len()
        );
    }
    // A secret's distinctive middle part, in case a value was cut or re-quoted.
    assert!(!text.contains("SECRET"), "{what} shows part of a secret");
}

fn token_response() -> TokenResponse {
    TokenResponse {
        access_token: Some(AccessToken::new(ACCESS)),
        token_type: "Bearer".into(),
        expires_in: Some(secs(3600)),
        refresh_token: Some(RefreshToken::new(REFRESH)),
        scope: None,
        notes: vec![TokenAnswerNote::AccessTokenRefused],
    }
}

fn token_set() -> TokenSet {
    TokenSet::from_login(token_response(), T0, Some(Generation::new(2)))
}

fn authorization() -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: DeviceCode::new(DEVICE_CODE),
        user_code: UserCode::new("WDJB-MJHT"),
        verification_uri: ServiceUrl::parse("https://idcs.example.com/device").expect("url"),
        verification_uri_complete: None,
        expires_in: secs(300),
        interval: None,
    }
}

#[test]
fn token_types_debug_without_their_values() {
    let set = token_set();
    // The test data really is in there: a redaction that dropped it would also pass.
    assert_eq!(
        set.access.as_ref().map(|a| a.token.expose_secret()),
        Some(ACCESS)
    );
    assert_no_secret("TokenSet", &format!("{set:?}"));
    assert_no_secret("TokenSet (pretty)", &format!("{set:#?}"));
    assert_no_secret("TokenResponse", &format!("{:?}", token_response()));
    let issued = IssuedAccessToken {
        token: AccessToken::new(ACCESS),
        token_type: "Bearer".into(),
        issued_at: T0,
        expires_at: T0,
    };
    assert_no_secret("IssuedAccessToken", &format!("{issued:?}"));
    let session = SessionToken::new("eyJ.SESSION-SECRET.x");
    assert_no_secret("SessionToken", &format!("{session:?}"));
}

#[test]
fn a_profile_debugs_without_client_id_or_secret() {
    let profile = profile();
    assert_eq!(profile.client_id.as_str(), CLIENT_ID);
    assert_no_secret("Profile", &format!("{profile:?}"));
    assert_no_secret("Profile (pretty)", &format!("{profile:#?}"));
}

#[test]
fn a_device_authorization_debugs_without_the_device_code() {
    let text = format!("{:?}", authorization());
    assert_no_secret("DeviceAuthorization", &text);
    assert!(
        text.contains("WDJB-MJHT"),
        "the user code is shown on purpose"
    );
}

#[test]
fn poll_steps_debug_without_tokens() {
    let poll = DevicePoll::start(&authorization(), T0);
    let granted = poll.step(Ok(token_response()), T0);
    assert!(matches!(granted, PollStep::Granted(_)));
    assert_no_secret("PollStep::Granted", &format!("{granted:?}"));
}

/// Every error that a flow holding these secrets can produce.
fn errors() -> Vec<Error> {
    let name = || profile().name;
    // IDCS puts the client id in this description.
    let expired_text = format!("Token is expired for client : {CLIENT_ID}");
    let expired = || {
        OAuthError::classify(
            "invalid_grant",
            Some(expired_text.clone()),
            Some("ecid-1".into()),
        )
    };
    vec![
        crate::usecase::token_endpoint_error(&name(), ProviderError::OAuth(expired())),
        Error::Provider(ProviderError::OAuth(expired())),
        Error::ClientConfiguration {
            profile: name(),
            error: expired(),
        },
        Error::DeviceLogin {
            profile: name(),
            failure: DeviceLoginFailure::Provider(ProviderError::OAuth(expired())),
        },
        Error::PersistFailed {
            profile: name(),
            source: StoreError::Conflict {
                attempted: 3,
                found: 4,
            },
        },
        Error::NotLoggedIn(name()),
        Error::RefreshChainBroken {
            profile: name(),
            ecid: None,
        },
    ]
}

#[test]
fn errors_show_no_secret() {
    for error in errors() {
        let debug = format!("{error:?}");
        let what = debug
            .split([' ', '(', '{'])
            .next()
            .unwrap_or("error")
            .to_owned();
        assert_no_secret(&what, &debug);
        assert_no_secret(&what, &error.to_string());
    }
}

#[test]
fn a_token_echoed_in_an_error_description_is_not_shown() {
    let echoed = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl-SECRET";
    let error = OAuthError::classify(
        "invalid_grant",
        Some(format!("bad token {echoed} sent")),
        Some("e1".into()),
    );
    let shown = error.to_string();
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("bad token [redacted] sent"), "{shown}");
}

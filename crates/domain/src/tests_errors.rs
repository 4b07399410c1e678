//! Error classification: every OAuth error text an identity domain sends (and
//! a few from other providers and broken servers) through
//! `OAuthError::classify`, and the use-case error it becomes — as a reviewed
//! snapshot. Reading error bodies is tested with the HTTP adapter; the exit
//! code and remedy of each error, with the command line's table.

use std::fmt::Write as _;

use crate::test_support::{T0, secs};
use crate::usecase::token_endpoint_error;
use crate::{
    DeviceLoginFailure, DevicePoll, Error, InvalidGrant, OAuthError, OAuthErrorKind, PollStep,
    ProfileName, ProviderError,
};

/// Looks like a real client id, so the test can prove it never comes out.
const CLIENT_ID_IN_BODY: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

fn profile_name() -> ProfileName {
    ProfileName::new("epm").expect("valid name")
}

/// What a server sent: the `error` code, `error_description` and `ecid`.
struct Sent {
    code: &'static str,
    description: Option<String>,
    ecid: Option<String>,
}

/// (label, what the server sent) for every case the table covers. Reading
/// these from a body is the HTTP adapter's job (and its tests' subject).
fn cases() -> Vec<(&'static str, Sent)> {
    let with = |code: &'static str, description: &str| Sent {
        code,
        description: Some(description.into()),
        ecid: Some("q7bN2-0042".into()),
    };
    let bare = |code: &'static str, description: Option<&str>| Sent {
        code,
        description: description.map(str::to_owned),
        ecid: None,
    };
    let long = "much too long ".repeat(30);
    vec![
        (
            "refresh token expired",
            with(
                "invalid_grant",
                &format!("Token is expired for client : {CLIENT_ID_IN_BODY}"),
            ),
        ),
        (
            "refresh token invalid",
            with("invalid_grant", "The given token in the request is invalid"),
        ),
        (
            "refresh token consumed",
            with("invalid_grant", "The token has already been consumed"),
        ),
        (
            "refresh token consumed (FAQ wording)",
            with("invalid_grant", "The token is already consumed"),
        ),
        (
            "invalid_grant, another provider's text",
            with("invalid_grant", "Token is not active"),
        ),
        (
            "invalid_grant without description",
            bare("invalid_grant", None),
        ),
        (
            "invalid_request",
            with(
                "invalid_request",
                "The request contains invalid parameters or values",
            ),
        ),
        ("invalid_scope", with("invalid_scope", "Invalid scope")),
        (
            "invalid_scope without ecid",
            bare("invalid_scope", Some("Invalid scope")),
        ),
        (
            "invalid_client",
            with("invalid_client", "Client authentication failed"),
        ),
        (
            "unauthorized_client",
            with(
                "unauthorized_client",
                "Client is not authorized for this grant",
            ),
        ),
        (
            "unsupported_grant_type",
            with("unsupported_grant_type", "Grant type is not supported"),
        ),
        ("authorization_pending", bare("authorization_pending", None)),
        ("slow_down", bare("slow_down", None)),
        ("access_denied", bare("access_denied", Some("User denied"))),
        ("expired_token", bare("expired_token", None)),
        (
            "unknown code from another provider",
            bare("temporarily_unavailable", Some("Try later")),
        ),
        (
            "description with newlines",
            with("invalid_request", "line one\nline two\r\n\tthree"),
        ),
        ("very long description", with("invalid_request", &long)),
        (
            "ecid with a newline",
            Sent {
                code: "invalid_client",
                description: None,
                ecid: Some("abc\ndef".into()),
            },
        ),
    ]
}

/// What was sent, as shown in the snapshot: the client id masked, long texts cut.
fn shown_sent(sent: &Sent) -> String {
    let text = format!("{} {:?} ecid {:?}", sent.code, sent.description, sent.ecid);
    let masked = text.replace(CLIENT_ID_IN_BODY, "[CLIENT_ID]");
    if masked.chars().count() > 110 {
        let start: String = masked.chars().take(90).collect();
        format!("{start}… ({} characters)", text.chars().count())
    } else {
        masked
    }
}

/// `RefreshTokenExpired { .. }` -> `RefreshTokenExpired`.
fn variant(debug: &str) -> &str {
    debug.split([' ', '(', '{']).next().unwrap_or(debug)
}

fn poll_outcome(error: OAuthError) -> String {
    let poll = DevicePoll {
        interval: secs(5),
        deadline: T0.plus(secs(300)),
    };
    match poll.step(Err(ProviderError::OAuth(error)), T0) {
        PollStep::Continue { wait, .. } => format!("poll again in {}s", wait.as_secs()),
        PollStep::Granted(_) => "granted".into(),
        PollStep::Failed(DeviceLoginFailure::Provider(_)) => "failed: Provider".into(),
        PollStep::Failed(failure) => format!("failed: {}", variant(&format!("{failure:?}"))),
    }
}

fn render_row(out: &mut String, label: &str, sent: Sent) {
    writeln!(out, "## {label}").expect("write to String");
    writeln!(out, "sent:       {}", shown_sent(&sent)).expect("write to String");
    let parsed = OAuthError::classify(sent.code, sent.description, sent.ecid);
    let error = token_endpoint_error(&profile_name(), ProviderError::OAuth(parsed.clone()));
    let lines = [
        format!("kind:       {:?}", parsed.kind),
        format!("display:    {parsed}"),
        format!("on refresh: {}", variant(&format!("{error:?}"))),
        format!("message:    {error}"),
        format!("on poll:    {}", poll_outcome(parsed)),
    ];
    writeln!(out, "{}\n", lines.join("\n")).expect("write to String");
}

#[test]
fn classification_table() {
    let mut table = String::new();
    for (label, sent) in cases() {
        render_row(&mut table, label, sent);
    }
    assert!(
        !table.contains(CLIENT_ID_IN_BODY),
        "the client id of the expired text leaked"
    );
    insta::assert_snapshot!(table);
}

fn kind_of(code: &str, description: Option<&str>) -> OAuthErrorKind {
    OAuthError::classify(code, description.map(str::to_owned), None).kind
}

// The snapshot is reviewed by eye; these pin the rules that matter most, so a
// blindly re-blessed snapshot still fails.

#[test]
fn the_three_invalid_grant_texts_are_told_apart() {
    let grant = |d: &str| kind_of("invalid_grant", Some(d));
    assert_eq!(
        grant("Token is expired for client : abc"),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Expired)
    );
    assert_eq!(
        grant("The given token in the request is invalid"),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Invalid)
    );
    for consumed in [
        "The token has already been consumed",
        "The token is already consumed",
    ] {
        assert_eq!(
            grant(consumed),
            OAuthErrorKind::InvalidGrant(InvalidGrant::Consumed)
        );
    }
    assert_eq!(
        grant("Token is not active"),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Other)
    );
    assert_eq!(
        kind_of("invalid_grant", None),
        OAuthErrorKind::InvalidGrant(InvalidGrant::Other)
    );
}

#[test]
fn the_refresh_errors_tell_the_invalid_grant_texts_apart() {
    let on_refresh = |code: &str, description: &str| {
        let error = OAuthError::classify(code, Some(description.into()), None);
        token_endpoint_error(&profile_name(), ProviderError::OAuth(error))
    };
    let expired = on_refresh("invalid_grant", "Token is expired for client : abc");
    assert!(matches!(expired, Error::RefreshTokenExpired { .. }));
    let consumed = on_refresh("invalid_grant", "The token has already been consumed");
    assert!(matches!(consumed, Error::RefreshChainBroken { .. }));
    let invalid = on_refresh("invalid_grant", "The given token in the request is invalid");
    assert!(matches!(invalid, Error::RefreshTokenInvalid { .. }));
    let scope = on_refresh("invalid_scope", "Invalid scope");
    assert!(matches!(scope, Error::ClientConfiguration { .. }));
}

#[test]
fn unknown_codes_are_kept_on_one_short_line() {
    assert_eq!(
        kind_of("temporarily_unavailable", None),
        OAuthErrorKind::Other("temporarily_unavailable".into())
    );
    let long = format!("odd\ncode{}", "x".repeat(100));
    let OAuthErrorKind::Other(kept) = kind_of(&long, None) else {
        panic!("an unknown code is Other");
    };
    assert!(
        kept.starts_with("odd code") && kept.ends_with('…'),
        "{kept}"
    );
}

#[test]
fn descriptions_are_one_short_line() {
    let long = "word ".repeat(100);
    let error = OAuthError::classify("invalid_request", Some(format!("a\nb\r\n{long}")), None);
    let description = error.description.expect("kept");
    assert!(!description.contains(['\n', '\r']));
    assert!(description.starts_with("a b word"));
    assert!(description.ends_with('…'));
    assert_eq!(description.chars().count(), 201);
}

#[test]
fn one_line_flattens_runs_and_escapes_and_cuts() {
    use crate::one_line;
    assert_eq!(one_line("  a\r\n\tb \x1b[2Jc  ", 80), "a b [2Jc");
    assert_eq!(one_line("word word", 5), "word…");
    assert_eq!(one_line("short", 5), "short");
    assert_eq!(one_line("\n\n", 5), "");
}

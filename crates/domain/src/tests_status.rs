//! `status` reports: lifecycles and warnings of [`ProfileStatus`], snapshotted as
//! the JSON the CLI prints (with the warnings as kinds: the CLI words them),
//! with fixed times.

use crate::test_support::{T0, profile, secs, token_set};
use crate::{
    DEFAULT_REFRESH_TTL, DEFAULT_SKEW, Lifecycle, ProfileStatus, RotationRecord, StatusWarning,
    Timestamp, TokenSet,
};

const DAY: u64 = 86_400;

/// A set whose refresh token was issued `age` seconds before T0 and whose access
/// token expires `access_left` seconds after T0.
fn set(age: u64, access_left: u64) -> TokenSet {
    let mut set = token_set(7, "at-SECRET", "rt-SECRET", T0.plus(secs(access_left)));
    set.refresh_issued_at = T0.minus(secs(age));
    set.chain_started_at = T0.minus(secs(10 * DAY));
    set
}

fn status(tokens: Option<&TokenSet>) -> ProfileStatus {
    let rotations = tokens
        .map(|t| {
            vec![RotationRecord {
                at: t.refresh_issued_at,
                generation: t.generation,
                fingerprint: Some("3f2a9c".into()),
                recovered_from: None,
            }]
        })
        .unwrap_or_default();
    ProfileStatus::of(
        &profile(),
        tokens,
        rotations,
        T0,
        DEFAULT_REFRESH_TTL,
        DEFAULT_SKEW,
    )
}

fn without_refresh_token() -> TokenSet {
    let mut set = set(DAY, 3000);
    set.refresh_token = None;
    set
}

fn cases() -> Vec<(&'static str, Option<TokenSet>)> {
    vec![
        ("fresh, refreshed a day ago", Some(set(DAY, 3000))),
        ("access token within the skew", Some(set(DAY, 30))),
        (
            "refresh token expires within a day",
            Some(set(6 * DAY + 1, 0)),
        ),
        ("refresh token expired", Some(set(8 * DAY, 0))),
        ("no refresh token", Some(without_refresh_token())),
        ("not logged in", None),
    ]
}

/// One snapshot entry; a struct (not a `json!` map) keeps the fields in the
/// order the CLI prints them.
#[derive(serde::Serialize)]
struct Report {
    case: &'static str,
    status: WithWarnings,
}

/// The status as the CLI prints it, its warnings last.
#[derive(serde::Serialize)]
struct WithWarnings {
    #[serde(flatten)]
    status: ProfileStatus,
    warnings: Vec<String>,
}

#[test]
fn status_json() {
    let reports: Vec<Report> = cases()
        .into_iter()
        .map(|(case, tokens)| {
            let status = status(tokens.as_ref());
            let warnings = status.warnings.iter().map(|w| format!("{w:?}")).collect();
            Report {
                case,
                status: WithWarnings { status, warnings },
            }
        })
        .collect();
    let json = serde_json::to_string_pretty(&reports).expect("serializable");
    assert!(!json.contains("SECRET"), "a secret in the status JSON");
    insta::assert_snapshot!(json);
}

#[test]
fn a_refresh_token_used_recently_gives_no_warning() {
    let report = status(Some(&set(DAY, 3000)));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let refresh = report.refresh_token.expect("refresh status");
    assert_eq!(refresh.state, Lifecycle::Fresh);
    assert_eq!(refresh.age_seconds, DAY);
    assert_eq!(refresh.generation, 7);
    assert_eq!(refresh.expected_expiry, T0.plus(secs(6 * DAY)));
}

#[test]
fn exactly_one_day_before_the_expected_expiry_warns() {
    let report = status(Some(&set(6 * DAY, 3000)));
    let refresh = report.refresh_token.expect("refresh status");
    assert_eq!(refresh.state, Lifecycle::ExpiringSoon);
    assert_eq!(report.warnings, [StatusWarning::RefreshTokenExpiringSoon]);
}

#[test]
fn an_expected_expiry_in_the_past_warns_to_log_in() {
    let report = status(Some(&set(7 * DAY, 3000)));
    assert_eq!(
        report.refresh_token.expect("status").state,
        Lifecycle::Expired
    );
    assert_eq!(report.warnings, [StatusWarning::RefreshTokenExpired]);
}

#[test]
fn a_set_without_refresh_token_warns() {
    let report = status(Some(&without_refresh_token()));
    assert!(report.refresh_token.is_none());
    assert_eq!(report.warnings, [StatusWarning::NoRefreshToken]);
}

#[test]
fn not_logged_in_has_no_warning() {
    let report = status(None);
    assert!(!report.logged_in);
    assert!(report.warnings.is_empty());
    assert!(report.access_token.is_none() && report.refresh_token.is_none());
}

#[test]
fn the_access_state_uses_the_skew() {
    let report = status(Some(&set(DAY, 60)));
    let access = report.access_token.expect("access status");
    assert_eq!(access.state, Lifecycle::ExpiringSoon);
    assert_eq!(access.expires_at, Timestamp::from_unix(T0.unix() + 60));
}

//! `keep`'s policy on a manual clock: a day of a session, the cap with and
//! without an exchange source, database tokens and refresh tokens.

use std::time::Duration;

use crate::Timestamp;
use crate::keep::{KeepPolicy, SessionDue, SessionView, sleep_until_next};

const HOUR: u64 = 3600;
const LOGIN: Timestamp = Timestamp::from_unix(1_800_000_000);

fn at(secs: u64) -> Timestamp {
    LOGIN.plus(Duration::from_secs(secs))
}

/// Drives one session through `hours` of a manual clock, acting on every plan
/// as `keep` would (a refresh gives a one-hour token; an exchange a new login).
fn day(can_exchange: bool, hours: u64) -> Vec<(u64, SessionDue)> {
    let policy = KeepPolicy::default();
    let mut view = SessionView {
        issued_at: LOGIN,
        expires_at: at(HOUR),
        login_at: LOGIN,
        can_exchange,
        warned: false,
    };
    let mut now = LOGIN;
    let mut actions = Vec::new();
    while now < at(hours * HOUR) {
        let plan = policy.session(&view, now);
        match plan.due {
            SessionDue::Nothing => {}
            SessionDue::Refresh => {
                view.issued_at = now;
                view.expires_at = now.plus(Duration::from_secs(HOUR));
            }
            SessionDue::Exchange => {
                view.login_at = now;
                view.issued_at = now;
                view.expires_at = now.plus(Duration::from_secs(HOUR));
            }
            SessionDue::WarnCap { .. } => view.warned = true,
            SessionDue::Expired => {}
        }
        if plan.due != SessionDue::Nothing {
            actions.push((LOGIN.until(now).as_secs(), plan.due));
        }
        if matches!(plan.due, SessionDue::Nothing | SessionDue::Expired) {
            // The next wake-up is always ahead, or the loop would spin.
            assert!(plan.next_check > now);
            now = plan.next_check;
        }
        // Otherwise `keep` acted and looks again at once.
    }
    actions
}

#[test]
fn a_session_is_refreshed_at_half_life_until_the_cap_then_warned_and_ends() {
    let actions = day(false, 26);
    let refreshes: Vec<u64> = actions
        .iter()
        .filter(|(_, d)| *d == SessionDue::Refresh)
        .map(|(t, _)| *t)
        .collect();
    // Every half hour from the first half-life, never at or past the cap.
    assert_eq!(refreshes.first(), Some(&(HOUR / 2)));
    assert!(refreshes.windows(2).all(|w| w[1] - w[0] == HOUR / 2));
    assert!(refreshes.iter().all(|t| *t < 24 * HOUR));
    assert_eq!(refreshes.len(), 47);
    let warnings: Vec<&(u64, SessionDue)> = actions
        .iter()
        .filter(|(_, d)| matches!(d, SessionDue::WarnCap { .. }))
        .collect();
    assert_eq!(warnings.len(), 1, "warned once");
    assert_eq!(warnings[0].0, 22 * HOUR, "two hours before the cap");
    assert!(
        actions
            .iter()
            .any(|(t, d)| *d == SessionDue::Expired && *t >= 24 * HOUR)
    );
    assert!(!actions.iter().any(|(_, d)| *d == SessionDue::Exchange));
}

#[test]
fn with_an_exchange_source_a_new_session_is_minted_before_the_cap_and_no_warning() {
    let actions = day(true, 50);
    let exchanges: Vec<u64> = actions
        .iter()
        .filter(|(_, d)| *d == SessionDue::Exchange)
        .map(|(t, _)| *t)
        .collect();
    // One token life before each cap, while the old session still works.
    assert_eq!(exchanges, vec![23 * HOUR, 46 * HOUR]);
    assert!(
        !actions
            .iter()
            .any(|(_, d)| matches!(d, SessionDue::WarnCap { .. } | SessionDue::Expired))
    );
}

#[test]
fn an_expired_session_is_exchanged_when_it_can_be_and_reported_otherwise() {
    let policy = KeepPolicy::default();
    let view = SessionView {
        issued_at: LOGIN,
        expires_at: at(HOUR),
        login_at: LOGIN,
        can_exchange: false,
        warned: false,
    };
    let plan = policy.session(&view, at(2 * HOUR));
    assert_eq!(plan.due, SessionDue::Expired);
    assert_eq!(plan.next_check, at(2 * HOUR).plus(policy.retry_after));
    let plan = policy.session(
        &SessionView {
            can_exchange: true,
            ..view
        },
        at(2 * HOUR),
    );
    assert_eq!(plan.due, SessionDue::Exchange);
}

#[test]
fn short_sessions_follow_the_same_shares() {
    // A fake's 10-second sessions with a 60-second cap.
    let policy = KeepPolicy {
        session_cap: Duration::from_secs(60),
        cap_warning: Duration::from_secs(20),
        ..KeepPolicy::default()
    };
    let view = SessionView {
        issued_at: LOGIN,
        expires_at: at(10),
        login_at: LOGIN,
        can_exchange: false,
        warned: false,
    };
    let plan = policy.session(&view, at(1));
    assert_eq!((plan.due, plan.next_check), (SessionDue::Nothing, at(5)));
    assert_eq!(policy.session(&view, at(5)).due, SessionDue::Refresh);
}

#[test]
fn a_database_token_is_reissued_before_it_expires() {
    let policy = KeepPolicy::default();
    // None on disk: due now.
    assert!(policy.db_token(None, None, LOGIN).due);
    // An hour's token: ten minutes before its end.
    let plan = policy.db_token(Some(LOGIN), Some(at(HOUR)), at(60));
    assert_eq!((plan.due, plan.next_check), (false, at(50 * 60)));
    assert!(
        policy
            .db_token(Some(LOGIN), Some(at(HOUR)), at(50 * 60))
            .due
    );
    // A short token: at half its life, never after its end.
    let plan = policy.db_token(Some(LOGIN), Some(at(8)), LOGIN);
    assert_eq!(plan.next_check, at(4));
    assert!(policy.db_token(Some(LOGIN), Some(at(8)), at(4)).due);
    // A chosen margin (`--db-token-margin 20m`), and one longer than half
    // the life, which never re-issues before half-life.
    let wide = KeepPolicy {
        db_token_margin: Duration::from_secs(20 * 60),
        ..KeepPolicy::default()
    };
    let plan = wide.db_token(Some(LOGIN), Some(at(HOUR)), at(60));
    assert_eq!(plan.next_check, at(40 * 60));
    let too_wide = KeepPolicy {
        db_token_margin: Duration::from_secs(2 * HOUR),
        ..KeepPolicy::default()
    };
    let plan = too_wide.db_token(Some(LOGIN), Some(at(HOUR)), at(60));
    assert_eq!(plan.next_check, at(30 * 60));
}

#[test]
fn a_refresh_token_is_rotated_when_its_share_of_life_has_passed() {
    let policy = KeepPolicy {
        refresh_token_share: 0.25,
        ..KeepPolicy::default()
    };
    let week = Duration::from_secs(7 * 24 * HOUR);
    let plan = policy.refresh_token(LOGIN, week, at(HOUR));
    assert_eq!((plan.due, plan.next_check), (false, at(42 * HOUR)));
    assert!(policy.refresh_token(LOGIN, week, at(42 * HOUR)).due);
}

#[test]
fn the_loop_sleeps_until_the_earliest_check() {
    assert_eq!(
        sleep_until_next(LOGIN, [at(30), at(10), at(20)]),
        Some(Duration::from_secs(10))
    );
    assert_eq!(sleep_until_next(at(40), [at(30)]), Some(Duration::ZERO));
    assert_eq!(sleep_until_next(LOGIN, []), None);
}

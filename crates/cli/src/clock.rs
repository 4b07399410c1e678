//! The system clock behind the domain's `Clock` port.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oci_iam_sso_domain::{Clock, Timestamp, one_line};

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait::async_trait]
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Timestamp::from_unix(i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX))
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    /// The sub-second part of the time: different in every process, which is all
    /// spreading retries apart needs.
    fn jitter(&self) -> f64 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        f64::from(nanos) / 1_000_000_000.0
    }
}

/// A duration as the CLI reads one, on the command line and in the settings
/// file alike: `90s`, `10m`, `1h 30m` (humantime), or a bare number of
/// seconds. The error quotes the value on one line (a TOML multi-line string
/// can span several).
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|e| {
        format!(
            "`{}` is not a duration like 90s, 10m or 1h ({e})",
            one_line(text, 400)
        )
    })
}

/// RFC 3339 in UTC, seconds precision, for humans and JSON.
/// Times are clamped to 1970..=9999, the range RFC 3339 can write (a server's
/// absurd expiry must not crash every later `status`).
pub fn rfc3339(at: Timestamp) -> String {
    use std::fmt::Write as _;
    const LAST_SECOND_OF_9999: u64 = 253_402_300_799;
    let seconds = u64::try_from(at.unix())
        .unwrap_or(0)
        .min(LAST_SECOND_OF_9999);
    let mut text = String::new();
    let formatted = humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(seconds));
    match write!(text, "{formatted}") {
        Ok(()) => text,
        Err(_) => "9999-12-31T23:59:59Z".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_future_times_are_clamped_not_a_panic() {
        assert_eq!(
            rfc3339(Timestamp::from_unix(i64::MAX)),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(rfc3339(Timestamp::from_unix(-5)), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn durations_read_alike_on_the_command_line_and_in_the_settings_file() {
        assert_eq!(parse_duration(" 90 "), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        let error = parse_duration("soon\nish").expect_err("not a duration");
        assert!(error.starts_with("`soon"), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(
            rfc3339(Timestamp::from_unix(1_767_225_600)),
            "2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn jitter_is_in_range() {
        let j = SystemClock.jitter();
        assert!((0.0..1.0).contains(&j));
    }
}

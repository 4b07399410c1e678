//! Time as the domain sees it: whole seconds since the Unix epoch, read only
//! through the [`Clock`] port so tests drive it by hand.

use std::time::Duration;

/// Seconds since the Unix epoch (UTC).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix(seconds: i64) -> Self {
        Self(seconds)
    }

    pub const fn unix(self) -> i64 {
        self.0
    }

    pub fn plus(self, duration: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)),
        )
    }

    pub fn minus(self, duration: Duration) -> Self {
        Self(
            self.0
                .saturating_sub(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)),
        )
    }

    /// Time from `self` until `later`, zero when `later` is not later.
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_secs(u64::try_from(later.0.saturating_sub(self.0)).unwrap_or(0))
    }
}

/// Reads the time and sleeps. Adapters use the system clock; tests use a manual one.
#[async_trait::async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    async fn sleep(&self, duration: Duration);
    /// A number in `[0, 1)` that spreads retries of many processes apart.
    fn jitter(&self) -> f64 {
        0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_saturates_at_zero() {
        let t = Timestamp::from_unix(100);
        assert_eq!(t.until(Timestamp::from_unix(160)), Duration::from_secs(60));
        assert_eq!(t.until(Timestamp::from_unix(40)), Duration::ZERO);
        assert_eq!(
            t.plus(Duration::from_secs(5)).minus(Duration::from_secs(5)),
            t
        );
    }
}

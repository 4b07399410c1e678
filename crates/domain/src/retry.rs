//! When to try a failed token request again. Only failures that cannot have
//! consumed a single-use refresh token are retried.

use std::time::Duration;

use crate::{ProviderError, TransportFailure};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The wait before attempt `failed_attempts + 1`, or `None` to give up.
    /// `jitter` in `[0, 1)` spreads a fleet's retries apart.
    pub fn delay_after(
        &self,
        error: &ProviderError,
        failed_attempts: u32,
        jitter: f64,
    ) -> Option<Duration> {
        if failed_attempts >= self.max_attempts {
            return None;
        }
        let retry_after = match error {
            ProviderError::Transport { failure, .. } if failure.request_not_sent() => None,
            ProviderError::Server {
                status,
                retry_after,
                ..
            } if *status >= 500 || *status == 429 => *retry_after,
            _ => return None,
        };
        if let Some(wait) = retry_after {
            return Some(wait.min(self.max_delay));
        }
        let exponential = self
            .base_delay
            .saturating_mul(1 << failed_attempts.saturating_sub(1).min(16));
        let jittered = exponential.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0);
        Some(jittered.min(self.max_delay))
    }
}

/// Whether a failed refresh might have reached the server and consumed the token.
pub fn may_have_consumed(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::Transport {
            failure: TransportFailure::Timeout | TransportFailure::Interrupted,
            ..
        }
    )
}

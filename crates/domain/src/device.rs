//! The RFC 8628 device authorization grant as a pure state machine.
//!
//! [`DevicePoll::step`] takes what the token endpoint answered and the time, and
//! says whether to wait and poll again, stop with tokens, or stop with an error.
//! The loop that sleeps lives in [`crate::usecase::DeviceLogin`].

use std::time::Duration;

use crate::{
    DeviceCode, OAuthErrorKind, ProviderError, ServiceUrl, Timestamp, TokenResponse, UserCode,
};

/// RFC 8628 §3.2: a missing `interval` means 5 seconds (identity domains send none).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: `slow_down` adds 5 seconds to the interval.
pub const SLOW_DOWN_INCREMENT: Duration = Duration::from_secs(5);

/// What the device authorization endpoint answered.
#[derive(Clone, Debug)]
pub struct DeviceAuthorization {
    pub device_code: DeviceCode,
    pub user_code: UserCode,
    pub verification_uri: ServiceUrl,
    pub verification_uri_complete: Option<ServiceUrl>,
    pub expires_in: Duration,
    pub interval: Option<Duration>,
}

impl DeviceAuthorization {
    /// The page to open: the complete URI (code filled in) when the server gives one.
    pub fn browser_url(&self) -> &ServiceUrl {
        self.verification_uri_complete
            .as_ref()
            .unwrap_or(&self.verification_uri)
    }
}

/// The polling state: how long to wait between polls and when to give up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevicePoll {
    pub interval: Duration,
    pub deadline: Timestamp,
}

/// What to do after one poll.
#[derive(Debug)]
pub enum PollStep {
    /// Wait `wait`, then poll again with the updated state.
    Continue { next: DevicePoll, wait: Duration },
    /// The user approved: these are the tokens.
    Granted(TokenResponse),
    /// The flow is over without tokens.
    Failed(DeviceLoginFailure),
}

/// Why a device login ended without tokens.
#[derive(Debug, thiserror::Error)]
pub enum DeviceLoginFailure {
    #[error("the sign-in request was denied at the verification page")]
    AccessDenied,
    #[error("the device code expired before the sign-in was approved")]
    Expired,
    #[error(transparent)]
    Provider(ProviderError),
}

impl DevicePoll {
    /// The state right after the device authorization response arrived at `now`.
    pub fn start(authorization: &DeviceAuthorization, now: Timestamp) -> Self {
        Self {
            interval: authorization
                .interval
                .filter(|i| !i.is_zero())
                .unwrap_or(DEFAULT_POLL_INTERVAL),
            deadline: now.plus(authorization.expires_in),
        }
    }

    /// The first wait: RFC 8628 asks clients to wait one interval before polling.
    pub fn first_wait(&self) -> Duration {
        self.interval
    }

    /// Decides what follows a poll that answered `outcome` at `now`.
    pub fn step(self, outcome: Result<TokenResponse, ProviderError>, now: Timestamp) -> PollStep {
        let next = match outcome {
            Ok(tokens) => return PollStep::Granted(tokens),
            Err(ProviderError::OAuth(ref e)) => match e.kind {
                OAuthErrorKind::AuthorizationPending => self,
                OAuthErrorKind::SlowDown => DevicePoll {
                    interval: self.interval.saturating_add(SLOW_DOWN_INCREMENT),
                    ..self
                },
                OAuthErrorKind::AccessDenied => {
                    return PollStep::Failed(DeviceLoginFailure::AccessDenied);
                }
                OAuthErrorKind::ExpiredToken => {
                    return PollStep::Failed(DeviceLoginFailure::Expired);
                }
                _ => {
                    return PollStep::Failed(DeviceLoginFailure::Provider(
                        outcome.expect_err("matched Err"),
                    ));
                }
            },
            Err(other) => return PollStep::Failed(DeviceLoginFailure::Provider(other)),
        };
        if crate::Lifecycle::is_expired(next.deadline, now) {
            // The code is dead locally: the server would only say `expired_token`.
            return PollStep::Failed(DeviceLoginFailure::Expired);
        }
        PollStep::Continue {
            wait: next.interval,
            next,
        }
    }
}

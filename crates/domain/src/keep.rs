//! `keep`'s scheduling policy: what is due when, and when to wake next, for
//! each thing kept alive — an OCI session, a database token, an
//! identity-domain refresh token. Pure: it reads what the caller saw and an
//! instant, and the loop that acts on it (and sleeps) is the command line's,
//! so the rules are tested with a manual clock and the mechanism apart.
//!
//! The facts it follows: a session token lives an hour and can be refreshed
//! only while valid and up to 24 hours after the login (Oracle's "Token-based
//! Authentication for the CLI"; the Java SDK's session provider stops there);
//! a database token lives about an hour and cannot be refreshed, only
//! re-issued; an identity-domain refresh token dies of age unless used, and
//! using it starts its lifetime again.

use std::time::Duration;

use crate::Timestamp;

/// The service's cap on a session's life, counted from the login.
pub const SESSION_CAP: Duration = Duration::from_secs(24 * 3600);

/// When things are due. [`KeepPolicy::default`] is what `keep` uses.
#[derive(Clone, Debug, PartialEq)]
pub struct KeepPolicy {
    /// How long after the login the service stops refreshing a session.
    pub session_cap: Duration,
    /// Share of a session token's life after which it is refreshed (0.5: at half-life).
    pub session_refresh_share: f64,
    /// How long before the cap a session without an exchange source is warned about.
    pub cap_warning: Duration,
    /// A database token is re-issued this long before it expires.
    pub db_token_margin: Duration,
    /// Share of a refresh token's lifetime after which it is rotated.
    pub refresh_token_share: f64,
    /// After a failed action, the next try waits this long (less when the
    /// thing expires sooner).
    pub retry_after: Duration,
}

impl Default for KeepPolicy {
    fn default() -> Self {
        Self {
            session_cap: SESSION_CAP,
            session_refresh_share: 0.5,
            cap_warning: Duration::from_secs(2 * 3600),
            db_token_margin: Duration::from_secs(10 * 60),
            refresh_token_share: 0.5,
            retry_after: Duration::from_secs(60),
        }
    }
}

/// An OCI session as `keep` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// The token's `iat` (when it was issued or last refreshed).
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// When the login that started the session happened (the cap counts from it).
    pub login_at: Timestamp,
    /// The session can be minted again without a person (`session exchange`).
    pub can_exchange: bool,
    /// The cap warning was given already.
    pub warned: bool,
}

/// What is due for a session now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionDue {
    Nothing,
    /// Trade the token for a new one (same key, same login).
    Refresh,
    /// Mint a new session from the identity-domain source (a new login).
    Exchange,
    /// The cap is near and nothing can pass it: tell a person, once.
    WarnCap {
        cap_at: Timestamp,
    },
    /// Expired, with no way to make a new one unattended.
    Expired,
}

/// What is due for one kept thing, and when to look at it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan<D> {
    pub due: D,
    pub next_check: Timestamp,
}

impl KeepPolicy {
    fn share_of(from: Timestamp, until: Timestamp, share: f64) -> Timestamp {
        let span = from.until(until).as_secs_f64() * share.clamp(0.0, 1.0);
        from.plus(Duration::from_secs_f64(span))
    }

    /// When the cap ends a session that logged in at `login_at`.
    pub fn cap_at(&self, login_at: Timestamp) -> Timestamp {
        login_at.plus(self.session_cap)
    }

    pub fn session(&self, view: &SessionView, now: Timestamp) -> Plan<SessionDue> {
        let cap_at = self.cap_at(view.login_at);
        let life = view.issued_at.until(view.expires_at);
        let refresh_at =
            Self::share_of(view.issued_at, view.expires_at, self.session_refresh_share);
        // A new session is minted while the old one still works: one token
        // life before the cap, so no refresh is ever refused.
        let exchange_at = cap_at.minus(life);
        if view.can_exchange && (now >= exchange_at || now >= view.expires_at) {
            return Plan {
                due: SessionDue::Exchange,
                next_check: now.plus(self.retry_after),
            };
        }
        if now >= view.expires_at {
            return Plan {
                due: SessionDue::Expired,
                // Look again now and then: a person may log in meanwhile.
                next_check: now.plus(self.retry_after),
            };
        }
        let warn_at = cap_at.minus(self.cap_warning);
        if !view.can_exchange && !view.warned && now >= warn_at {
            return Plan {
                due: SessionDue::WarnCap { cap_at },
                next_check: now,
            };
        }
        // Past the cap a refresh is refused: the session ends with its token.
        if now >= refresh_at && now < cap_at {
            return Plan {
                due: SessionDue::Refresh,
                next_check: now.plus(self.retry_after).min(view.expires_at),
            };
        }
        let mut next = view.expires_at;
        if now < refresh_at && refresh_at < cap_at {
            next = next.min(refresh_at);
        }
        if view.can_exchange {
            next = next.min(exchange_at.max(now));
        } else if !view.warned {
            next = next.min(warn_at.max(now));
        }
        Plan {
            due: SessionDue::Nothing,
            next_check: next,
        }
    }

    /// A database token expiring at `expires_at` (`None`: there is none, or it
    /// cannot be read) is re-issued [`KeepPolicy::db_token_margin`] before it
    /// expires — or at half its life when that is shorter.
    pub fn db_token(
        &self,
        issued_at: Option<Timestamp>,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Plan<bool> {
        let Some(expires_at) = expires_at else {
            return self.due_at(now, now);
        };
        let mut reissue_at = expires_at.minus(self.db_token_margin);
        if let Some(issued_at) = issued_at {
            reissue_at = reissue_at.max(Self::share_of(issued_at, expires_at, 0.5));
        }
        self.due_at(reissue_at, now)
    }

    /// A refresh token received at `issued_at` that lives `lifetime` unless
    /// used is rotated once [`KeepPolicy::refresh_token_share`] of it has passed.
    pub fn refresh_token(
        &self,
        issued_at: Timestamp,
        lifetime: Duration,
        now: Timestamp,
    ) -> Plan<bool> {
        let rotate_at = Self::share_of(
            issued_at,
            issued_at.plus(lifetime),
            self.refresh_token_share,
        );
        self.due_at(rotate_at, now)
    }

    /// Due from `at` on (then checked again after [`KeepPolicy::retry_after`]
    /// in case the action fails); until then, the next check is `at`.
    fn due_at(&self, at: Timestamp, now: Timestamp) -> Plan<bool> {
        if now >= at {
            Plan {
                due: true,
                next_check: now.plus(self.retry_after),
            }
        } else {
            Plan {
                due: false,
                next_check: at,
            }
        }
    }
}

/// How long to sleep until the earliest of `checks` (zero when one is due).
pub fn sleep_until_next(
    now: Timestamp,
    checks: impl IntoIterator<Item = Timestamp>,
) -> Option<Duration> {
    checks.into_iter().min().map(|next| now.until(next))
}

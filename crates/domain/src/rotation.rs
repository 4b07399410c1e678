//! A rotation kept aside: the token set a refresh grant returned, written
//! durably before the store's own write is tried, so that no fault between
//! the server's answer and the store's commit (a full disk, a write lock held
//! by another program, `kill -9`) can lose a refresh token the server already
//! rotated. Identity-domain refresh tokens are single use: the old one is dead
//! the moment the server answers.
//!
//! The rule of adoption lives here, once: a kept rotation is adopted only when
//! the store still holds exactly the set it was made from.

use std::time::Duration;

use crate::{Generation, RefreshToken, StoreError, Timestamp, TokenSet};

/// A rotated token set waiting to be written over the set it was made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRotation {
    /// The generation the store held when the grant left (`None`: nothing stored).
    pub base_generation: Option<Generation>,
    /// The refresh token the store held then (the one the grant consumed, or the
    /// one a chain of unsaved rotations started from).
    pub base_refresh_token: Option<RefreshToken>,
    /// What the store should hold now.
    pub next: TokenSet,
    /// When it was kept aside.
    pub kept_at: Timestamp,
}

impl PendingRotation {
    /// `next`, to be written over `stored` (what the store holds, not what this
    /// process went on from: a chain of unsaved rotations keeps its first base).
    pub fn over(stored: Option<&TokenSet>, next: TokenSet, now: Timestamp) -> Self {
        Self {
            base_generation: stored.map(|s| s.generation),
            base_refresh_token: stored.and_then(|s| s.refresh_token.clone()),
            next,
            kept_at: now,
        }
    }

    /// Whether this rotation follows exactly what the store holds now. Anything
    /// else (a newer login, an import, a set another process wrote) wins over it.
    pub fn applies_to(&self, stored: Option<&TokenSet>) -> bool {
        let base_matches = match stored {
            Some(stored) => {
                Some(stored.generation) == self.base_generation
                    && stored.refresh_token == self.base_refresh_token
            }
            None => self.base_generation.is_none(),
        };
        base_matches
            && self
                .base_generation
                .is_none_or(|base| self.next.generation > base)
    }
}

/// Something a use case wants the user to know although it succeeded. The CLI
/// words it; the domain only says what happened.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// The store could not take the rotated set; it is kept aside (durably,
    /// sealed) and the next run under the profile's lock adopts it.
    RotationKeptAside {
        profile: crate::ProfileName,
        error: StoreError,
    },
    /// A rotation kept aside earlier (at `kept_at`) is now in the store.
    RotationRecovered {
        profile: crate::ProfileName,
        kept_at: Timestamp,
    },
    /// The server issues access tokens for less than the margin asked for
    /// (`--min-ttl` or the skew): tokens are used until half their life has
    /// passed instead of being refreshed on every call.
    MarginExceedsLifetime {
        requested: Duration,
        lifetime: Duration,
    },
    /// The token endpoint's answer was odd but usable (what was kept and what
    /// was not is in the note).
    OddTokenAnswer(crate::TokenAnswerNote),
}

/// Where use cases send [`Notice`]s.
pub trait Notices: Send + Sync {
    fn notice(&self, notice: Notice);
}

/// Drops every notice (library callers that have no user to tell).
#[derive(Debug, Default, Clone, Copy)]
pub struct IgnoreNotices;

impl Notices for IgnoreNotices {
    fn notice(&self, _notice: Notice) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{T0, expired, fresh};

    #[test]
    fn applies_only_over_the_exact_stored_set() {
        let stored = expired(4);
        let pending = PendingRotation::over(Some(&stored), fresh(5), T0);
        assert!(pending.applies_to(Some(&stored)));
        // The store moved on (another process, a new login): the stored set wins.
        assert!(!pending.applies_to(Some(&fresh(5))));
        assert!(!pending.applies_to(Some(&expired(6))));
        assert!(!pending.applies_to(None));
        // Same generation, another chain (removed and logged in again).
        let mut other_chain = expired(4);
        other_chain.refresh_token = Some(RefreshToken::new("rt-other"));
        assert!(!pending.applies_to(Some(&other_chain)));
    }

    #[test]
    fn a_rotation_over_nothing_applies_to_nothing() {
        let pending = PendingRotation::over(None, fresh(1), T0);
        assert!(pending.applies_to(None));
        assert!(!pending.applies_to(Some(&expired(1))));
    }

    #[test]
    fn the_compare_and_swap_rule() {
        let g = |n| Some(Generation::new(n));
        assert!(Generation::check_replace(None, None, Generation::new(1)).is_ok());
        assert!(Generation::check_replace(g(3), g(3), Generation::new(4)).is_ok());
        // Generation 0 is never written, over nothing or anything else.
        assert!(Generation::check_replace(None, None, Generation::new(0)).is_err());
        // Another generation is stored than the caller read.
        assert!(Generation::check_replace(g(4), g(3), Generation::new(5)).is_err());
        assert!(Generation::check_replace(None, g(3), Generation::new(4)).is_err());
        // Not later than what it replaces.
        assert!(Generation::check_replace(g(3), g(3), Generation::new(3)).is_err());
    }

    #[test]
    fn never_goes_back_a_generation() {
        let stored = expired(7);
        let mut pending = PendingRotation::over(Some(&stored), fresh(7), T0);
        assert!(!pending.applies_to(Some(&stored)));
        pending.next.generation = Generation::new(8);
        assert!(pending.applies_to(Some(&stored)));
    }
}

//! Reading under the profile lock and writing a set the server just issued,
//! so that a rotated refresh token is never lost (see [`crate::PendingRotation`]).

use tracing::{Instrument, debug, debug_span, info, warn};

use crate::{
    Error, Notice, Notices, PendingRotation, ProfileLock, ProfileName, StoreError, Timestamp,
    TokenSet,
};

/// The state under the lock: what the store holds, and the set to go on from.
/// They differ only when a rotation kept aside could not be adopted yet: its
/// refresh token is then the live one, whatever the store still says.
#[derive(Debug)]
pub(crate) struct UnderLock {
    pub stored: Option<TokenSet>,
    pub current: Option<TokenSet>,
}

impl UnderLock {
    /// Nothing kept aside applies: go on from what the store holds.
    fn as_stored(stored: Option<TokenSet>) -> Self {
        Self {
            current: stored.clone(),
            stored,
        }
    }
}

/// Reads the stored set under the lock and adopts a rotation kept aside when
/// it follows exactly that set (recorded as adopted at `now`).
pub(crate) async fn read_under_lock(
    lock: &mut dyn ProfileLock,
    profile: &ProfileName,
    now: Timestamp,
    notices: &dyn Notices,
) -> Result<UnderLock, Error> {
    let stored = lock.tokens().await?;
    let pending = match lock.pending().await? {
        Some(pending) if pending.applies_to(stored.as_ref()) => pending,
        _ => return Ok(UnderLock::as_stored(stored)),
    };
    match lock.adopt(&pending, now).await {
        Ok(()) => {
            info!(
                %profile,
                generation = pending.next.generation.get(),
                kept_at = pending.kept_at.unix(),
                "adopted the token set kept aside by an earlier run"
            );
            notices.notice(Notice::RotationRecovered {
                profile: profile.clone(),
                kept_at: pending.kept_at,
            });
            Ok(UnderLock {
                stored: Some(pending.next.clone()),
                current: Some(pending.next),
            })
        }
        // The store moved on between the two reads (a writer outside the lock):
        // what it holds now wins.
        Err(StoreError::Conflict { .. }) => Ok(UnderLock::as_stored(lock.tokens().await?)),
        Err(error) => {
            warn!(%profile, %error, "cannot adopt the token set kept aside yet: going on from it");
            notices.notice(Notice::RotationKeptAside {
                profile: profile.clone(),
                error,
            });
            Ok(UnderLock {
                stored,
                current: Some(pending.next),
            })
        }
    }
}

/// Writes `next` (just issued by the server) over `stored`: kept aside first,
/// durably, then written to the store. When the store fails but the set was
/// kept aside, nothing is lost: the caller goes on and the next run adopts it.
pub(crate) async fn persist_issued(
    lock: &mut dyn ProfileLock,
    profile: &ProfileName,
    stored: Option<&TokenSet>,
    next: &TokenSet,
    now: Timestamp,
    notices: &dyn Notices,
) -> Result<(), Error> {
    let span = debug_span!(
        "persist",
        %profile,
        base_generation = stored.map(|s| s.generation.get()),
        generation = next.generation.get()
    );
    let pending = PendingRotation::over(stored, next.clone(), now);
    let kept = lock.keep_pending(&pending).instrument(span.clone()).await;
    match &kept {
        Ok(()) => debug!(parent: &span, "kept aside (durably) before the store write"),
        Err(error) => {
            warn!(parent: &span, %error, "cannot keep the set aside; writing the store anyway")
        }
    }
    let written = lock
        .replace(stored.map(|s| s.generation), next, now)
        .instrument(span.clone())
        .await;
    match &written {
        Ok(()) => info!(parent: &span, "stored"),
        Err(error) => {
            warn!(parent: &span, %error, kept_aside = kept.is_ok(), "the store write failed")
        }
    }
    match (written, kept) {
        (Ok(()), _) => Ok(()),
        // A newer set is in the store, written without our lock: it wins, and
        // the kept set no longer applies. Say so rather than hide it.
        (Err(error @ StoreError::Conflict { .. }), _) | (Err(error), Err(_)) => {
            Err(Error::PersistFailed {
                profile: profile.clone(),
                source: error,
            })
        }
        (Err(error), Ok(())) => {
            notices.notice(Notice::RotationKeptAside {
                profile: profile.clone(),
                error,
            });
            Ok(())
        }
    }
}

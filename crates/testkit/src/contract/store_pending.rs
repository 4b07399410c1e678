//! The token-store contract, part two: a rotation kept aside (the
//! `ProfileLock` MUSTs of `prepare_rotation`, `keep_pending`, `pending` and
//! `adopt`) survives its holder and is discarded by every write over it.

use oci_iam_sso_domain::{PendingRotation, ProfileLock, ProfileName, Timestamp, TokenStore};

use super::Report;
use super::store::{T_AUDIT, store_error_name, token_set};

const KEPT_AT: Timestamp = Timestamp::from_unix(1_900_000_500);

fn show(pending: &Result<Option<PendingRotation>, oci_iam_sso_domain::StoreError>) -> String {
    match pending {
        Ok(None) => "nothing".to_owned(),
        Ok(Some(p)) => format!(
            "generation {} over {:?}, kept at {}, its own refresh token: {}",
            p.next.generation,
            p.base_generation.map(|g| g.get()),
            p.kept_at.unix(),
            super::store::yes(
                p.next.refresh_token == token_set(p.next.generation.get()).refresh_token
            )
        ),
        Err(e) => store_error_name(e).to_owned(),
    }
}

async fn lock(store: &dyn TokenStore, name: &ProfileName) -> Option<Box<dyn ProfileLock>> {
    store.lock(name).await.ok()
}

/// `other` is a second handle on the same store (another process).
pub(super) async fn kept_rotations(
    report: &mut Report,
    store: &dyn TokenStore,
    other: &dyn TokenStore,
    name: &ProfileName,
) {
    let Some(mut held) = lock(store, name).await else {
        report.check("lock() for the kept-rotation checks", "failed", &["Ok"]);
        return;
    };
    let first = held.replace(None, &token_set(1), T_AUDIT).await;
    report.check(
        "a first set is written for the kept-rotation checks",
        format!("{:?}", first.map_err(|e| store_error_name(&e))),
        &["Ok(())"],
    );
    report.check(
        "pending() of a fresh profile",
        show(&held.pending().await),
        &["nothing"],
    );
    let prepared = held.prepare_rotation().await;
    report.check(
        "prepare_rotation() on a writable store",
        format!("{:?}", prepared.map_err(|e| store_error_name(&e))),
        &["Ok(())"],
    );
    let kept = PendingRotation::over(Some(&token_set(1)), token_set(2), KEPT_AT);
    let keep = held.keep_pending(&kept).await;
    report.check(
        "keep_pending()",
        format!("{:?}", keep.map_err(|e| store_error_name(&e))),
        &["Ok(())"],
    );
    drop(held);

    // The holder died before writing the store: the next holder, in another
    // process, finds the set kept aside and the store unchanged.
    report.check(
        "pending() of the store, without the lock, from another process",
        show(&other.pending(name).await),
        &["generation 2 over Some(1), kept at 1900000500, its own refresh token: yes"],
    );
    let Some(mut next) = lock(other, name).await else {
        report.check("lock() from another handle", "failed", &["Ok"]);
        return;
    };
    report.check(
        "pending() from another process after the holder went away",
        show(&next.pending().await),
        &["generation 2 over Some(1), kept at 1900000500, its own refresh token: yes"],
    );
    let stored = next
        .tokens()
        .await
        .ok()
        .flatten()
        .map(|t| t.generation.get());
    report.check(
        "keep_pending() does not write the store itself",
        format!("{stored:?}"),
        &["Some(1)"],
    );
    let adopted = next.adopt(&kept, T_AUDIT).await;
    report.check(
        "adopt()",
        format!("{:?}", adopted.map_err(|e| store_error_name(&e))),
        &["Ok(())"],
    );
    let stored = next
        .tokens()
        .await
        .ok()
        .flatten()
        .map(|t| t.generation.get());
    report.check(
        "adopt() writes the kept set and discards it",
        format!("store: {stored:?}, kept: {}", show(&next.pending().await)),
        &["store: Some(2), kept: nothing"],
    );
    let audit = other.rotations(name, 1).await;
    report.check(
        "adopt() records when the set was kept aside, dated by the time given",
        format!(
            "{:?}",
            audit.map(|r| r
                .first()
                .map(|r| (r.recovered_from.map(Timestamp::unix), r.at.unix())))
        ),
        &["Ok(Some((Some(1900000500), 1950000000)))"],
    );

    let again = PendingRotation::over(Some(&token_set(2)), token_set(3), KEPT_AT);
    let _ = next.keep_pending(&again).await;
    let replaced = next
        .replace(
            Some(oci_iam_sso_domain::Generation::new(2)),
            &token_set(3),
            T_AUDIT,
        )
        .await;
    report.check(
        "replace() discards what was kept aside",
        format!(
            "{:?}, kept: {}",
            replaced.map_err(|e| store_error_name(&e)),
            show(&next.pending().await)
        ),
        &["Ok(()), kept: nothing"],
    );
    let audit = other.rotations(name, 1).await;
    report.check(
        "replace() records no recovery",
        format!(
            "{:?}",
            audit.map(|r| r.first().map(|r| r.recovered_from.is_some()))
        ),
        &["Ok(Some(false))"],
    );

    let last = PendingRotation::over(Some(&token_set(3)), token_set(4), KEPT_AT);
    let _ = next.keep_pending(&last).await;
    let cleared = next.clear().await;
    report.check(
        "clear() discards what was kept aside",
        format!(
            "{:?}, kept: {}",
            cleared.map_err(|e| store_error_name(&e)),
            show(&next.pending().await)
        ),
        &["Ok(()), kept: nothing"],
    );
    let _ = next.keep_pending(&last).await;
    drop(next);
    let removed = store.remove_profile(name).await;
    let after = match lock(store, name).await {
        Some(mut l) => show(&l.pending().await),
        None => "lock failed".to_owned(),
    };
    report.check(
        "remove_profile() discards what was kept aside",
        format!(
            "{:?}, kept: {after}",
            removed.map_err(|e| store_error_name(&e))
        ),
        &["Ok(false), kept: nothing", "Ok(true), kept: nothing"],
    );
}

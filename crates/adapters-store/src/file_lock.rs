//! Waiting for an exclusive OS file lock (`flock`), shared by the token
//! store's profile locks and the OCI files' locks. Such locks belong to an
//! open file description, so they exclude other guards of this process as
//! well as other processes, and the kernel frees them when a process dies.

use std::fs::{File, TryLockError};
use std::io;
use std::time::{Duration, Instant};

/// The first pause between two attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(2);
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// Takes `file`'s exclusive lock, polling (without blocking the runtime) for
/// at most `wait`. `Ok(false)`: another holder kept it all that time.
pub(crate) async fn lock_within(file: &File, wait: Duration) -> io::Result<bool> {
    let started = Instant::now();
    let deadline = started + wait;
    let mut pause = FIRST_PAUSE;
    let mut contended = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                if contended {
                    tracing::info!(
                        waited_ms = started.elapsed().as_millis(),
                        "lock taken after waiting"
                    );
                }
                return Ok(true);
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e),
        }
        if !contended {
            contended = true;
            tracing::info!(
                wait_at_most_ms = wait.as_millis(),
                "the lock is held elsewhere: waiting"
            );
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            tracing::warn!(
                waited_ms = started.elapsed().as_millis(),
                "gave up waiting for the lock"
            );
            return Ok(false);
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

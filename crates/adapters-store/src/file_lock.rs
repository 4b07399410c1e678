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
    let deadline = Instant::now() + wait;
    let mut pause = FIRST_PAUSE;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(true),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

//! The store-wide lock, `<db>.locks/.store.lock` (profile names never start
//! with `.`, so no profile's lock file can take its name). Every open handle
//! holds it shared; `rekey` holds it exclusively, so a key never changes
//! under a running command, and a command started during a rekey waits at
//! its open until the rekey is done.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::private_fs::{ensure_private_dir, open_private_file};

const PAUSE: Duration = Duration::from_millis(10);

fn path(real_path: &Path) -> (PathBuf, PathBuf) {
    let mut dir = real_path.as_os_str().to_owned();
    dir.push(".locks");
    let dir = PathBuf::from(dir);
    let file = dir.join(".store.lock");
    (dir, file)
}

/// Polls `attempt` until it takes the lock or `wait` has passed.
fn poll(wait: Duration, attempt: impl Fn() -> Result<(), TryLockError>) -> io::Result<bool> {
    let deadline = Instant::now() + wait;
    loop {
        match attempt() {
            Ok(()) => return Ok(true),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(PAUSE);
            }
            Err(TryLockError::WouldBlock) => return Ok(false),
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The lock of the store at `real_path`, held shared; `None` when a rekey
/// kept it for longer than `wait`.
pub(crate) fn acquire_shared(real_path: &Path, wait: Duration) -> io::Result<Option<File>> {
    let (dir, path) = path(real_path);
    ensure_private_dir(&dir)?;
    let file = open_private_file(&path)?;
    Ok(poll(wait, || file.try_lock_shared())?.then_some(file))
}

/// Turns this handle's shared hold into an exclusive one: it waits until no
/// other handle (in any process) has the store open. `flock` may drop the
/// shared hold while converting, so the caller re-checks the key afterwards.
pub(crate) fn upgrade(file: &File, wait: Duration) -> io::Result<bool> {
    poll(wait, || file.try_lock())
}

//! The exclusive locks of the OCI files: one per profile's session (in
//! `~/.oci/sessions`) and one per db-token directory.
//!
//! Why locks at all: a session is two files that only work together — the
//! token is bound to the key pair (its `jwk` claim) — and a refresh reads
//! both, waits for the service, then writes the token. A login or token
//! exchange that replaced the pair meanwhile got the old key's token written
//! beside its new key, and the session was broken for every tool
//! (Oracle: "Token-based Authentication for the CLI",
//! https://docs.oracle.com/en-us/iaas/Content/API/SDKDocs/clitoken.htm).
//!
//! An OS file lock (`flock`) on a separate lock file, because the files
//! themselves are replaced by renames; it is released when the process ends,
//! however it ends, so a crash never leaves a stale lock behind.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use oci_iam_sso_domain::oci::OciError;

/// How long a command waits for another to finish with the same files. The
/// holders are short: a refresh request, or the writing of a login's files.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Opens `path` for locking, creating it 0600 (and narrowing it to 0600). A
/// symlink planted at that name (by anyone who can write the directory) makes
/// the open fail instead of creating or locking a file elsewhere.
pub fn open_lock_file(path: &Path) -> std::io::Result<File> {
    crate::private_fs::open_private_file(path)
}

/// Takes the exclusive lock of `path`, waiting at most `wait` for another
/// holder; the lock is held until the returned file is dropped.
pub async fn lock_exclusive(path: &Path, what: &str, wait: Duration) -> Result<File, OciError> {
    let failed = |e: std::io::Error| OciError::Files {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let file = open_lock_file(path).map_err(failed)?;
    if crate::file_lock::lock_within(&file, wait)
        .await
        .map_err(failed)?
    {
        Ok(file)
    } else {
        Err(OciError::Locked {
            what: what.to_owned(),
            waited_secs: wait.as_secs(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[tokio::test]
    async fn a_lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".p.lock");
        let held = lock_exclusive(&path, "the session", LOCK_WAIT)
            .await
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let error = lock_exclusive(&path, "the session of profile `p`", Duration::ZERO)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the session of profile `p` stayed locked by another process for 0 s"
        );
        drop(held);
        lock_exclusive(&path, "the session", Duration::ZERO)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_symlink_at_the_lock_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        let path = dir.path().join(".p.lock");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let error = lock_exclusive(&path, "the session", Duration::ZERO)
            .await
            .unwrap_err();
        assert!(matches!(error, OciError::Files { .. }), "{error}");
        assert!(!elsewhere.exists(), "nothing is created through the link");
    }
}

//! Secret files: atomic writes with private permissions, and the session and
//! db-token file sets. Key pairs are `super::keys`' business.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use crate::private_fs::sync_dir;

use oci_iam_sso_domain::oci::KeyPair;

pub use oci_iam_sso_domain::oci::layout::{
    DB_PRIVATE_KEY, DB_PUBLIC_KEY, DB_TOKEN, DB_TOKEN_LOCK, SESSION_PRIVATE_KEY,
    SESSION_PUBLIC_KEY, SESSION_TOKEN,
};

/// A file operation that failed, with the path (never the content).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct FileError {
    pub path: String,
    pub detail: String,
}

impl FileError {
    fn at(path: &Path, error: impl std::fmt::Display) -> Self {
        Self {
            path: path.display().to_string(),
            detail: error.to_string(),
        }
    }
}

/// Creates `dir` and any missing parents with mode 0700. A directory that
/// already exists keeps its mode: it may be the user's choice, or not ours at
/// all (`--db-token-location ~` is the home directory), so it is never chmodded.
pub fn ensure_private_dir(dir: &Path) -> Result<(), FileError> {
    crate::private_fs::ensure_private_dir(dir).map_err(|e| FileError::at(dir, e))
}

/// Creates the parent of `path` 0700 when it does not exist yet (an existing
/// directory keeps its mode: it may be shared with other tools).
pub fn ensure_parent(path: &Path) -> Result<(), FileError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.exists() => {
            ensure_private_dir(parent)
        }
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` atomically with mode 0600: a temporary file in the
/// same directory, written and synced, renamed over `path`, then the directory synced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let (dir, temp) = write_temp(path, bytes)?;
    let result = fs::rename(&temp, path).and_then(|()| sync_dir(dir));
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        FileError::at(path, e)
    })
}

/// Writes `bytes` (synced, 0600) to a new temporary file next to `path`;
/// returns the directory and the temporary file's path.
///
/// The name ends in 64 random bits and the file is opened with `create_new`
/// (O_CREAT|O_EXCL): another user who can write to the directory cannot guess
/// the name beforehand, and a symlink or file planted there makes the open
/// fail instead of being followed or truncated.
fn write_temp<'a>(path: &'a Path, bytes: &[u8]) -> Result<(&'a Path, PathBuf), FileError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| FileError::at(path, "not a file path"))?
        .to_string_lossy();
    let mut random = [0u8; 8];
    aws_lc_rs::rand::fill(&mut random).map_err(|_| FileError::at(path, "no random source"))?;
    let temp = dir.join(format!(".{name}.tmp-{:016x}", u64::from_ne_bytes(random)));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok((dir, temp)),
        Err(e) => {
            // Only a file this call created is removed (not one that was already there).
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = fs::remove_file(&temp);
            }
            Err(FileError::at(path, e))
        }
    }
}

/// The line the OCI CLI appends to the private keys it writes (`oci setup
/// keys`, `oci session authenticate`), with no line break after it; it warns
/// about a key file that does not end with it (oci_cli's `cli_setup.py`,
/// `write_private_key_to_file`). PEM readers ignore text after the block.
/// Database keys get none, as the OCI CLI writes them.
pub const PRIVATE_KEY_LABEL: &str = "OCI_API_KEY";

/// The session's private key file as it is written: the PEM block, then the label.
pub fn session_key_text(key: &KeyPair) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(format!(
        "{}{PRIVATE_KEY_LABEL}",
        key.private_pem.expose_secret()
    ))
}

/// Writes a new session's files into `dir` (0700): the key pair and the token,
/// replacing an older session's as one unit as far as a plain directory allows.
/// Returns the paths of the private key and the token.
pub fn write_session_files(
    dir: &Path,
    key: &KeyPair,
    token: &str,
) -> Result<(PathBuf, PathBuf), FileError> {
    ensure_private_dir(dir)?;
    let labelled = session_key_text(key);
    replace_together(
        dir,
        &[
            (SESSION_PRIVATE_KEY, labelled.as_bytes()),
            (SESSION_PUBLIC_KEY, key.public_pem.as_bytes()),
            (SESSION_TOKEN, token.as_bytes()),
        ],
    )?;
    Ok((dir.join(SESSION_PRIVATE_KEY), dir.join(SESSION_TOKEN)))
}

/// Replaces several files of `dir` so that a failure leaves the old set whole.
///
/// Why this way: a token only works with its own key, so writing them one
/// after the other (key, then token) left a window where a failure — disk
/// full, quota, an I/O error — kept the old token next to the new key and
/// broke a session that worked. Every step that can fail for such reasons
/// (create, write, fsync) now runs first, on temporary files; only then are
/// they renamed into place, and a rename within one directory of files just
/// created needs no space and no new permission. The other design, a fresh
/// directory swapped in with one rename, would need the session directory to
/// become a symlink (a directory cannot be renamed over a non-empty one),
/// changing the layout the OCI CLI and SDKs expect (OCI's "Token-based Authentication for the CLI"). What remains is a
/// crash of the machine between the renames, which this cannot rule out.
pub fn replace_together(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), FileError> {
    let mut written: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        match write_temp(&path, bytes) {
            Ok((_, temp)) => written.push((temp, path)),
            Err(e) => {
                for (temp, _) in &written {
                    let _ = fs::remove_file(temp);
                }
                return Err(e);
            }
        }
    }
    for (index, (temp, path)) in written.iter().enumerate() {
        if let Err(e) = fs::rename(temp, path) {
            for (temp, _) in &written[index..] {
                let _ = fs::remove_file(temp);
            }
            return Err(FileError::at(path, e));
        }
    }
    sync_dir(dir).map_err(|e| FileError::at(dir, e))
}

/// Writes a database token's files into `dir` (0700), replaced together as a
/// session's are ([`replace_together`]); the token is renamed last, so a reader
/// that finds a new token also finds its key.
pub fn write_db_token_files(dir: &Path, token: &str, key: &KeyPair) -> Result<(), FileError> {
    ensure_private_dir(dir)?;
    replace_together(
        dir,
        &[
            (DB_PRIVATE_KEY, key.private_pem.expose_secret().as_bytes()),
            (DB_PUBLIC_KEY, key.public_pem.as_bytes()),
            (DB_TOKEN, token.as_bytes()),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use oci_iam_sso_domain::oci::PrivateKeyPem;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn atomic_writes_are_private_and_replace_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn the_temporary_file_is_never_one_planted_in_advance() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        // The temporary name used to be `.token.tmp-<pid>`: anyone able to write
        // the directory could plant a symlink there and have the token written through it.
        let planted = dir
            .path()
            .join(format!(".token.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let path = dir.path().join("token");
        write_atomic(&path, b"secret").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&path).unwrap(), "secret");
        assert!(fs::symlink_metadata(&planted).unwrap().is_symlink());
        // Two writes use two different names.
        let (_, first) = write_temp(&path, b"a").unwrap();
        let (_, second) = write_temp(&path, b"b").unwrap();
        assert_ne!(first, second);
        assert_eq!(mode(&first), 0o600);
    }

    #[test]
    fn new_directories_are_0700_and_existing_ones_keep_their_mode() {
        let root = tempfile::tempdir().unwrap();
        let existing = root.path().join("home");
        fs::create_dir(&existing).unwrap();
        fs::set_permissions(&existing, fs::Permissions::from_mode(0o755)).unwrap();
        let key = KeyPair {
            private_pem: PrivateKeyPem::new("PRIVATE".into()),
            public_pem: "PUBLIC".into(),
            fingerprint: "f".into(),
        };
        // `db-token get --db-token-location ~` must not chmod the home directory.
        write_db_token_files(&existing, "jwt", &key).unwrap();
        assert_eq!(mode(&existing), 0o755);
        assert_eq!(mode(&existing.join(DB_TOKEN)), 0o600);
        let created = existing.join("a/b");
        ensure_private_dir(&created).unwrap();
        assert_eq!(mode(&existing.join("a")), 0o700);
        assert_eq!(mode(&created), 0o700);
    }

    #[test]
    fn a_failure_while_writing_leaves_the_old_session_whole() {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join(SESSION_PRIVATE_KEY);
        fs::write(&key_path, "old key").unwrap();
        // The second file cannot be created (its temporary name is longer than
        // any file system allows): the first must not have been replaced.
        let unwritable = "t".repeat(250);
        let error = replace_together(
            dir.path(),
            &[
                (SESSION_PRIVATE_KEY, b"new key".as_slice()),
                (unwritable.as_str(), b"new token".as_slice()),
            ],
        )
        .unwrap_err();
        assert!(error.path.ends_with(&unwritable), "{error}");
        assert_eq!(fs::read_to_string(&key_path).unwrap(), "old key");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }

    #[test]
    fn a_new_session_replaces_key_and_token() {
        let dir = tempfile::tempdir().unwrap();
        let session = dir.path().join("s");
        for (private, token) in [("K1", "T1"), ("K2", "T2")] {
            let key = KeyPair {
                private_pem: PrivateKeyPem::new(private.into()),
                public_pem: "PUBLIC".into(),
                fingerprint: "f".into(),
            };
            write_session_files(&session, &key, token).unwrap();
            // The session key ends with the OCI CLI's label line.
            assert_eq!(
                fs::read_to_string(session.join(SESSION_PRIVATE_KEY)).unwrap(),
                format!("{private}OCI_API_KEY")
            );
            assert_eq!(
                fs::read_to_string(session.join(SESSION_TOKEN)).unwrap(),
                token
            );
        }
        assert_eq!(fs::read_dir(&session).unwrap().count(), 3);
    }

    #[test]
    fn db_token_files_are_0600_in_a_0700_dir() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("db-token");
        let key = KeyPair {
            private_pem: PrivateKeyPem::new("PRIVATE".into()),
            public_pem: "PUBLIC".into(),
            fingerprint: "f".into(),
        };
        write_db_token_files(&dir, "jwt", &key).unwrap();
        assert_eq!(mode(&dir), 0o700);
        for name in [DB_TOKEN, DB_PRIVATE_KEY, DB_PUBLIC_KEY] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        assert_eq!(fs::read_to_string(dir.join(DB_TOKEN)).unwrap(), "jwt");
        // The database key has no label, as the OCI CLI writes it.
        assert_eq!(
            fs::read_to_string(dir.join(DB_PRIVATE_KEY)).unwrap(),
            "PRIVATE"
        );
    }
}

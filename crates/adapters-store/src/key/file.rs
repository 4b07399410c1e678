//! The key file: exactly 32 random bytes, 0600, in a 0700 directory.
//!
//! Created atomically and without ever replacing an existing key: the bytes go to
//! a temporary file in the same directory, which is synced and then hard-linked
//! to the final name. `link` fails when the name exists, so when many processes
//! start at once exactly one key wins and the others read it.

use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use oci_iam_sso_domain::StoreError;
use zeroize::Zeroizing;

use super::{KEY_LEN, RawKey, unavailable};
use crate::private_fs::{PRIVATE_FILE_MODE, ensure_private_dir, restrict_to_owner, sync_dir};

/// Reads an existing key file.
pub(crate) fn load_key_file(path: &Path) -> Result<RawKey, StoreError> {
    let shown = path.display();
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => unavailable(format!("the key file {shown} does not exist")),
        _ => unavailable(format!("the key file {shown} cannot be read: {e}")),
    })?;
    // One byte more than a key, to tell "too long" from "exactly right".
    let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1));
    (&mut file)
        .take(KEY_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unavailable(format!("the key file {shown} cannot be read: {e}")))?;
    let key = RawKey::from_bytes(&bytes).ok_or_else(|| {
        let held = if bytes.len() > KEY_LEN {
            format!("more than {KEY_LEN}")
        } else {
            bytes.len().to_string()
        };
        unavailable(format!(
            "the key file {shown} must hold exactly {KEY_LEN} bytes; it holds {held}"
        ))
    })?;
    // A key others can read protects nothing; narrow it (the bytes stay as they are).
    restrict_to_owner(path)
        .map_err(|e| unavailable(format!("cannot restrict {shown} to its owner: {e}")))?;
    Ok(key)
}

/// Reads the key file, creating it with a fresh random key when it does not exist.
pub(crate) fn create_or_load_key_file(path: &Path) -> Result<RawKey, StoreError> {
    if path.exists() {
        return load_key_file(path);
    }
    let shown = path.display();
    let dir = path.parent().unwrap_or(Path::new(""));
    ensure_private_dir(dir).map_err(|e| {
        unavailable(format!(
            "cannot create the key directory {}: {e}",
            dir.display()
        ))
    })?;

    let key = super::random_key()?;

    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per attempt, so concurrent creators (threads or processes) never share one.
    let mut tag = [0u8; 8];
    SystemRandom::new()
        .fill(&mut tag)
        .map_err(|_| unavailable("the operating system's random source failed"))?;
    let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{file_name}.{tag}.tmp"));
    let written = write_new_file(&temp, key.bytes()).and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    match written {
        Ok(()) => {
            sync_dir(dir)
                .map_err(|e| unavailable(format!("cannot sync the directory of {shown}: {e}")))?;
            Ok(key)
        }
        // Another process created it first: use theirs, never replace it.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.exists() => load_key_file(path),
        Err(e) => Err(unavailable(format!(
            "cannot create the key file {shown}: {e}"
        ))),
    }
}

fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_FILE_MODE)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrong_sizes_are_reported_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, [1u8; 31]).unwrap();
        let err = load_key_file(&path).unwrap_err().to_string();
        assert!(err.contains("exactly 32 bytes; it holds 31"), "{err}");
        std::fs::write(&path, [1u8; 40]).unwrap();
        let err = create_or_load_key_file(&path).unwrap_err().to_string();
        assert!(err.contains("it holds more than 32"), "{err}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            vec![1u8; 40],
            "never overwritten"
        );
    }

    #[test]
    fn created_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("key");
        let first = create_or_load_key_file(&path).unwrap();
        let second = create_or_load_key_file(&path).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }
}

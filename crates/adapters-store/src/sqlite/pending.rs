//! Rotations kept aside (see `oci_iam_sso_domain::PendingRotation`): one slot
//! file per profile in `<db>.pending/`, sealed with the store key.
//!
//! The slot is allocated (zeros written, synced) *before* the refresh grant
//! leaves, and the rotated set is then written into it in place. Writing inside
//! blocks that already exist needs no free space and stays under a file-size
//! limit the slot already fits in, and it takes no SQLite lock — so the three
//! faults that can strike between the server's answer and the store's commit
//! (a full disk, a write lock held by another program, `kill -9` while waiting
//! for it) cannot lose the set.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use oci_iam_sso_domain::{PendingRotation, ProfileName};
use zeroize::Zeroizing;

use super::Shared;
use crate::private_fs::{ensure_private_dir, open_private_file, sync_dir};

/// The slot's size. A sealed set is a few KiB (two JWTs); 64 KiB leaves room
/// for very large access tokens without ever growing the file after the grant.
pub(crate) const SLOT_LEN: u64 = 64 * 1024;
const MAGIC: &[u8; 8] = b"OISPEND1";
const HEADER_LEN: usize = MAGIC.len() + 4;
/// The associated data's column name: a slot cannot be passed off as a column.
pub(crate) use crate::codec::{SEAL_COLUMN, sealed_for_id};

/// The slot file of one profile.
#[derive(Debug, Clone)]
pub(crate) struct PendingSlot {
    dir: PathBuf,
    path: PathBuf,
}

impl PendingSlot {
    pub(crate) fn new(dir: &Path, profile: &ProfileName) -> Self {
        // Profile names are limited to `A-Za-z0-9._-@` and never start with
        // `.`, so this stays inside `dir`.
        Self {
            dir: dir.to_owned(),
            path: dir.join(format!("{profile}.sealed")),
        }
    }

    /// A slot file at `path` in `dir` (a rekey's re-sealed copy).
    pub(crate) fn at(dir: &Path, path: PathBuf) -> Self {
        Self {
            dir: dir.to_owned(),
            path,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// Creates the slot at full size (zeros, synced) unless it already is.
    pub(crate) fn reserve(&self) -> io::Result<File> {
        ensure_private_dir(&self.dir)?;
        let file = open_private_file(&self.path)?;
        let len = file.metadata()?.len();
        if len < SLOT_LEN {
            // Real zeros, not `set_len`: a sparse file would need blocks later.
            let zeros = vec![0u8; usize::try_from(SLOT_LEN - len).unwrap_or(0)];
            file.write_all_at(&zeros, len)?;
            file.sync_all()?;
            sync_dir(&self.dir)?;
        }
        Ok(file)
    }

    /// Writes `sealed` into the slot in place and syncs it.
    pub(crate) fn write(&self, file: &File, sealed: &[u8]) -> io::Result<()> {
        let len = u32::try_from(sealed.len())
            .ok()
            .filter(|&len| (HEADER_LEN as u64 + u64::from(len)) <= SLOT_LEN)
            .ok_or_else(|| io::Error::other("the token set is too large for its slot"))?;
        let mut frame = Zeroizing::new(Vec::with_capacity(HEADER_LEN + sealed.len()));
        frame.extend_from_slice(MAGIC);
        frame.extend_from_slice(&len.to_le_bytes());
        frame.extend_from_slice(sealed);
        file.write_all_at(&frame, 0)?;
        file.sync_data()
    }

    /// Opens an existing slot for `write`, never through a symlink.
    fn open_existing(&self, write: bool) -> io::Result<Option<File>> {
        use std::os::unix::fs::OpenOptionsExt;
        match File::options()
            .read(!write)
            .write(write)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.path)
        {
            Ok(file) if file.metadata()?.is_file() => Ok(Some(file)),
            Ok(_) => Err(io::Error::other("it is not a regular file")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The sealed bytes in the slot, if it holds any.
    pub(crate) fn read(&self) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
        use std::io::Read;
        let Some(mut file) = self.open_existing(false)? else {
            return Ok(None);
        };
        let mut bytes = Zeroizing::new(Vec::new());
        file.by_ref().take(SLOT_LEN).read_to_end(&mut bytes)?;
        if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(&bytes[MAGIC.len()..HEADER_LEN]);
        let len = u32::from_le_bytes(len) as usize;
        Ok(bytes
            .get(HEADER_LEN..HEADER_LEN + len)
            .map(|sealed| Zeroizing::new(sealed.to_vec())))
    }

    /// Wipes what the slot holds (keeping its blocks for the next rotation),
    /// synced when `durable`.
    pub(crate) fn discard(&self, durable: bool) -> io::Result<()> {
        let Some(file) = self.open_existing(true)? else {
            return Ok(());
        };
        file.write_all_at(&vec![0u8; SLOT_LEN as usize], 0)?;
        if durable { file.sync_data() } else { Ok(()) }
    }

    /// Deletes the slot (the profile is gone), durably.
    pub(crate) fn remove(&self) -> io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Seals `pending` for `profile`'s slot.
pub(crate) fn seal(shared: &Shared, profile: &ProfileName, pending: &PendingRotation) -> Vec<u8> {
    crate::codec::seal_pending(&shared.cipher, &shared.store_id, profile, pending)
}

/// Opens a sealed slot; `None` when it does not open (a write cut off by a
/// crash, which can only be the kept set of that very moment).
pub(crate) fn open(
    shared: &Shared,
    profile: &ProfileName,
    sealed: &[u8],
) -> Option<PendingRotation> {
    crate::codec::open_pending(&shared.cipher, &shared.store_id, profile, sealed)
}

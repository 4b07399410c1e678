//! The OS keyring as the key's home: Secret Service on Linux (over D-Bus),
//! the Keychain on macOS, the Credential Manager on Windows.
//!
//! One entry per store, named after the store's id (not its path), so a store
//! that is moved keeps finding its key and two stores never share one. The
//! entry holds the key in standard base64, so `secret-tool lookup service
//! oci-iam-sso account "store <id>"` can show it to its owner for a migration.

use base64::Engine;
use oci_iam_sso_domain::StoreError;
use zeroize::Zeroizing;

use super::{RawKey, unavailable};

/// The entry's service name.
pub(crate) const SERVICE: &str = "oci-iam-sso";

fn account(store_id: &str) -> String {
    format!("store {store_id}")
}

fn entry(store_id: &str) -> Result<keyring::Entry, StoreError> {
    keyring::Entry::new(SERVICE, &account(store_id)).map_err(|e| failure("cannot name", e))
}

/// The keyring's error, never a value: keyring's messages hold none.
fn failure(what: &str, error: keyring::Error) -> StoreError {
    let why = match error {
        keyring::Error::NoEntry => "it holds no key for this store".to_owned(),
        keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => format!(
            "it cannot be reached ({e}); a desktop session provides one, a headless host needs the key file or OCI_IAM_SSO_KEY"
        ),
        other => other.to_string(),
    };
    unavailable(format!("{what} the key in the OS keyring: {why}"))
}

/// Reads the key of store `store_id`.
pub(crate) fn load(store_id: &str) -> Result<RawKey, StoreError> {
    let stored = Zeroizing::new(
        entry(store_id)?
            .get_password()
            .map_err(|e| failure("cannot read", e))?,
    );
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored.trim())
        .map(Zeroizing::new)
        .map_err(|_| unavailable("the key in the OS keyring is not base64: it was altered"))?;
    RawKey::from_bytes(&bytes)
        .ok_or_else(|| unavailable("the key in the OS keyring is not 32 bytes: it was altered"))
}

/// Stores `key` as the key of store `store_id`, replacing any entry of that name.
pub(crate) fn save(store_id: &str, key: &RawKey) -> Result<(), StoreError> {
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key.bytes()));
    entry(store_id)?
        .set_password(&encoded)
        .map_err(|e| failure("cannot store", e))
}

/// Deletes the key of store `store_id`; `Ok(false)` when there was none.
pub(crate) fn delete(store_id: &str) -> Result<bool, StoreError> {
    match entry(store_id)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(failure("cannot delete", e)),
    }
}

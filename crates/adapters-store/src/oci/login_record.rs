//! When the login behind a session happened, for `keep`: the service stops
//! refreshing a session 24 hours after its login, and a session token's
//! `iat` only says when it was last refreshed. The record sits beside the
//! session's files (`.oci-iam-sso-login`, 0600) and names the key it was
//! made for (a fingerprint of the key file, never the key), so a new login
//! by any tool — which writes a new key — is noticed and starts a new record.
//!
//! Our own logins (`session authenticate`, `session exchange`) write it with
//! the new token's `iat`; a login by another tool is recorded by `keep` the
//! first time it sees the key, from the token's `iat` then.

use std::path::Path;

use oci_iam_sso_domain::{Timestamp, fingerprint};

use super::files::{FileError, write_atomic};

/// The file's name in the session directory.
pub const LOGIN_RECORD: &str = ".oci-iam-sso-login";

#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    login_at: i64,
    key: String,
}

/// How the record names a key: a fingerprint of the key file's text as it
/// is on disk (label line included).
pub fn key_id(key_file_text: &str) -> String {
    fingerprint(key_file_text.as_bytes())
}

/// The login time recorded for the key with fingerprint `key`; `None` when
/// there is no record, it is unreadable, or it is about another key.
pub fn read_login(session_dir: &Path, key: &str) -> Option<Timestamp> {
    let text = std::fs::read_to_string(session_dir.join(LOGIN_RECORD)).ok()?;
    let record: Record = serde_json::from_str(&text).ok()?;
    (record.key == key).then(|| Timestamp::from_unix(record.login_at))
}

/// Records `login_at` for the key with fingerprint `key`, atomically.
pub fn write_login(session_dir: &Path, key: &str, login_at: Timestamp) -> Result<(), FileError> {
    let record = Record {
        login_at: login_at.unix(),
        key: key.to_owned(),
    };
    let text = serde_json::to_string(&record).unwrap_or_default();
    write_atomic(&session_dir.join(LOGIN_RECORD), text.as_bytes())
}

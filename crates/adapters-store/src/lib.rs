//! Storage adapters of oci-iam-sso.
//!
//! What lives here: [`SqliteTokenStore`], the encrypted SQLite implementation of
//! the domain's `TokenStore` and `ProfileLock` ports, with its store key
//! ([`KeySource`]: where it comes from; secret columns are sealed with it); and
//! [`FsOciFiles`], the OCI CLI's files (config, session and database-token
//! files) behind the domain's `OciFiles` and `OciKeys` ports, with the OCI key
//! pairs they hold ([`generate_key_pair`], [`oci_key_fingerprint`]). See
//! `docs/security.md` for the threat model.
//!
//! What does not: protocol logic (the domain decides when to refresh and what to
//! store) and HTTP.

mod file_lock;
mod key;
pub mod kubeconfig;
mod oci;
mod private_fs;
mod sqlite;

pub use key::{KEY_ENV_VAR, KEY_LEN, KeySource};
pub use oci::login_record;
pub use oci::{FsOciFiles, config_location, generate_key_pair, oci_key_fingerprint, profile_name};
pub use sqlite::{SqliteProfileLock, SqliteTokenStore, StoreOptions};

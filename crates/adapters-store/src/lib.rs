//! Storage adapters of oci-iam-sso.
//!
//! What lives here: [`SqliteTokenStore`], the encrypted SQLite implementation of
//! the domain's `TokenStore` and `ProfileLock` ports, with its store key
//! ([`KeySource`]: where it comes from; secret columns are sealed with it);
//! with the cargo feature `postgres`, `PostgresTokenStore`, the same ports on a
//! PostgreSQL database shared by a fleet of hosts, sealed with the same code
//! (`codec.rs`, `key/`); and
//! [`FsOciFiles`], the OCI CLI's files (config, session and database-token
//! files) behind the domain's `OciFiles` and `OciKeys` ports, with the OCI key
//! pairs they hold ([`generate_key_pair`], [`oci_key_fingerprint`]). See
//! `docs/security.md` for the threat model.
//!
//! What does not: protocol logic (the domain decides when to refresh and what to
//! store) and HTTP.

mod codec;
mod file_lock;
mod key;
pub mod kubeconfig;
mod oci;
#[cfg(feature = "postgres")]
mod postgres;
mod private_fs;
mod row_codec;
mod sqlite;

pub use key::{KEY_ENV_VAR, KEY_LEN, KeySource, KeySourceKind};
pub use oci::login_record;
pub use oci::{
    FsOciFiles, config_location, generate_key_pair, oci_key_fingerprint,
    private_key_public_numbers, profile_name,
};
#[cfg(feature = "postgres")]
pub use postgres::{
    DEFAULT_SCHEMA, PostgresOptions, PostgresProfileLock, PostgresTokenStore, STORE_URL_ENV_VAR,
};
pub use sqlite::{RekeyFault, RekeyReport, SqliteProfileLock, SqliteTokenStore, StoreOptions};

//! Storage adapters of oci-iam-sso.
//!
//! What lives here: [`SqliteTokenStore`], the encrypted SQLite implementation of
//! the domain's `TokenStore` and `ProfileLock` ports (module [`sqlite`]), and the
//! store key — where it comes from and how secret columns are sealed (module
//! [`key`]); and the OCI CLI's files — config, session and database-token files
//! (module [`oci`]). See `docs/security.md` for the threat model.
//!
//! What does not: protocol logic (the domain decides when to refresh and what to
//! store) and HTTP.

mod file_lock;
pub mod key;
pub mod oci;
mod private_fs;
pub mod sqlite;

pub use key::{KEY_ENV_VAR, KEY_LEN, KeySource};
pub use sqlite::{SqliteProfileLock, SqliteTokenStore, StoreOptions};

//! The OCI files: the config file (`~/.oci/config`, read and rewritten
//! line-preserving), region→realm resolution, key pairs ([`keys`]) and the
//! session and db-token files — and [`FsOciFiles`], which puts them behind the
//! domain's `OciFiles` and `OciKeys` ports.

mod adapter;
mod config;
mod files;
mod keys;
mod lock;
pub mod login_record;
mod realms;

pub use adapter::FsOciFiles;
pub use config::{config_location, profile_name};
pub(crate) use files::{FileError, ensure_parent, write_atomic};
pub use keys::{fingerprint as oci_key_fingerprint, generate_key_pair, private_key_public_numbers};

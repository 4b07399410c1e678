//! The OCI files: the config file (`~/.oci/config`, read and rewritten
//! line-preserving), region→realm resolution, key pairs ([`keys`]) and the
//! session and db-token files — and [`FsOciFiles`], which puts them behind the
//! domain's `OciFiles` and `OciKeys` ports.

mod adapter;
mod config;
mod files;
mod keys;
mod lock;
mod realms;

pub use adapter::FsOciFiles;
pub use config::{config_location, profile_name};
pub use keys::{fingerprint as oci_key_fingerprint, generate_key_pair, private_key_public_numbers};

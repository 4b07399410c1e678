//! The OCI files: the config file (`~/.oci/config`, read and rewritten
//! line-preserving), region→realm resolution, key generation and the session
//! and db-token files — and [`FsOciFiles`], which puts them behind the
//! domain's `OciFiles` and `OciKeys` ports.

mod adapter;
pub mod config;
pub mod files;
mod keys;
pub mod lock;
pub mod realms;

pub use adapter::FsOciFiles;
pub use config::{OciConfig, config_location, profile_name};

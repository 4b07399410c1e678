//! The OCI CLI's file layout under the home directory, as the OCI CLI, the
//! SDKs and Oracle's database clients read it (OCI documentation: "SDK and
//! CLI Configuration File", "Token-based Authentication for the CLI", and
//! "IAM database tokens" for `~/.oci/db-token`). Each name lives here once.

/// The directory under the home directory: `~/.oci`.
pub const OCI_DIR: &str = ".oci";
/// `~/.oci/config`, unless `--config-file` or `OCI_CLI_CONFIG_FILE` say otherwise.
pub const CONFIG_FILE: &str = "config";
/// `~/.oci/sessions/<profile>/`: one directory per session profile.
pub const SESSIONS_DIR: &str = "sessions";
/// `~/.oci/db-token/`: the default database-token directory.
pub const DB_TOKEN_DIR: &str = "db-token";
/// `~/.oci/regions-config.json`: regions added to the built-in table.
pub const REGIONS_CONFIG: &str = "regions-config.json";

/// Session files, in `~/.oci/sessions/<profile>/`.
pub const SESSION_PRIVATE_KEY: &str = "oci_api_key.pem";
pub const SESSION_PUBLIC_KEY: &str = "oci_api_key_public.pem";
pub const SESSION_TOKEN: &str = "token";
/// Database-token files, in the db-token directory.
pub const DB_TOKEN: &str = "token";
pub const DB_PRIVATE_KEY: &str = "oci_db_key.pem";
pub const DB_PUBLIC_KEY: &str = "oci_db_key_public.pem";
/// This tool's lock file in a db-token directory (not an OCI CLI file).
pub const DB_TOKEN_LOCK: &str = ".oci_db_token.lock";

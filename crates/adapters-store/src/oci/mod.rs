//! OCI config file, key and token files (added in the next commits).

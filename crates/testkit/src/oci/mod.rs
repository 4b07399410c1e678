//! The fake OCI auth service (added in the next commits).

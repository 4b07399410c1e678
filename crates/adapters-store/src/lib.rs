//! adapters-store

pub mod oci;

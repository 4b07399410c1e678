//! adapters-http

pub mod oci;

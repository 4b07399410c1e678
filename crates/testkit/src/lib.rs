//! testkit

pub mod oci;

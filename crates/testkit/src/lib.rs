//! Test doubles for oci-iam-sso, on real loopback HTTP, and the contract suites
//! every adapter must pass.
//!
//! What lives here: the fake identity domain with its fake EPM-like resource
//! server ([`FakeIdentityDomain`], driven by [`FakeControl`] in process or over
//! HTTP under `/_testkit/`), the contract suites ([`contract`]) that check the
//! ports' "MUST" sentences against an adapter, and an [`InMemoryTokenStore`].
//! The `fake-idcs` binary runs the fake domain for other processes.
//!
//! What does not: production code. Nothing here is meant to talk to Oracle.

pub mod contract;
mod date_header;
mod idcs;
mod memory_store;
pub mod oci;
pub mod postgres;
pub mod proxy;
mod server;
pub mod tls;

pub use idcs::{
    Counters, FakeControl, FakeIdcsConfig, FakeIdentityDomain, Fault, GenerationEvent, Ttls,
};
pub use memory_store::InMemoryTokenStore;

/// Exactly the HTML page EPM answers a missing, invalid or expired token with.
pub use idcs::UNAUTHORIZED_HTML;

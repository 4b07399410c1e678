//! The OCI half of the HTTP adapters: the draft-cavage request signer (OCI's
//! "Request Signatures" page) and the client of the OCI auth and identity services.
//!
//! The identity-domain OAuth client lives elsewhere in this crate.

mod client;
mod oke;
mod pem;
mod signer;

pub use client::HttpOciAuthService;
pub use pem::rsa_key_pair_from_pem;
pub use signer::{KeyId, SignError, SignedHeaders, SigningRequest, sign_request, signing_string};

//! HTTP adapters of oci-iam-sso.
//!
//! What lives here: the shared reqwest setup ([`client`]: timeouts, no
//! redirects, proxy from the environment, an optional corporate CA, built
//! lazily on the first request), the identity-domain OAuth client
//! ([`HttpIdentityProvider`], the domain's `IdentityProvider` port) and the
//! bearer-token resource client ([`HttpResourceClient`], the `ResourceClient`
//! port), and the credential-free probe `doctor` uses ([`HttpProbe`]).
//!
//! What does not: any decision about tokens (when to refresh, what an
//! `invalid_grant` means for the profile) — that is the domain's job. These
//! adapters only turn HTTP exchanges into domain types and classified errors,
//! and never put a response body into an error (a body can hold a token).

mod client;
mod identity;
mod oci;
mod probe;
mod resource;

pub use client::{HttpSettings, ProxyChoice, ProxyUrl, choose_proxy};
pub use identity::HttpIdentityProvider;
pub use oci::{
    HttpOciAuthService, KeyId, SignError, SignedHeaders, SigningRequest, rsa_key_pair_from_pem,
    sign_request, signing_string,
};
pub use probe::{HttpProbe, ProbeAnswer, ca_bundle_certificates};
pub use resource::HttpResourceClient;

/// Entry points for `cargo fuzz` (the `fuzz/` project); not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::identity::fuzzing::{RawAnswer, parse_answer};
}

//! HTTP adapters of oci-iam-sso.
//!
//! What lives here: the shared reqwest setup ([`client`]: timeouts, no
//! redirects, proxy from the environment, an optional corporate CA, built
//! lazily on the first request), the identity-domain OAuth client
//! ([`HttpIdentityProvider`], the domain's `IdentityProvider` port) and the
//! bearer-token resource client ([`HttpResourceClient`], the `ResourceClient`
//! port).
//!
//! What does not: any decision about tokens (when to refresh, what an
//! `invalid_grant` means for the profile) — that is the domain's job. These
//! adapters only turn HTTP exchanges into domain types and classified errors,
//! and never put a response body into an error (a body can hold a token).

pub mod client;
pub mod identity;
pub mod oci;
pub mod resource;

pub use client::HttpSettings;
pub use identity::HttpIdentityProvider;
pub use resource::HttpResourceClient;

//! adapters-http

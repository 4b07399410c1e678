//! adapters-store

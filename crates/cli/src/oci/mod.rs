//! The OCI commands: `setup config`, `session authenticate|refresh|validate|exchange`
//! and `db-token get`. `args::Command` flattens these flags in and
//! `commands::dispatch` runs them with the [`App`](crate::compose::App) every
//! command gets.
//!
//! What lives here: flags, the browser login's loopback listener, and output.
//! The rules (when to refresh, what a 401 means) are the domain's use cases;
//! files and HTTP are the adapters'.

mod args;
mod exchange;
mod headless;
mod listener;
mod login;
mod oke;
mod report;
mod run;

#[cfg(test)]
mod args_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_listener;
#[cfg(test)]
mod tests_lock;
#[cfg(test)]
mod tests_security;

#[cfg(test)]
pub(crate) use args::{AuthenticateArgs, DbTokenGetArgs, SetupConfigArgs, ValidateArgs};
pub use args::{DbTokenCommand, OciGlobalArgs, OciProfileArg, SessionCommand, SetupCommand};
pub(crate) use exchange::exchange_into;
pub use oke::{OkeCommand, oke};
pub use run::{db_token, session, setup};

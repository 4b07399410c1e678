//! One module per command. Each takes the [`App`] and its own flags, drives a
//! domain use case, and returns the exit code (or a [`Failure`]). The OCI
//! commands are in [`crate::oci`].

mod call;
mod completions;
mod doctor;
mod exec;
mod import;
pub(crate) mod keep;
mod login;
mod logout;
mod profile;
mod status;
mod store;
mod token;

use oci_iam_sso_domain::{AccessTokens, IdentityProvider, RetryPolicy};

use crate::args::Command;
use crate::compose::App;
use crate::failure::Failure;
use crate::oci;

/// Runs one command. Each opens what it needs through the app: the
/// identity-domain commands and `session exchange` the settings and the token
/// store, the other OCI commands neither.
pub async fn dispatch(app: &App, command: Command) -> Result<u8, Failure> {
    ignore_file_size_signal();
    match command {
        Command::Profile(c) => profile::run(app, c).await,
        Command::Login(a) => login::run(app, a).await,
        Command::Token(a) => token::run(app, a).await,
        Command::Call(a) => call::run(app, a).await,
        Command::Exec(a) => exec::run(app, a).await,
        Command::Status(_) => status::run(app).await,
        Command::Logout => logout::run(app).await,
        Command::Store(c) => store::run(app, c).await,
        Command::Import => import::run(app).await,
        Command::Setup { oci, command } => oci::setup(app, &oci, command).await,
        Command::Session { oci, command } => oci::session(app, &oci, command).await,
        Command::DbToken { oci, command } => oci::db_token(app, &oci, command).await,
        Command::Doctor { oci, args } => doctor::run(app, &oci, args).await,
        Command::Oke { oci, command } => oci::oke(app, &oci, command).await,
        Command::Keep { oci, args } => keep::run(app, &oci, args).await,
        Command::Completions(a) => completions::completions(app, &a),
        Command::Man(a) => completions::man(app, &a),
    }
}

/// A write past a file-size limit (`ulimit -f`) sends SIGXFSZ, whose default
/// action kills the process before the store can report the failed write and
/// keep the rotated token aside. With a handler installed, the write returns
/// EFBIG instead and the no-loss path runs (for `session exchange` too, which
/// refreshes through the store, and the OCI file writes fail as errors).
fn ignore_file_size_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    // The handler stays installed when the stream is dropped; if it cannot be
    // installed, the default action remains and the kept-aside slot still
    // holds the set written before the store's write.
    let _ = signal(SignalKind::from_raw(libc::SIGXFSZ));
}

/// The access-token use case wired to the app's store and clock.
pub(crate) fn access_tokens<'a>(
    app: &'a App,
    provider: &'a dyn IdentityProvider,
) -> Result<AccessTokens<'a>, Failure> {
    Ok(AccessTokens {
        provider,
        store: app.store()?,
        clock: &app.clock,
        notices: app.notices(),
        skew: app.settings()?.skew,
        retry: RetryPolicy::default(),
    })
}

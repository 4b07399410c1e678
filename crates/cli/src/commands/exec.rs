//! `exec`: run a program with the access token in its environment, and exit
//! with its exit code. The token is never put in an argument list (other users
//! can read those in `ps`).

use std::os::unix::process::ExitStatusExt;

use oci_iam_sso_domain::TokenRequest;

use crate::args::ExecArgs;
use crate::compose::App;
use crate::failure::Failure;

/// The variable the program finds the token in.
pub const TOKEN_VAR: &str = "OCI_IAM_SSO_ACCESS_TOKEN";

pub async fn run(app: &App, args: ExecArgs) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    let provider = app.provider(&profile)?;
    let access = super::access_tokens(app, provider.as_ref())?
        .get(
            &profile,
            TokenRequest {
                min_ttl: app.settings()?.skew,
                force_refresh: false,
            },
        )
        .await?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Failure::input("no program to run", "write it after `--`"))?;
    let shown = program.to_string_lossy().into_owned();
    let mut command = tokio::process::Command::new(program);
    command
        .args(rest)
        .env(TOKEN_VAR, access.token.expose_secret())
        // The program gets one access token, never the key to every profile's
        // refresh token.
        .env_remove(oci_iam_sso_adapters_store::KEY_ENV_VAR);
    if let Some(var) = app.settings()?.passphrase_var() {
        command.env_remove(var);
    }
    let mut child = command.spawn().map_err(|e| {
        // The shell's codes: 127 not found, 126 found but not runnable.
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        };
        Failure::cli(
            format!("cannot run `{shown}`: {e}"),
            Some("check the program name and PATH"),
            code,
        )
    })?;
    drop(access);

    // Ctrl-C reaches the program too (same process group); stay alive until it
    // exits so its own exit code is the one reported.
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = tokio::signal::ctrl_c() => continue,
        }
    }
    .map_err(|e| Failure::cli(format!("waiting for `{shown}` failed: {e}"), None, 1))?;
    Ok(exit_code(status))
}

/// The program's exit code, or 128+N when signal N ended it (as shells report).
fn exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    status
        .signal()
        .map_or(1, |signal| u8::try_from((128 + signal) & 0xff).unwrap_or(1))
}

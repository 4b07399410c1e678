//! `store rekey`: move the token store to a new key in another source.

use oci_iam_sso_domain::StoreError;
use zeroize::Zeroizing;

use crate::args::{RekeyArgs, StoreCommand};
use crate::compose::{App, NewKeyHome, prompt_new_passphrase};
use crate::failure::Failure;

/// The variable `--to env` reads the new key from.
const NEW_KEY_VAR: &str = "OCI_IAM_SSO_NEW_KEY";

pub async fn run(app: &App, command: StoreCommand) -> Result<u8, Failure> {
    match command {
        StoreCommand::Rekey(args) => rekey(app, args),
    }
}

fn missing(reason: String) -> Failure {
    StoreError::KeyUnavailable { reason }.into()
}

fn rekey(app: &App, args: RekeyArgs) -> Result<u8, Failure> {
    let to = match args.to.as_str() {
        "keyfile" => NewKeyHome::KeyFile,
        "keyring" => NewKeyHome::Keyring,
        "env" => NewKeyHome::Env(Zeroizing::new(
            std::env::var(NEW_KEY_VAR)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| {
                    missing(format!(
                        "`--to env` reads the new key from {NEW_KEY_VAR}, which is not set (`openssl rand -base64 32`)"
                    ))
                })?,
        )),
        _ => NewKeyHome::Passphrase(match &args.new_passphrase_env {
            Some(var) => Zeroizing::new(
                std::env::var(var)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| missing(format!("the passphrase variable {var} is not set")))?,
            ),
            None => prompt_new_passphrase()?,
        }),
    };
    let report = app.rekey_store(to)?;
    let mut line = format!(
        "Store rekeyed from {} to {}: {} profile(s) and {} token set(s) kept aside sealed anew",
        report.from, report.to, report.profiles, report.kept_aside
    );
    if let Some(stored) = &report.stored {
        line.push_str(&format!("; the key is in {stored}"));
    }
    if let Some(removed) = &report.removed {
        line.push_str(&format!("; {removed} was deleted"));
    }
    line.push('.');
    app.out.stderr_line(&line);
    app.out.stderr_line(&match report.to.name() {
        "env" => format!("From now on pass the new key as OCI_IAM_SSO_KEY (the value of {NEW_KEY_VAR})."),
        "passphrase" => "From now on open it with --passphrase-env VAR or --ask-passphrase.".to_owned(),
        // The default source follows a store kept in the keyring.
        _ => format!(
            "Without --key-source it opens from the {} from now on; drop a key_source setting or an OCI_IAM_SSO_KEY that names another source.",
            if report.to.name() == "keyring" { "keyring" } else { "key file" }
        ),
    });
    Ok(0)
}

//! `import`: start a profile's chain from a refresh token piped on stdin.

use std::io::{BufRead, IsTerminal};

use oci_iam_sso_domain::{ImportRefreshToken, RefreshToken};
use zeroize::Zeroizing;

use crate::compose::App;
use crate::failure::Failure;
use crate::output;

pub async fn run(app: &App) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::input(
            "refusing to read a refresh token from the terminal (it would show on screen)",
            "pipe it in: `oci-iam-sso import --profile NAME < token.txt`",
        ));
    }
    let mut line = Zeroizing::new(String::new());
    stdin.lock().read_line(&mut line).map_err(|e| {
        Failure::input(
            format!("cannot read stdin: {e}"),
            "pipe the refresh token in",
        )
    })?;
    // The same character rule as for a server's tokens: a pasted escape
    // sequence or a second token on the line is refused, never stored.
    let token = RefreshToken::parse(line.as_str())?;
    ImportRefreshToken {
        store: app.store.as_ref(),
        clock: &app.clock,
    }
    .run(&profile, token)
    .await?;
    output::stderr_line(&format!(
        "Imported a refresh token into profile `{}`; `oci-iam-sso token --profile {}` will use it.",
        profile.name, profile.name
    ));
    Ok(0)
}

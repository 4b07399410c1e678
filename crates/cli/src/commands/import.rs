//! `import`: start a profile's chain from a refresh token piped on stdin.

use std::io::{IsTerminal, Read};

use oci_iam_sso_domain::{ImportRefreshToken, MAX_IMPORTED_TOKEN_LEN, RefreshToken};
use zeroize::Zeroizing;

use crate::compose::App;
use crate::failure::Failure;

pub async fn run(app: &App) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::input(
            "refusing to read a refresh token from the terminal (it would show on screen)",
            "pipe it in: `oci-iam-sso import --profile NAME < token.txt`",
        ));
    }
    // Read a little more than the limit, never all of an endless pipe.
    let mut bytes = Zeroizing::new(Vec::new());
    stdin
        .lock()
        .take(MAX_IMPORTED_TOKEN_LEN as u64 + 2)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Failure::input(
                format!("cannot read stdin: {e}"),
                "pipe the refresh token in",
            )
        })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Failure::input(
            "the refresh token on stdin is not text",
            "pipe in the token itself: `oci-iam-sso import --profile NAME < token.txt`",
        )
    })?;
    // The same character rule as for a server's tokens: a pasted escape
    // sequence or a second token on the line is refused, never stored.
    let token = RefreshToken::parse(text)?;
    let provider = app.provider(&profile)?;
    ImportRefreshToken {
        provider: provider.as_ref(),
        store: app.store()?,
        clock: &app.clock,
        notices: app.notices(),
    }
    .run(&profile, token)
    .await?;
    app.out.info(&format!(
        "Imported the refresh token into profile `{}`: the identity domain accepted it and its successor is stored; `oci-iam-sso token --profile {}` will use it.",
        profile.name, profile.name
    ));
    Ok(0)
}

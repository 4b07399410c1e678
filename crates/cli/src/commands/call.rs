//! `call`: one HTTP request with the bearer token; refresh and retry once on 401.

use std::io::Read;

use oci_iam_sso_domain::{
    Error, ProviderError, RequestTarget, ResourceRequest, TokenRequest, call_with_bearer,
};

use crate::args::CallArgs;
use crate::compose::App;
use crate::failure::Failure;
use crate::remedy::exit;

pub async fn run(app: &App, args: CallArgs) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    // A full URL is taken as typed; anything else is a path of the resource URL.
    let url = RequestTarget::parse(&args.url)?
        .resolve(profile.resource_url.as_ref())
        .ok_or_else(|| {
            Failure::input(
                format!(
                    "`{}` is a path, and profile `{}` has no resource URL to join it to",
                    args.url, profile.name
                ),
                "pass a full https:// URL, or set one with `oci-iam-sso profile add NAME ... --resource-url URL`",
            )
        })??;
    let request = ResourceRequest {
        method: args.method.to_ascii_uppercase(),
        url,
        headers: args
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<_, _>>()?,
        body: args.data.as_deref().map(read_body).transpose()?,
    };
    let provider = app.provider(&profile)?;
    let tokens = super::access_tokens(app, provider.as_ref())?;
    let resources = app.resources()?;
    let response = call_with_bearer(
        &tokens,
        resources.as_ref(),
        &profile,
        &request,
        TokenRequest {
            min_ttl: app.settings()?.skew,
            force_refresh: false,
        },
    )
    .await?;

    // The status line is for people; on a failure (>= 400) it stays even
    // with --quiet, next to the error.
    let status_line = format!("HTTP {} {}", response.status, response.reason);
    if response.status >= 400 {
        app.out.stderr_line(status_line.trim_end());
    } else {
        app.out.info(status_line.trim_end());
    }
    app.out.stdout_bytes(&response.body);
    // Query strings can carry keys or signatures: messages name the path only.
    let mut shown = request.url.as_url().clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let what = format!("{} {}", request.method, shown);
    match response.status {
        401 => Err(Error::Provider(ProviderError::Unauthorized { endpoint: what }).into()),
        status if status >= 400 => Err(Error::HttpStatus { what, status }.into()),
        _ => Ok(exit::OK),
    }
}

fn parse_header(text: &str) -> Result<(String, String), Failure> {
    let problem = || {
        Failure::input(
            format!(
                "header `{}` is not `Name: value`",
                text.split(':').next().unwrap_or(text)
            ),
            "write headers as -H 'Name: value'",
        )
    };
    let (name, value) = text.split_once(':').ok_or_else(problem)?;
    let name = name.trim();
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem());
    }
    if name.eq_ignore_ascii_case("authorization") {
        return Err(Failure::input(
            "an Authorization header cannot be given: `call` sends the profile's bearer token",
            "use another tool (or `oci-iam-sso exec`) to send other credentials",
        ));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// `-d TEXT`, `-d @FILE` or `-d -` (stdin), as curl reads them.
fn read_body(data: &str) -> Result<Vec<u8>, Failure> {
    if data == "-" {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body).map_err(|e| {
            Failure::input(
                format!("cannot read the body from stdin: {e}"),
                "check the pipe",
            )
        })?;
        return Ok(body);
    }
    if let Some(path) = data.strip_prefix('@') {
        return std::fs::read(path).map_err(|e| {
            Failure::input(
                format!("cannot read the body file {path}: {e}"),
                "check the path after @",
            )
        });
    }
    Ok(data.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("Accept: application/json").expect("valid"),
            ("Accept".into(), "application/json".into())
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": x").is_err());
        assert!(parse_header("Authorization: Basic x").is_err());
    }
}

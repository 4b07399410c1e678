//! `profile add|list|show|remove|set|default`: the identity domain and client
//! behind a name.

use oci_iam_sso_domain::{
    ClientId, ClientSecret, Error, KnownEndpoints, Profile, ProfileName, ProviderError, Scope,
    ServiceUrl, TokenStore,
};

use crate::args::{ProfileAddArgs, ProfileCommand, ProfileSetArgs};
use crate::compose::App;
use crate::failure::Failure;
use crate::remedy::exit;
use crate::reports::ProfileReport;

pub async fn run(app: &App, command: ProfileCommand) -> Result<u8, Failure> {
    // Opened before the arguments are checked, as for every store command.
    let store = app.store()?;
    match command {
        ProfileCommand::Add(args) => add(app, store, args).await,
        ProfileCommand::List(_) => list(app, store, app.out.is_json()).await,
        ProfileCommand::Show(args) => {
            let name = match args.name {
                Some(name) => name,
                None => app.settings()?.profile().to_owned(),
            };
            show(app, &name, app.out.is_json()).await
        }
        ProfileCommand::Remove(args) => remove(app, store, &args.name).await,
        ProfileCommand::Set(args) => set(app, store, args).await,
        ProfileCommand::Default(args) => default(app, &args.name).await,
    }
}

/// An identity domain's URL as typed: any `https://` URL (or `http://` to
/// loopback), reduced to its origin with a note when a console page's path
/// came along.
fn domain_url(app: &App, input: &str) -> Result<ServiceUrl, Failure> {
    let (url, dropped) = ServiceUrl::parse(input)?.to_origin();
    if dropped {
        app.out.info(&format!(
            "Note: using the identity domain {url}; the rest of `{}` is a page of it, not part of its URL.",
            input.trim()
        ));
    }
    Ok(url)
}

/// Asks the domain for its discovery document before `profile` is saved. A
/// definite wrong answer (a server that serves no discovery document, an HTTP
/// 4xx, something that is not a discovery document) is refused; a domain that
/// cannot be reached now (or answers 5xx) is only warned about, since the
/// network may be down where the profile is set up. The endpoints found are
/// remembered, so the first login need not ask again.
async fn check_domain(app: &App, profile: &mut Profile) -> Result<(), Failure> {
    let refuse = |why: String| {
        Failure::cli(
            format!(
                "{} does not answer as an identity domain: {why}",
                profile.domain_url
            ),
            Some(
                "check --domain-url: it is the domain's address, like https://idcs-abc.identity.oraclecloud.com (Domains > the domain > Domain URL in the OCI console); pass --no-check to save it anyway",
            ),
            exit::CONFIG,
        )
    };
    match app.check_domain(profile).await {
        Ok(Some(endpoints)) => {
            profile.endpoints = Some(KnownEndpoints::new(profile.domain_url.clone(), endpoints));
            Ok(())
        }
        Ok(None) => Err(refuse(
            "it serves no OpenID discovery document (/.well-known/openid-configuration)".into(),
        )),
        Err(Failure::Domain(error)) => match *error {
            Error::Provider(
                ref why @ (ProviderError::Rejected { .. }
                | ProviderError::Malformed { .. }
                | ProviderError::Unauthorized { .. }
                | ProviderError::OAuth(_)),
            ) => Err(refuse(why.to_string())),
            other => {
                app.out.stderr_line(&format!(
                    "Warning: could not check {} ({other}); saved anyway, `login` will tell.",
                    profile.domain_url
                ));
                Ok(())
            }
        },
        Err(other) => Err(other),
    }
}

async fn add(app: &App, store: &dyn TokenStore, args: ProfileAddArgs) -> Result<u8, Failure> {
    let name = ProfileName::new(args.name)?;
    let mut profile = Profile {
        domain_url: domain_url(app, &args.domain_url)?,
        client_id: ClientId::new(args.client_id)?,
        scope: Scope::parse(&args.scope)?,
        resource_url: args
            .resource_url
            .as_deref()
            .map(ServiceUrl::parse)
            .transpose()?,
        client_secret: args
            .client_secret_env
            .as_deref()
            .map(client_secret_from)
            .transpose()?,
        endpoints: None,
        name,
    };
    if store.profile(&profile.name).await?.is_some() {
        return Err(Error::ProfileExists(profile.name).into());
    }
    if !args.no_check {
        check_domain(app, &mut profile).await?;
    }
    store.put_profile(&profile).await?;
    app.out.info(&format!(
        "Added profile `{}` for {}.",
        profile.name, profile.domain_url
    ));
    app.out.info(&format!(
        "Next: oci-iam-sso login --profile {}",
        profile.name
    ));
    Ok(0)
}

/// The secret in the variable `var`: read here, so it never appears in argv
/// (which other users can see) or in the shell history.
fn client_secret_from(var: &str) -> Result<ClientSecret, Failure> {
    let secret = std::env::var(var)
        .ok()
        .map(ClientSecret::new)
        .filter(|secret| !secret.is_empty());
    secret.ok_or_else(|| {
        Failure::input(
            format!("--client-secret-env: the variable {var} is not set or is empty"),
            "export the confidential application's secret in that variable, then run `profile add` again",
        )
    })
}

async fn list(app: &App, store: &dyn TokenStore, json: bool) -> Result<u8, Failure> {
    let profiles = store.profiles().await?;
    // The list is this command's data: on stdout, even with --quiet.
    if json {
        let all: Vec<_> = profiles
            .iter()
            .map(|p| ProfileReport::of(p, false))
            .collect();
        app.out.json(&all)?;
        return Ok(0);
    }
    if profiles.is_empty() {
        app.out.info(
            "No profiles yet: create one with `oci-iam-sso profile add NAME --domain-url URL --client-id ID`.",
        );
        return Ok(0);
    }
    for profile in &profiles {
        app.out
            .stdout_line(&format!("{}\t{}", profile.name, profile.domain_url));
    }
    Ok(0)
}

async fn show(app: &App, name: &str, json: bool) -> Result<u8, Failure> {
    let name = ProfileName::new(name)?;
    let profile = app.named_profile(name).await?;
    if json {
        app.out.json(&ProfileReport::of(&profile, true))?;
        return Ok(0);
    }
    app.out
        .stdout_line(&format!("name:         {}", profile.name));
    app.out
        .stdout_line(&format!("domain_url:   {}", profile.domain_url));
    app.out
        .stdout_line(&format!("client_id:    {}", profile.client_id.as_str()));
    app.out
        .stdout_line(&format!("scope:        {}", profile.scope));
    let resource = profile
        .resource_url
        .as_ref()
        .map_or_else(|| "(none)".to_owned(), ToString::to_string);
    app.out.stdout_line(&format!("resource_url: {resource}"));
    Ok(0)
}

async fn remove(app: &App, store: &dyn TokenStore, name: &str) -> Result<u8, Failure> {
    let name = ProfileName::new(name)?;
    if !store.remove_profile(&name).await? {
        return Err(app.unknown_profile(name).await);
    }
    app.out
        .info(&format!("Removed profile `{name}` and its stored tokens."));
    Ok(0)
}

/// `profile set`: the given fields change, the rest and the tokens stay;
/// a new domain URL or client id deletes the tokens, which are bound to the
/// client and domain that issued them (see docs/decisions.md).
async fn set(app: &App, store: &dyn TokenStore, args: ProfileSetArgs) -> Result<u8, Failure> {
    let name = ProfileName::new(args.name)?;
    let old = app.named_profile(name).await?;
    let mut profile = old.clone();
    if let Some(url) = &args.domain_url {
        profile.domain_url = domain_url(app, url)?;
    }
    if let Some(id) = args.client_id {
        profile.client_id = ClientId::new(id)?;
    }
    if let Some(scope) = &args.scope {
        profile.scope = Scope::parse(scope)?;
    }
    if let Some(url) = &args.resource_url {
        profile.resource_url = Some(ServiceUrl::parse(url)?);
    }
    if let Some(var) = &args.client_secret_env {
        profile.client_secret = Some(client_secret_from(var)?);
    }
    if profile == old {
        app.out.info(&format!(
            "Profile `{}` unchanged: no field given differs.",
            profile.name
        ));
        return Ok(exit::OK);
    }
    let new_domain = profile.domain_url != old.domain_url;
    if new_domain {
        // Remembered endpoints are for the old domain (`known_endpoints`
        // ignores them anyway); ask the new one, or forget them.
        profile.endpoints = None;
        if !args.no_check {
            check_domain(app, &mut profile).await?;
        }
    }
    let rebound = new_domain || profile.client_id != old.client_id;
    store.put_profile(&profile).await?;
    let mut dropped = false;
    if rebound {
        let mut lock = store.lock(&profile.name).await?;
        dropped = lock.tokens().await?.is_some() || lock.pending().await?.is_some();
        lock.clear().await?;
    }
    app.out
        .info(&format!("Updated profile `{}`.", profile.name));
    if dropped {
        app.out.stderr_line(&format!(
            "Warning: its stored tokens were for the old {} and were deleted (not revoked); run `oci-iam-sso login --profile {}`.",
            if new_domain { "domain" } else { "client" },
            profile.name
        ));
    }
    Ok(exit::OK)
}

/// `profile default NAME`: `default_profile` in the settings file.
async fn default(app: &App, name: &str) -> Result<u8, Failure> {
    let name = ProfileName::new(name)?;
    app.named_profile(name.clone()).await?;
    let path = app.settings_file().ok_or_else(|| {
        Failure::input(
            "cannot find the settings directory",
            "pass --settings FILE (or set OCI_IAM_SSO_SETTINGS)",
        )
    })?;
    crate::settings::write_default_profile(&path, name.as_str())?;
    app.out.info(&format!(
        "Default profile is now `{name}` (default_profile in {}).",
        path.display()
    ));
    if std::env::var_os("OCI_IAM_SSO_PROFILE").is_some()
        || std::env::var_os("OCI_IAM_SSO_DEFAULT_PROFILE").is_some()
    {
        app.out.stderr_line(
            "Note: OCI_IAM_SSO_PROFILE or OCI_IAM_SSO_DEFAULT_PROFILE is set in this shell and still wins over it.",
        );
    }
    Ok(exit::OK)
}

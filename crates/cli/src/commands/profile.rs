//! `profile add|list|show|remove`: the identity domain and client behind a name.

use oci_iam_sso_domain::{
    ClientId, ClientSecret, Error, Profile, ProfileName, Scope, ServiceUrl, TokenStore,
};
use serde_json::json;

use crate::args::{ProfileAddArgs, ProfileCommand};
use crate::compose::App;
use crate::failure::Failure;

pub async fn run(app: &App, command: ProfileCommand) -> Result<u8, Failure> {
    // Opened before the arguments are checked, as for every store command.
    let store = app.store()?;
    match command {
        ProfileCommand::Add(args) => add(app, store, args).await,
        ProfileCommand::List(args) => list(app, store, args.json).await,
        ProfileCommand::Show(args) => show(app, store, &args.name, args.json).await,
        ProfileCommand::Remove(args) => remove(app, store, &args.name).await,
    }
}

async fn add(app: &App, store: &dyn TokenStore, args: ProfileAddArgs) -> Result<u8, Failure> {
    let name = ProfileName::new(args.name)?;
    let profile = Profile {
        domain_url: ServiceUrl::parse(&args.domain_url)?,
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
    store.put_profile(&profile).await?;
    app.out.stderr_line(&format!(
        "Added profile `{}` for {}.",
        profile.name, profile.domain_url
    ));
    app.out.stderr_line(&format!(
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
    if json {
        let all: Vec<_> = profiles.iter().map(|p| summary(p, false)).collect();
        app.out
            .stdout_line(&serde_json::Value::Array(all).to_string());
        return Ok(0);
    }
    if profiles.is_empty() {
        app.out.stderr_line(
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

async fn show(app: &App, store: &dyn TokenStore, name: &str, json: bool) -> Result<u8, Failure> {
    let name = ProfileName::new(name)?;
    let profile = store
        .profile(&name)
        .await?
        .ok_or(Error::UnknownProfile(name))?;
    if json {
        app.out.stdout_line(&summary(&profile, true).to_string());
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
        return Err(Error::UnknownProfile(name).into());
    }
    app.out
        .stderr_line(&format!("Removed profile `{name}` and its stored tokens."));
    Ok(0)
}

/// A profile as JSON; the client id only on request (`show`), never a token.
fn summary(profile: &Profile, with_client_id: bool) -> serde_json::Value {
    let mut value = json!({
        "name": profile.name.as_str(),
        "domain_url": profile.domain_url.to_string(),
        "scope": profile.scope.to_string(),
        "resource_url": profile.resource_url.as_ref().map(ToString::to_string),
    });
    if with_client_id {
        value["client_id"] = json!(profile.client_id.as_str());
    }
    value
}

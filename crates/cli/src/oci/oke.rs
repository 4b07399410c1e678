//! `oke token` (the kubectl exec credential plugin) and `oke kubeconfig` (the
//! kubeconfig user that runs it). The token rules are the domain's
//! `GetClusterToken`; the signature is the HTTP adapter's; the kubeconfig
//! file is the store adapter's.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use oci_iam_sso_adapters_store::kubeconfig::{ExecUser, Merged, merge_exec_user};
use oci_iam_sso_domain::oci::{ClusterId, GetClusterToken, OciError, OciFiles as _};

use super::args::{OciGlobalArgs, OciProfileArg};
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::remedy::exit;

#[derive(Debug, Subcommand)]
pub enum OkeCommand {
    /// Print a Kubernetes ExecCredential for an OKE cluster (the kubectl exec plugin)
    #[command(
        long_about = "Prints on stdout a Kubernetes ExecCredential \
(client.authentication.k8s.io/v1beta1) whose token is made as `oci ce cluster generate-token` \
makes it: a request to the cluster's container engine signed with the OCI session, valid for \
four minutes. A session that expires within 5 minutes is refreshed first. Never prompts and \
never reads stdin: when the session has expired or cannot be refreshed it fails at once with \
one line on stderr, so kubectl does not hang. --region is the cluster's region [default: the \
profile's]; the session is refreshed at its own region.",
        after_help = "Examples:\n  oci-iam-sso oke token --cluster-id ocid1.cluster.oc1.iad.aaaa --region us-ashburn-1\n  oci-iam-sso oke token --cluster-id ocid1.cluster.oc1.iad.aaaa --profile prod"
    )]
    Token(OkeTokenArgs),
    /// Print (or merge into a kubeconfig) the user entry that runs `oke token`
    #[command(
        long_about = "Prints the kubeconfig `users[]` entry whose exec plugin runs this binary's \
`oke token` for the cluster, or, with --kubeconfig FILE, adds it to that file (a user of the same \
name is replaced; every other entry is kept; the file is replaced atomically, 0600). Point a \
context at the user with `kubectl config set-context CONTEXT --user NAME`.",
        after_help = "Examples:\n  oci-iam-sso oke kubeconfig --cluster-id ocid1.cluster.oc1.iad.aaaa --region us-ashburn-1\n  oci-iam-sso oke kubeconfig --cluster-id ocid1.cluster.oc1.iad.aaaa --kubeconfig ~/.kube/config --user oke-prod"
    )]
    Kubeconfig(OkeKubeconfigArgs),
}

#[derive(Debug, Args)]
pub struct OkeTokenArgs {
    #[command(flatten)]
    pub profile: OciProfileArg,
    /// OCID of the OKE cluster
    #[arg(long, value_name = "OCID")]
    pub cluster_id: String,
}

#[derive(Debug, Args)]
pub struct OkeKubeconfigArgs {
    #[command(flatten)]
    pub profile: OciProfileArg,
    /// OCID of the OKE cluster
    #[arg(long, value_name = "OCID")]
    pub cluster_id: String,
    /// Kubeconfig file to add the user to (created when missing) instead of printing it
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Name of the kubeconfig user [default: oci-iam-sso-<profile>-<end of the cluster OCID>]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}

impl OkeCommand {
    pub(crate) fn profile_mut(&mut self) -> &mut OciProfileArg {
        match self {
            OkeCommand::Token(args) => &mut args.profile,
            OkeCommand::Kubeconfig(args) => &mut args.profile,
        }
    }
}

/// `oke token|kubeconfig`.
pub async fn oke(app: &App, globals: &OciGlobalArgs, command: OkeCommand) -> Result<u8, Failure> {
    match command {
        OkeCommand::Token(args) => token(app, globals, args).await.map_err(one_line),
        OkeCommand::Kubeconfig(args) => kubeconfig(app, globals, args).await,
    }
}

/// The Kubernetes exec credential format (client-go's `ExecCredential`),
/// fields in the OCI CLI's order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredential<'a> {
    api_version: &'a str,
    kind: &'a str,
    status: ExecCredentialStatus<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus<'a> {
    token: &'a str,
    expiration_timestamp: String,
}

async fn token(app: &App, globals: &OciGlobalArgs, args: OkeTokenArgs) -> Result<u8, Failure> {
    // `--region` names the cluster's region; the profile keeps its own for
    // the refresh, which must go to the region that issued the session.
    let profile_globals = OciGlobalArgs {
        region: None,
        ..globals.clone()
    };
    let context = app.oci(&profile_globals, &args.profile)?;
    let cluster = ClusterId::new(&args.cluster_id)?;
    let region = globals
        .region
        .as_deref()
        .map(|name| context.files.region(name))
        .transpose()?;
    let credential = GetClusterToken {
        auth: &context.auth,
        files: &context.files,
        signer: &context.auth,
        clock: &app.clock,
    }
    .run(&context.profile, &cluster, region.as_ref())
    .await?;
    let json = serde_json::to_string_pretty(&ExecCredential {
        api_version: oci_iam_sso_adapters_store::kubeconfig::EXEC_API_VERSION,
        kind: "ExecCredential",
        status: ExecCredentialStatus {
            token: credential.token.expose_secret(),
            expiration_timestamp: rfc3339(credential.expires_at),
        },
    })
    .map_err(|e| OciError::Other(format!("cannot write the credential: {e}")))?;
    // The credential is the command's data: stdout, even with --quiet.
    app.out
        .try_stdout_line(&json)
        .map_err(|e| OciError::Other(format!("cannot write the output: {e}")))?;
    Ok(exit::OK)
}

/// kubectl shows an exec plugin's stderr as it is: the error and its remedy
/// on one line, with the usual exit code.
fn one_line(failure: Failure) -> Failure {
    let code = failure.exit_code();
    Failure::cli(format!("oke token: {}", failure.one_line()), None, code)
}

async fn kubeconfig(
    app: &App,
    globals: &OciGlobalArgs,
    args: OkeKubeconfigArgs,
) -> Result<u8, Failure> {
    let profile_globals = OciGlobalArgs {
        region: None,
        ..globals.clone()
    };
    let context = app.oci(&profile_globals, &args.profile)?;
    let cluster = ClusterId::new(&args.cluster_id)?;
    let region = match globals.region.as_deref() {
        Some(name) => context.files.region(name)?,
        None => context.files.load_profile(&context.profile).await?.region,
    };
    let command = std::env::current_exe()
        .ok()
        .and_then(|path| path.to_str().map(str::to_owned))
        .unwrap_or_else(|| "oci-iam-sso".to_owned());
    let mut plugin_args: Vec<String> = [
        "oke",
        "token",
        "--cluster-id",
        cluster.as_str(),
        "--region",
        region.name(),
        "--profile",
        context.profile.as_str(),
    ]
    .map(str::to_owned)
    .to_vec();
    if let Some(file) = &globals.config_file {
        plugin_args.push("--config-file".into());
        plugin_args.push(file.display().to_string());
    }
    let tail: String = cluster
        .as_str()
        .chars()
        .rev()
        .take(11)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let user = ExecUser {
        name: args
            .user
            .unwrap_or_else(|| format!("oci-iam-sso-{}-{tail}", context.profile)),
        command,
        args: plugin_args,
    };
    let Some(file) = args.kubeconfig else {
        app.out
            .try_stdout_line(user.to_yaml().trim_end())
            .map_err(|e| OciError::Other(format!("cannot write the output: {e}")))?;
        return Ok(exit::OK);
    };
    let file = oci_iam_sso_domain::expand_tilde(&file.to_string_lossy(), &context.home);
    let merged = merge_exec_user(&file, &user).map_err(|e| OciError::Files {
        path: e.path,
        detail: e.detail,
    })?;
    let what = match merged {
        Merged::Created => "written to the new kubeconfig",
        Merged::Replaced => "replaced in",
        Merged::Added => "added to",
    };
    app.out
        .info(&format!("User `{}` {what} {}", user.name, file.display()));
    app.out.info(&format!(
        "Next: kubectl config set-context --current --user {}",
        user.name
    ));
    Ok(exit::OK)
}

//! `doctor`: one table of what is set up and what is not, each finding with
//! its fix — the settings file, the token store and its key, the current
//! identity-domain profile and its discovery document, the OCI config,
//! session and db-token files, this machine's clock against the servers',
//! the proxy variables and the CA bundle. Exit 0 when nothing needs fixing,
//! [`exit::DOCTOR`](crate::remedy::exit::DOCTOR) when something does.
//!
//! `checks` holds the verdicts (pure functions), `local`, `oci` and
//! `network` gather the facts through the app, `render` prints the table.

mod checks;
mod local;
mod network;
mod oci;
mod render;

use oci_iam_sso_domain::Clock as _;

use crate::args::DoctorArgs;
use crate::compose::App;
use crate::failure::Failure;
use crate::oci::OciGlobalArgs;

use checks::Report;

pub async fn run(app: &App, globals: &OciGlobalArgs, args: DoctorArgs) -> Result<u8, Failure> {
    let report = examine(app, globals, args.oci_profile).await;
    if app.out.is_json() {
        app.out.json(&render::json(&report))?;
    } else if !(app.out.is_quiet() && report.needs_fixing == 0) {
        // The table is the report (stdout, like `status`); with --quiet it
        // shows only when something needs fixing, so cron mails only then.
        for line in render::text(&report) {
            app.out.stdout_line(&line);
        }
    }
    Ok(report.exit_code())
}

/// Every check, in the order a new user meets them.
async fn examine(app: &App, globals: &OciGlobalArgs, oci_profile: Option<String>) -> Report {
    let env = |name: &str| std::env::var(name).ok();
    let mut findings = Vec::new();
    let settings = local::settings(app, &mut findings);
    if let Some(settings) = settings
        && local::store(app, settings, &mut findings)
    {
        network::identity(app, settings, &mut findings).await;
    }
    let now = app.clock.now();
    if let Some(target) = oci::check(app, globals, oci_profile, now, &mut findings).await {
        findings.push(network::oci_clock(app, &target.url).await);
    }
    findings.push(local::proxy(settings.and_then(|s| s.proxy.as_ref()), &env));
    findings.push(local::ca_bundle(
        settings.and_then(|s| s.ca_bundle.as_deref()),
        &env,
    ));
    Report::new(findings)
}

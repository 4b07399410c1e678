//! The `oci-iam-sso` binary: parse, run, print the error once, exit with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors (and --help, --version) exit here, with clap's code 2 (0 for help).
    let cli = oci_iam_sso::Cli::parse_args();
    init_logging(cli.global.verbose, std::env::var("RUST_LOG").ok());
    match oci_iam_sso::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            oci_iam_sso::Output::terminal().error(&failure);
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Installs the stderr log when asked for: `RUST_LOG` (which wins) or `-v`
/// (info), `-vv` (debug), `-vvv` (trace) for this program's own crates.
/// Without either nothing is installed, so nothing is logged and the output
/// stays exactly as it is. Plain text, never colours: stderr is often a file
/// or a CI log, and field values from servers stay inert text.
///
/// `RUST_LOG` takes `target=level` and bare `level` directives, comma
/// separated (tracing-subscriber's `Targets`); a directive that does not
/// parse is skipped. Not `EnvFilter`: its span and field filters need the
/// regex engine, a tenth of the binary, loaded by every `token` call.
fn init_logging(verbose: u8, rust_log: Option<String>) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;

    let directives = match rust_log.filter(|value| !value.trim().is_empty()) {
        Some(value) => value,
        None => match verbose {
            0 => return,
            // A prefix: it covers oci_iam_sso_domain and the adapters too.
            1 => "oci_iam_sso=info".to_owned(),
            2 => "oci_iam_sso=debug".to_owned(),
            _ => "oci_iam_sso=trace".to_owned(),
        },
    };
    let mut filter = Targets::new();
    for directive in directives.split(',').map(str::trim) {
        let Ok(parsed) = directive.parse::<Targets>() else {
            continue;
        };
        if let Some(level) = parsed.default_level() {
            filter = filter.with_default(level);
        }
        filter = filter.with_targets(parsed);
    }
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        // How long a refresh, a discovery or a lock wait took.
        .with_span_events(FmtSpan::CLOSE);
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

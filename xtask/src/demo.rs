//! `cargo xtask demo`: the whole identity-domain journey against the bundled fake
//! identity domain, in a throw-away home directory, with the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::process::{FakeIdcs, TempHome, build_binaries, http_post_json};

const PROFILE: &str = "demo";
const USER: &str = "ada.lovelace@example.com";

pub fn run() -> Result<(), String> {
    let bin_dir = build_binaries(false)?;
    let home = TempHome::new("demo")?;
    let fake = FakeIdcs::start(&bin_dir, &[])?;
    println!("fake identity domain : {}", fake.domain_url);
    println!("fake EPM server      : {}", fake.resource_url);
    println!("temporary home       : {}\n", home.0.display());

    let cli = Cli {
        bin: bin_dir.join("oci-iam-sso"),
        home: &home,
    };
    cli.step(
        "add a profile",
        &[
            "profile",
            "add",
            PROFILE,
            "--domain-url",
            &fake.domain_url,
            "--client-id",
            "test-client",
            "--resource-url",
            &fake.resource_url,
        ],
    )?;
    login(&cli, &fake)?;
    cli.step(
        "get an access token (cache hit: no request)",
        &["token", "--profile", PROFILE],
    )?;
    cli.step(
        "call the EPM daily-maintenance REST API with the bearer token",
        &[
            "call",
            "--profile",
            PROFILE,
            "/interop/rest/v1/services/dailymaintenance",
        ],
    )?;
    cli.step(
        "force a refresh: the refresh token rotates",
        &["token", "--profile", PROFILE, "--force-refresh"],
    )?;
    cli.step(
        "status: expiries, generation, rotations",
        &["status", "--profile", PROFILE],
    )?;
    cli.step(
        "log out: revoke and delete the refresh token",
        &["logout", "--profile", PROFILE],
    )?;
    println!("demo: every step passed");
    Ok(())
}

struct Cli<'a> {
    bin: std::path::PathBuf,
    home: &'a TempHome,
}

impl Cli<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command.args(args).stdin(Stdio::null());
        self.home.apply(&mut command);
        command
    }

    fn step(&self, title: &str, args: &[&str]) -> Result<(), String> {
        println!("==> {title}\n$ oci-iam-sso {}", args.join(" "));
        let output = self
            .command(args)
            .output()
            .map_err(|e| format!("cannot run oci-iam-sso: {e}"))?;
        print_indented(&String::from_utf8_lossy(&output.stdout));
        print_indented(&String::from_utf8_lossy(&output.stderr));
        println!();
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("step `{title}` failed ({})", output.status))
        }
    }
}

/// Runs `login`, reads the user code it shows, approves it through the fake's
/// control API (as the user would in a browser), and waits for the login to end.
fn login(cli: &Cli<'_>, fake: &FakeIdcs) -> Result<(), String> {
    let args = ["login", "--profile", PROFILE, "--no-browser"];
    println!(
        "==> log in with the device code grant\n$ oci-iam-sso {}",
        args.join(" ")
    );
    let mut child = cli
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run oci-iam-sso: {e}"))?;
    let stderr = child.stderr.take().ok_or("login has no stderr")?;
    let mut approved = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("    {}", redact(&line));
        if !approved && let Some(code) = user_code_in(&line) {
            let body = format!(r#"{{"user_code":"{code}","user":"{USER}"}}"#);
            http_post_json(&format!("{}/approve", fake.control_url), &body)?;
            println!("    [demo] approved code {code} as {USER} through the fake's control API");
            approved = true;
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    print_indented(&String::from_utf8_lossy(&output.stdout));
    println!();
    if !approved {
        return Err("login never showed a user code".into());
    }
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("login failed ({})", output.status))
    }
}

/// The fake's user codes are 8 upper-case letters, shown after "code".
fn user_code_in(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("code")?;
    line[at..]
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .find(|w| {
            w.len() >= 6
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        })
        .map(str::to_owned)
}

fn print_indented(text: &str) {
    for line in text.lines() {
        println!("    {}", redact(line));
    }
}

/// Shortens anything that looks like a JWT so the demo output stays readable.
fn redact(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            if word.starts_with("eyJ") && word.len() > 40 {
                format!("{}…[{} chars]", &word[..16], word.len())
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

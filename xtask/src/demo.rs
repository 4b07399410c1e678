//! `cargo xtask demo`: the whole mission against the bundled fakes, in a
//! throw-away home directory, with the real binary: the identity-domain
//! journey (device login, tokens, an API call, rotation, logout), then the OCI
//! half (`crate::demo_oci`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::process::{FakeIdcs, TempHome, build_binaries, http_post_json};

const PROFILE: &str = "demo";
const USER: &str = "ada.lovelace@example.com";

pub fn run() -> Result<(), String> {
    let bin_dir = build_binaries(false)?;
    let home = TempHome::new("demo")?;
    let confidential = format!(
        "{}:{}",
        crate::demo_oci::CONFIDENTIAL_CLIENT,
        crate::demo_oci::CONFIDENTIAL_SECRET
    );
    let fake = FakeIdcs::start(
        &bin_dir,
        &["--with-oci", "--confidential-client", &confidential],
    )?;
    println!("fake identity domain : {}", fake.domain_url);
    println!("fake EPM server      : {}", fake.resource_url);
    println!("fake OCI services    : {}", fake.oci_url);
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
    login(&cli, &fake, PROFILE)?;
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
    crate::demo_oci::run(&cli, &fake, &bin_dir, &home.0)?;
    println!("demo: every step passed");
    Ok(())
}

pub struct Cli<'a> {
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

    pub fn step(&self, title: &str, args: &[&str]) -> Result<(), String> {
        self.step_with_env(title, args, &[])
    }

    /// A step run with extra environment variables (shown as the user would type them).
    pub fn step_with_env(
        &self,
        title: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<(), String> {
        let shown: String = env.iter().map(|(name, _)| format!("{name}=… ")).collect();
        println!("==> {title}\n$ {shown}oci-iam-sso {}", args.join(" "));
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        let output = command
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
pub fn login(cli: &Cli<'_>, fake: &FakeIdcs, profile: &str) -> Result<(), String> {
    let args = ["login", "--profile", profile, "--no-browser"];
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

/// Shortens anything that looks like a JWT, and a JSON `"token"` value (the
/// OKE credential), so the demo output stays readable.
fn redact(line: &str) -> String {
    const KEYS: [&str; 2] = ["\"token\":\"", "\"token\": \""];
    if let Some(start) = KEYS
        .iter()
        .find_map(|key| line.find(key).map(|i| i + key.len()))
        && let Some(len) = line[start..].find('"')
        && len > 40
    {
        let end = start + len;
        return format!(
            "{}{}…[{len} chars]{}",
            &line[..start],
            &line[start..start + 16],
            &line[end..]
        );
    }
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

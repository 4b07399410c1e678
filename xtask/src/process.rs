//! Running cargo and the project's binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `cargo <args>` in the workspace root, echoing the command.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

/// [`cargo`] with extra environment variables for it and what it runs.
pub fn cargo_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

pub fn has_nextest() -> bool {
    Command::new(cargo_bin())
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds the CLI and the fakes (identity domain, OCI service, scripted
/// browser) and returns the directory of the binaries.
pub fn build_binaries(release: bool) -> Result<PathBuf, String> {
    let mut args = vec![
        "build",
        "--quiet",
        "--locked",
        "-p",
        "oci-iam-sso",
        "-p",
        "oci-iam-sso-testkit",
        "--bins",
        // The fake OCI service binary writes sessions with the real files adapter.
        "--features",
        "oci-iam-sso-testkit/fake-oci-sessions",
    ];
    if release {
        args.push("--release");
    }
    cargo(&args)?;
    Ok(target_dir().join(if release { "release" } else { "debug" }))
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/` of the workspace).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempHome(pub PathBuf);

impl TempHome {
    pub fn new(label: &str) -> Result<Self, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "oci-iam-sso-{label}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }

    /// Points HOME and the XDG directories of `command` into this directory.
    pub fn apply(&self, command: &mut Command) {
        command
            .env("HOME", &self.0)
            .env("XDG_CONFIG_HOME", self.0.join(".config"))
            .env("XDG_DATA_HOME", self.0.join(".local/share"))
            .env("XDG_CACHE_HOME", self.0.join(".cache"))
            .env_remove("OCI_IAM_SSO_KEY")
            .env_remove("OCI_IAM_SSO_PROFILE")
            .env_remove("BROWSER");
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fake (`fake-idcs`, `fake-oci`) running as a child process until dropped.
pub struct FakeProcess {
    child: std::process::Child,
    values: Vec<(String, String)>,
}

impl FakeProcess {
    /// Starts `bin_dir/name` with `args` and waits until it printed a
    /// `key=value` line for each of `keys`.
    pub fn start(bin_dir: &Path, name: &str, args: &[&str], keys: &[&str]) -> Result<Self, String> {
        use std::io::BufRead;
        let mut child = Command::new(bin_dir.join(name))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let stdout = child.stdout.take().ok_or(format!("{name} has no stdout"))?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut values = Vec::new();
        while !keys.iter().all(|k| values.iter().any(|(n, _)| n == k)) {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} exited before printing {}", keys.join(", ")));
            };
            if let Some((key, value)) = line.split_once('=') {
                values.push((key.trim().to_owned(), value.trim().to_owned()));
            }
        }
        // Keep draining stdout so the fake never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Self { child, values })
    }

    /// The value of a `key=value` line the fake printed ("" if it did not).
    pub fn value(&self, key: &str) -> String {
        self.values
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fake identity domain, running as a child process until dropped.
pub struct FakeIdcs {
    _process: FakeProcess,
    pub domain_url: String,
    pub resource_url: String,
    pub control_url: String,
    /// The fake OCI auth service in the same process (`--with-oci`), else "".
    pub oci_url: String,
}

impl FakeIdcs {
    pub fn start(bin_dir: &Path, extra_args: &[&str]) -> Result<Self, String> {
        let mut args = vec!["--port", "0"];
        args.extend_from_slice(extra_args);
        let mut keys = vec!["domain_url", "resource_url", "control_url"];
        if extra_args.contains(&"--with-oci") {
            keys.push("oci_url");
        }
        let process = FakeProcess::start(bin_dir, "fake-idcs", &args, &keys)?;
        Ok(Self {
            domain_url: process.value("domain_url"),
            resource_url: process.value("resource_url"),
            control_url: process.value("control_url"),
            oci_url: process.value("oci_url"),
            _process: process,
        })
    }
}

/// The fake OCI auth service with a session already logged in for `profile`
/// under `home`, running as a child process until dropped.
pub struct FakeOci {
    _process: FakeProcess,
    /// `http://127.0.0.1:PORT`: what `--endpoint` / `OCI_CLI_ENDPOINT` point at.
    pub oci_url: String,
    /// Base of the control API (`POST {control_url}/status`).
    pub control_url: String,
    pub config_file: PathBuf,
}

impl FakeOci {
    pub fn start(bin_dir: &Path, home: &Path, profile: &str, region: &str) -> Result<Self, String> {
        let home = home.display().to_string();
        let process = FakeProcess::start(
            bin_dir,
            "fake-oci",
            &[
                "--port",
                "0",
                "--write-session-for-home",
                &home,
                "--profile",
                profile,
                "--region",
                region,
            ],
            &["oci_url", "control_url", "config_file"],
        )?;
        Ok(Self {
            oci_url: process.value("oci_url"),
            control_url: process.value("control_url"),
            config_file: PathBuf::from(process.value("config_file")),
            _process: process,
        })
    }

    /// The fake's counters and last rejection reason, as its JSON text.
    pub fn status(&self) -> Result<String, String> {
        http_post_json(&format!("{}/status", self.control_url), "{}")
    }
}

/// A minimal HTTP/1.1 POST to a loopback URL (the fake's control API); returns the body.
pub fn http_post_json(url: &str, body: &str) -> Result<String, String> {
    http_json("POST", url, body)
}

/// A minimal HTTP/1.1 request with a JSON body to a loopback URL; returns the body.
pub fn http_json(method: &str, url: &str, body: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url} is not an http:// loopback URL"))?;
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream =
        std::net::TcpStream::connect(host).map_err(|e| format!("cannot reach {url}: {e}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status_ok = head
        .lines()
        .next()
        .is_some_and(|l| l.contains(" 200 ") || l.contains(" 204 "));
    if status_ok {
        Ok(body.to_owned())
    } else {
        Err(format!(
            "{url} answered: {}",
            head.lines().next().unwrap_or("")
        ))
    }
}

/// The variable the PostgreSQL store's tests read the test cluster's URL from.
pub const TEST_PG_URL_VAR: &str = "OCI_IAM_SSO_TEST_PG_URL";

/// A throwaway PostgreSQL cluster started by `.ci/pg.sh` (stopped on drop),
/// or the one the caller already gave in `OCI_IAM_SSO_TEST_PG_URL`.
pub struct TestCluster {
    pub url: String,
    started: bool,
}

impl TestCluster {
    pub fn start() -> Result<Self, String> {
        if let Some(url) = std::env::var(TEST_PG_URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())
        {
            return Ok(Self {
                url,
                started: false,
            });
        }
        println!("$ .ci/pg.sh start");
        let output = Command::new(workspace_root().join(".ci/pg.sh"))
            .arg("start")
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("could not run .ci/pg.sh: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let url = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("OCI_IAM_SSO_TEST_PG_URL="))
            .next_back()
            .map(str::to_owned);
        match (output.status.success(), url) {
            (true, Some(url)) => Ok(Self { url, started: true }),
            _ => Err(format!(
                "the PostgreSQL test cluster did not start ({}); see the lines above",
                output.status
            )),
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new(workspace_root().join(".ci/pg.sh"))
                .arg("stop")
                .status();
        }
    }
}

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
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(args)
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

/// Builds the CLI and the fake identity domain and returns the directory of the binaries.
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
    ];
    if release {
        args.push("--release");
    }
    cargo(&args)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    Ok(target.join(if release { "release" } else { "debug" }))
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

/// The fake identity domain, running as a child process until dropped.
pub struct FakeIdcs {
    child: std::process::Child,
    pub domain_url: String,
    pub resource_url: String,
    pub control_url: String,
}

impl FakeIdcs {
    pub fn start(bin_dir: &Path, extra_args: &[&str]) -> Result<Self, String> {
        use std::io::BufRead;
        let mut child = Command::new(bin_dir.join("fake-idcs"))
            .args(["--port", "0"])
            .args(extra_args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start fake-idcs: {e}"))?;
        let stdout = child.stdout.take().ok_or("fake-idcs has no stdout")?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let (mut domain_url, mut resource_url, mut control_url) = (None, None, None);
        while domain_url.is_none() || resource_url.is_none() || control_url.is_none() {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                return Err("fake-idcs exited before printing its URLs".into());
            };
            match line.split_once('=') {
                Some(("domain_url", v)) => domain_url = Some(v.trim().to_owned()),
                Some(("resource_url", v)) => resource_url = Some(v.trim().to_owned()),
                Some(("control_url", v)) => control_url = Some(v.trim().to_owned()),
                _ => {}
            }
        }
        // Keep draining stdout so the fake never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Self {
            child,
            domain_url: domain_url.unwrap_or_default(),
            resource_url: resource_url.unwrap_or_default(),
            control_url: control_url.unwrap_or_default(),
        })
    }
}

impl Drop for FakeIdcs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 POST to a loopback URL (the fake's control API); returns the body.
pub fn http_post_json(url: &str, body: &str) -> Result<String, String> {
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
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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

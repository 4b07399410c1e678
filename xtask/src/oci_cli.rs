//! Finding the real OCI CLI for the benchmark: `oci` on PATH, else the one in
//! `target/bench-venv`, else installed there from PyPI (`pip install oci-cli`).
//! Any failure is a reason to print, never a reason to fail the bench.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::target_dir;

/// The `oci` executable to run, or why there is none.
pub fn find_or_install() -> Result<PathBuf, String> {
    if let Some(on_path) = on_path("oci") {
        println!("OCI CLI: {} (on PATH)", on_path.display());
        return Ok(on_path);
    }
    let venv = target_dir().join("bench-venv");
    let oci = venv.join("bin/oci");
    if oci.is_file() {
        println!("OCI CLI: {} (installed by an earlier bench)", oci.display());
        return Ok(oci);
    }
    println!(
        "OCI CLI: not on PATH; installing oci-cli into {}",
        venv.display()
    );
    let python = on_path("python3").ok_or("python3 is not on PATH")?;
    run(Command::new(&python).arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "oci-cli",
    ]))?;
    if oci.is_file() {
        Ok(oci)
    } else {
        Err(format!(
            "pip installed oci-cli but {} is missing",
            oci.display()
        ))
    }
}

/// Runs an install step, echoing it; the error is the step's last line of stderr.
fn run(command: &mut Command) -> Result<(), String> {
    let shown: Vec<String> = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    println!("$ {}", shown.join(" "));
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", shown[0]))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    Err(format!(
        "`{}` failed ({}): {}",
        shown.join(" "),
        output.status,
        last.unwrap_or("no error output").trim()
    ))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

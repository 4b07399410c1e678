//! `cargo xtask bench`: side-by-side timings on this machine, printed as
//! medians with min and max and the ratios, and written with the machine's
//! description to `docs/benchmarks.md`. Nothing here asserts a time in a test:
//! the numbers are for people, and a missed goal is named with its reason.
//!
//! - `token` on a cache hit against `cat` of a file holding a token (goal <= 2x),
//!   and 64 `token` processes at once on an expired access token (one grant,
//!   under 0.5 s), in [`crate::bench_token`];
//! - `db-token get` (goal <= 0.1x) and `session validate --local` (goal <= 0.02x)
//!   against the real OCI CLI's, on the same fake and session, in
//!   [`crate::bench_db_token`];
//! - the peak memory (max RSS, GNU time's `%M`) of each of our commands (goal < 10 MiB).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{build_binaries, workspace_root};

/// Process runs for the cheap commands (`cat`, `token`, `session validate --local`).
const RUNS: usize = 200;
/// The OCI CLI starts Python (about a second a run): fewer runs.
const SLOW_RUNS: usize = 10;
/// Peak memory goal for each of our commands.
pub const MEMORY_GOAL_KIB: u64 = 10 * 1024;

/// `cargo xtask bench [RUNS] [--slow-runs N]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut runs = RUNS;
    let mut slow_runs = SLOW_RUNS;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let number = |value: Option<&String>| {
            value
                .and_then(|v| v.parse().ok())
                .filter(|n: &usize| *n > 0)
                .ok_or_else(|| format!("bench: expected a positive number after {arg}"))
        };
        match arg.as_str() {
            "--slow-runs" | "--db-token-runs" => slow_runs = number(rest.next())?,
            _ => runs = number(Some(arg))?,
        }
    }
    let bin_dir = build_binaries(true)?;
    let started = Instant::now();
    let mut report = Report::default();
    crate::bench_token::run(&bin_dir, runs, &mut report)?;
    crate::bench_db_token::run(&bin_dir, runs, slow_runs, &mut report)?;
    let elapsed = started.elapsed();
    report.finish(elapsed)
}

/// What one run of the bench found.
#[derive(Default)]
pub struct Report {
    sections: Vec<Section>,
    goals: Vec<Goal>,
    notes: Vec<String>,
}

struct Section {
    title: String,
    rows: Vec<Row>,
}

struct Row {
    label: String,
    timings: Timings,
    peak_kib: Option<u64>,
}

pub struct Goal {
    pub name: String,
    pub target: String,
    pub found: String,
    /// `None`: met; `Some(reason)`: missed, and why.
    pub missed: Option<String>,
}

impl Report {
    /// Starts a table of timed commands.
    pub fn section(&mut self, title: &str) {
        println!("\n{title}");
        self.sections.push(Section {
            title: title.to_owned(),
            rows: Vec::new(),
        });
    }

    /// A timed command (and its peak memory) in the current table.
    pub fn row(&mut self, label: &str, timings: Timings, peak_kib: Option<u64>) {
        let line = format_row(label, &timings, peak_kib);
        println!("{line}");
        if let Some(section) = self.sections.last_mut() {
            section.rows.push(Row {
                label: label.to_owned(),
                timings,
                peak_kib,
            });
        }
    }

    pub fn goal(&mut self, goal: Goal) {
        println!(
            "goal {}: {} (target {}): {}",
            goal.name,
            goal.found,
            goal.target,
            match &goal.missed {
                None => "met".to_owned(),
                Some(why) => format!("MISSED — {why}"),
            }
        );
        self.goals.push(goal);
    }

    /// The memory goal of one of our commands.
    pub fn memory_goal(&mut self, command: &str, peak_kib: Option<u64>) {
        let found = match peak_kib {
            Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
            None => "unknown".to_owned(),
        };
        let missed = match peak_kib {
            None => Some("/usr/bin/time (GNU time) is not installed: apt-get install time".into()),
            Some(kib) if kib >= MEMORY_GOAL_KIB => Some(
                "the binary's resident pages (code, SQLite and aws-lc) are counted in full".into(),
            ),
            Some(_) => None,
        };
        self.goal(Goal {
            name: format!("peak memory of `{command}`"),
            target: "< 10 MiB".into(),
            found,
            missed,
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        println!("note: {note}");
        self.notes.push(note);
    }

    /// Prints the summary and writes `docs/benchmarks.md`.
    fn finish(self, elapsed: Duration) -> Result<(), String> {
        let missed: Vec<&Goal> = self.goals.iter().filter(|g| g.missed.is_some()).collect();
        println!(
            "\nbench took {:.1} s (after the build); goals met: {} of {}",
            elapsed.as_secs_f64(),
            self.goals.len() - missed.len(),
            self.goals.len()
        );
        for goal in &missed {
            println!(
                "MISSED: {} — {}",
                goal.name,
                goal.missed.as_deref().unwrap_or("")
            );
        }
        let path = workspace_root().join("docs/benchmarks.md");
        std::fs::write(&path, self.markdown(elapsed))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("written to {}", path.display());
        Ok(())
    }

    fn markdown(&self, elapsed: Duration) -> String {
        let mut md = String::from(
            "# Benchmarks\n\n\
             Written by `cargo xtask bench` (release build, one run, loopback fakes only);\n\
             rerun it to refresh. Wall time per process; medians with min and max.\n\n",
        );
        md.push_str("## Machine\n\n");
        for (name, value) in machine() {
            let _ = writeln!(md, "- {name}: {value}");
        }
        let _ = writeln!(
            md,
            "- bench run time: {:.1} s (after the build)",
            elapsed.as_secs_f64()
        );
        md.push_str("\n## Goals\n\n| goal | target | found | |\n|---|---|---|---|\n");
        for goal in &self.goals {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                goal.name,
                goal.target,
                goal.found,
                match &goal.missed {
                    None => "met".to_owned(),
                    Some(why) => format!("**missed**: {why}"),
                }
            );
        }
        for section in &self.sections {
            let _ = write!(
                md,
                "\n## {}\n\n| command | runs | median | min | max | peak memory |\n|---|---|---|---|---|---|\n",
                section.title
            );
            for row in &section.rows {
                let t = &row.timings;
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    row.label,
                    t.0.len(),
                    ms(t.median()),
                    ms(t.min()),
                    ms(t.max()),
                    row.peak_kib
                        .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                        .unwrap_or_else(|| "–".into())
                );
            }
        }
        if !self.notes.is_empty() {
            md.push_str("\n## Notes\n\n");
            for note in &self.notes {
                let _ = writeln!(md, "- {note}");
            }
        }
        md
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn format_row(label: &str, t: &Timings, peak_kib: Option<u64>) -> String {
    let memory = peak_kib
        .map(|k| format!("   peak {:>5.1} MiB", k as f64 / 1024.0))
        .unwrap_or_default();
    format!(
        "{label:<44} median {:>10}   min {:>10}   max {:>10}   ({} runs){memory}",
        ms(t.median()),
        ms(t.min()),
        ms(t.max()),
        t.0.len()
    )
}

/// CPU model, cores, memory, kernel and rustc of this machine.
fn machine() -> Vec<(&'static str, String)> {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown")
        .to_owned();
    let cores = std::thread::available_parallelism()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "unknown".into());
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    // Other work on the machine skews every figure: say how busy it was.
    let load = read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    vec![
        ("CPU", cpu),
        ("load average (1, 5, 15 min) when written", load),
        ("cores available", cores),
        ("memory", memory),
        ("kernel", kernel),
        ("rustc", rustc),
    ]
}

/// Sorted wall times of successful runs.
pub struct Timings(Vec<Duration>);

impl Timings {
    pub fn median(&self) -> Duration {
        self.0[self.0.len() / 2]
    }
    pub fn min(&self) -> Duration {
        self.0[0]
    }
    pub fn max(&self) -> Duration {
        self.0[self.0.len() - 1]
    }
}

/// Times `runs` runs after `warmups` untimed ones (page cache, Python's
/// bytecode cache). Every run must exit 0: a failing run is no measurement.
pub fn time_runs(
    what: &str,
    runs: usize,
    warmups: usize,
    make: impl Fn() -> Command,
) -> Result<Timings, String> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) + warmups {
        let mut command = make();
        command.stdout(Stdio::null()).stderr(Stdio::piped());
        let start = Instant::now();
        let output = command.output().map_err(|e| format!("{what}: {e}"))?;
        samples.push(start.elapsed());
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "{what}: a timed run failed ({}): {}",
                output.status,
                stderr.lines().last().unwrap_or("").trim()
            ));
        }
    }
    samples.drain(..warmups);
    samples.sort();
    Ok(Timings(samples))
}

/// Peak resident set of one run of `command` (it must succeed), from GNU
/// time's `%M` (KiB, the child's `ru_maxrss` from wait4). `None` without GNU time.
pub fn peak_rss_kib(command: &Command) -> Result<Option<u64>, String> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return Ok(None);
    }
    let mut wrapped = Command::new(time);
    wrapped
        .arg("-f")
        .arg("%M")
        .arg(command.get_program())
        .args(command.get_args());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    let output = wrapped
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "{}: the memory run failed ({}): {}",
            command.get_program().to_string_lossy(),
            output.status,
            stderr.lines().rev().nth(1).unwrap_or("").trim()
        ));
    }
    Ok(stderr.lines().last().and_then(|l| l.trim().parse().ok()))
}

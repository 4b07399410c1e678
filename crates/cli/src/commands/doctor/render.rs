//! The report as people read it: one table, a finding per row, its fix on
//! the line below, and a closing sentence; and as `--output json` shows it.

use crate::reports::{DoctorReport, FindingReport};

use super::checks::{Report, Status};

/// The report in its JSON shape.
pub fn json(report: &Report) -> DoctorReport {
    DoctorReport {
        needs_fixing: report.needs_fixing,
        findings: report
            .findings
            .iter()
            .map(|f| FindingReport {
                check: f.check.to_owned(),
                status: f.status.name(),
                detail: f.detail.clone(),
                fix: f.fix.clone(),
            })
            .collect(),
    }
}

/// The table, line by line.
pub fn text(report: &Report) -> Vec<String> {
    let width = report
        .findings
        .iter()
        .map(|f| f.check.len())
        .chain(["CHECK".len()])
        .max()
        .unwrap_or(0);
    let mut lines = vec![format!("{:<width$}  STATUS  FINDING", "CHECK")];
    for finding in &report.findings {
        lines.push(format!(
            "{:<width$}  {:<6}  {}",
            finding.check,
            finding.status.label(),
            finding.detail
        ));
        if let Some(fix) = &finding.fix {
            let label = if finding.status == Status::Fix {
                "fix"
            } else {
                "tip"
            };
            lines.push(format!("{:<width$}          {label}: {fix}", ""));
        }
    }
    lines.push(String::new());
    lines.push(match report.needs_fixing {
        0 => "Nothing needs fixing.".to_owned(),
        1 => "1 finding needs fixing (FIX).".to_owned(),
        n => format!("{n} findings need fixing (FIX)."),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::super::checks::Finding;
    use super::*;

    #[test]
    fn a_fix_goes_under_its_finding() {
        let report = Report::new(vec![
            Finding::ok("proxy", "none"),
            Finding::fix("token store", "mode 0644", "chmod 600 x"),
        ]);
        assert_eq!(
            text(&report),
            [
                "CHECK        STATUS  FINDING",
                "proxy        ok      none",
                "token store  FIX     mode 0644",
                "                     fix: chmod 600 x",
                "",
                "1 finding needs fixing (FIX).",
            ]
        );
    }
}

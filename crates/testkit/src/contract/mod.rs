//! Contract suites: fixed scenario lists that check an adapter against the
//! "MUST" sentences of the domain's ports (`crates/domain/src/ports.rs`).
//!
//! Each suite returns a readable report, one line per check:
//! `[ok] <scenario>: <outcome>` or `[FAIL] <scenario>: <outcome> (expected …)`.
//! Outcomes are classified (error kinds, statuses), never raw tokens. The
//! adapter crates' tests snapshot the report with insta and assert that it
//! has no `[FAIL]`; see [`identity_provider_contract`] and [`token_store_contract`].

mod provider;
mod provider_faults;
mod store;
mod store_endpoints;
mod store_pending;

pub use provider::identity_provider_contract;
pub use store::token_store_contract;

/// The lines of a contract report.
#[derive(Debug, Default)]
struct Report {
    lines: Vec<String>,
}

impl Report {
    /// Records `outcome`, which passes when it is one of `expected`.
    fn check(&mut self, scenario: &str, outcome: impl Into<String>, expected: &[&str]) {
        let outcome = outcome.into();
        if expected.iter().any(|e| *e == outcome) {
            self.lines.push(format!("[ok] {scenario}: {outcome}"));
        } else {
            self.lines.push(format!(
                "[FAIL] {scenario}: {outcome} (expected {})",
                expected.join(" or ")
            ));
        }
    }

    fn finish(self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

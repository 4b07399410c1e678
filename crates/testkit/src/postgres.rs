//! The test PostgreSQL cluster: where it is, and what a test does without it.
//!
//! `.ci/pg.sh start` (run by `.ci/run` and `cargo xtask ci`) starts a throwaway
//! cluster on 127.0.0.1 and exports its URL in [`TEST_PG_URL_VAR`]. A test that
//! needs it calls [`test_pg_url`]: without the variable it prints why it skips —
//! except under `CI=true`, where it fails, because CI never skips such tests.

/// The variable that holds the test cluster's URL.
pub const TEST_PG_URL_VAR: &str = "OCI_IAM_SSO_TEST_PG_URL";

/// The test cluster's URL; `None` (with the reason printed) when there is
/// none outside CI. Panics under `CI=true` when there is none.
#[allow(clippy::print_stderr)] // the skip reason is for the person running the tests
pub fn test_pg_url(test: &str) -> Option<String> {
    match std::env::var(TEST_PG_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{test}: {TEST_PG_URL_VAR} is not set under CI=true; \
             .ci/run starts the cluster (.ci/pg.sh start) and these tests never skip in CI"
        ),
        _ => {
            eprintln!(
                "SKIPPED {test}: no PostgreSQL test cluster ({TEST_PG_URL_VAR} is not set). \
                 Start one with `eval \"export $(.ci/pg.sh start | tail -1)\"` or run `cargo xtask ci`."
            );
            None
        }
    }
}

/// `url` with a schema of its own for one test (our `schema` URL parameter),
/// so that tests sharing the cluster never see each other's rows.
pub fn with_fresh_schema(url: &str, tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tag: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    let schema = format!(
        "t_{tag}_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}schema={schema}")
}

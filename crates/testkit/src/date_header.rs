//! Both fakes send a `Date` header from their own clock (system time plus the
//! test's offset, `set_clock_offset`), as a real server sends its own: a test
//! that sets an offset sees a server whose clock is that far from this
//! machine's (what `doctor`'s clock-skew check measures).

use std::time::{Duration, SystemTime};

use axum::http::HeaderValue;
use axum::http::header::DATE;
use axum::response::Response;

/// Puts `Date: <now_unix as an HTTP date>` on `response`, replacing the one
/// hyper would add from the system clock.
pub(crate) fn stamp(mut response: Response, now_unix: i64) -> Response {
    let at = if now_unix >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(now_unix.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH
    };
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(at)) {
        response.headers_mut().insert(DATE, value);
    }
    response
}

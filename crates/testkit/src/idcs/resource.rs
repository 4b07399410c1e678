//! A resource server like EPM: accepts the domain's unexpired access tokens and
//! answers anything else with EPM's HTML 401 page (not JSON).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::state::Shared;

/// Exactly the page EPM sends for a missing, invalid or expired token.
pub const UNAUTHORIZED_HTML: &str = "<html>\n<head><title>401 Authorization Required</title></head>\n<body>\n<center><h1>401 Authorization Required</h1></center>\n<hr>\n</body>\n</html>\n";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/interop/rest/v1/services/dailymaintenance",
        get(daily_maintenance),
    )
}

async fn daily_maintenance(State(app): State<Arc<Shared>>, request: Request) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(oci_iam_sso_domain::BEARER))
        .and_then(|v| v.strip_prefix(' '))
        .map(str::trim);
    let mut inner = app.lock();
    inner.counters.resource_requests += 1;
    if !token.is_some_and(|t| inner.accepts_access_token(&app.key, t)) {
        inner.counters.resource_unauthorized += 1;
        return (StatusCode::UNAUTHORIZED, Html(UNAUTHORIZED_HTML)).into_response();
    }
    axum::Json(serde_json::json!({
        "status": 0,
        "details": {
            "amwTime": "02:00",
            "timeZone": "UTC",
            "weeklyAmwDay": "SUNDAY",
        },
        "links": [{
            "rel": "self",
            "href": "/interop/rest/v1/services/dailymaintenance",
            "action": "GET",
        }],
    }))
    .into_response()
}

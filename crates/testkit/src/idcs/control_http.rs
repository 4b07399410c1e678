//! The control API over HTTP under `/_testkit/`, for tests that run the real
//! binaries (the CLI's integration tests, `cargo xtask demo`). Mirrors
//! [`super::FakeControl`] one route per method.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::control::{Counters, FakeControl, Fault, GenerationEvent, Ttls};
use super::state::Shared;

type Control = State<Arc<Shared>>;

fn control(shared: Arc<Shared>) -> FakeControl {
    FakeControl { shared }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/approve", post(approve))
        .route("/approve-latest", post(approve_latest))
        .route("/deny", post(deny))
        .route("/pending", get(pending))
        .route("/faults", post(inject).delete(clear_faults))
        .route("/counters", get(counters))
        .route("/ttls", get(ttls).put(set_ttls))
        .route("/clock", get(clock).put(set_clock))
        .route("/generations", get(generations))
        .route("/refresh-token-current", post(is_current))
        .route("/refresh-tokens", post(issue_refresh_token))
}

#[derive(serde::Deserialize)]
struct Approve {
    user_code: String,
    user: String,
}

async fn approve(State(s): Control, Json(body): Json<Approve>) -> Json<Value> {
    Json(json!({ "approved": control(s).approve(&body.user_code, &body.user) }))
}

#[derive(serde::Deserialize)]
struct User {
    user: String,
}

async fn approve_latest(State(s): Control, Json(body): Json<User>) -> Json<Value> {
    Json(json!({ "user_code": control(s).approve_latest(&body.user) }))
}

#[derive(serde::Deserialize)]
struct UserCode {
    user_code: String,
}

async fn deny(State(s): Control, Json(body): Json<UserCode>) -> Json<Value> {
    Json(json!({ "denied": control(s).deny(&body.user_code) }))
}

async fn pending(State(s): Control) -> Json<Vec<String>> {
    Json(control(s).pending_user_codes())
}

#[derive(serde::Deserialize)]
struct Inject {
    fault: Fault,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

async fn inject(State(s): Control, Json(body): Json<Inject>) -> Json<Value> {
    control(s).inject(body.fault, body.times);
    Json(json!({ "queued": body.times }))
}

async fn clear_faults(State(s): Control) -> Json<Value> {
    control(s).clear_faults();
    Json(json!({}))
}

async fn counters(State(s): Control) -> Json<Counters> {
    Json(control(s).counters())
}

async fn ttls(State(s): Control) -> Json<Ttls> {
    Json(control(s).ttls())
}

async fn set_ttls(State(s): Control, Json(body): Json<Ttls>) -> Json<Ttls> {
    let c = control(s);
    c.set_ttls(body);
    Json(c.ttls())
}

#[derive(serde::Deserialize)]
struct Clock {
    offset_secs: i64,
}

async fn clock(State(s): Control) -> Json<Value> {
    let offset = s.lock().clock_offset;
    Json(json!({ "offset_secs": offset, "now": control(s).now_unix() }))
}

async fn set_clock(State(s): Control, Json(body): Json<Clock>) -> Json<Value> {
    let c = control(s);
    c.set_clock_offset(body.offset_secs);
    Json(json!({ "offset_secs": body.offset_secs, "now": c.now_unix() }))
}

async fn generations(State(s): Control) -> Json<Vec<GenerationEvent>> {
    Json(control(s).generation_log())
}

#[derive(serde::Deserialize)]
struct Token {
    token: String,
}

// POST, not GET: the token stays out of URLs and access logs.
async fn is_current(State(s): Control, Json(body): Json<Token>) -> Json<Value> {
    Json(json!({ "current": control(s).is_refresh_token_current(&body.token) }))
}

async fn issue_refresh_token(State(s): Control, Json(body): Json<User>) -> Json<Value> {
    Json(json!({ "refresh_token": control(s).issue_refresh_token_for(&body.user) }))
}

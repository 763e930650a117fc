//! The dashboard: one self-contained page at `/__dashboard` that polls
//! `GET /__control/dashboard` and shows organizations, workspaces, each call's timeline and
//! each webhook delivery with its receiver's answers.

use std::collections::HashSet;

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::app::AppState;
use crate::control::{CallSnapshot, ClockReading};
use crate::logs::LogsReport;
use crate::webhooks::DeliveryRecord;

/// The page, HTML with inline CSS and JS.
const PAGE: &str = include_str!("dashboard.html");
/// The most calls the dashboard shows, newest first; the control API has every call.
const MAX_CALLS: usize = 200;

/// A workspace as the dashboard shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkspaceView {
    id: String,
    name: String,
    archived: bool,
    assistants: usize,
}

/// An organization as the dashboard shows it (never its private key).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OrganizationView {
    id: String,
    name: String,
    role: crate::Role,
    credit_balance: f64,
    archived: bool,
    workspaces: Vec<WorkspaceView>,
}

/// Everything the page shows, in one read.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DashboardView {
    clock: ClockReading,
    logs: LogsReport,
    organizations: Vec<OrganizationView>,
    calls: Vec<CallSnapshot>,
    deliveries: Vec<DeliveryRecord>,
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn view(State(shared): State<AppState>) -> Json<DashboardView> {
    let (clock, organizations, calls) = shared.with_world(|w| {
        let clock = ClockReading {
            now: w.clock.now_rfc3339(),
            elapsed_seconds: w.now(),
        };
        let organizations = w
            .orgs
            .values()
            .map(|org| OrganizationView {
                id: org.id.clone(),
                name: org.name.clone(),
                role: org.role,
                credit_balance: org.credit_balance,
                archived: org.archived_at.is_some(),
                workspaces: w
                    .workspaces
                    .values()
                    .filter(|ws| ws.organization == org.id)
                    .map(|ws| WorkspaceView {
                        id: ws.id.clone(),
                        name: ws.fields.name.clone(),
                        archived: ws.archived_at.is_some(),
                        assistants: w
                            .assistants
                            .values()
                            .filter(|a| a.workspace == ws.id)
                            .count(),
                    })
                    .collect(),
            })
            .collect();
        // Call ids grow with time, so the last ones are the newest.
        let calls: Vec<CallSnapshot> = w
            .calls
            .keys()
            .rev()
            .take(MAX_CALLS)
            .filter_map(|id| w.call_snapshot(id))
            .collect();
        (clock, organizations, calls)
    });
    // Only the deliveries of the calls shown, so a long log does not weigh on every poll.
    let shown: HashSet<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    let deliveries = shared
        .dispatcher
        .log(None)
        .into_iter()
        .filter(|d| shown.contains(d.call_id.as_str()))
        .collect();
    Json(DashboardView {
        clock,
        logs: shared.logs(),
        organizations,
        calls,
        deliveries,
    })
}

/// `GET /__dashboard`.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new().route("/__dashboard", get(page))
}

/// `GET /dashboard`, to be nested under `/__control`.
pub(crate) fn control_routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(view))
}

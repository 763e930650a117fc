//! Tag `Setting`: platform health (public, as the service documents it).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::app::AppState;

/// `GET /health`.
pub(crate) async fn health(State(state): State<AppState>) -> Json<Value> {
    let maintenance = state.with_world(|w| w.under_maintenance);
    Json(json!({
        "status_code": 200,
        "message": if maintenance { "Platform is under maintenance." } else { "Platform is operational." },
        "data": {
            "underMaintenance": maintenance,
            "status": if maintenance { "maintenance" } else { "healthy" },
        },
    }))
}

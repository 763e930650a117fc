//! Tag `Voice Gallery`.

use axum::Json;
use serde_json::{Value, json};

use crate::auth::EitherKeyAuth;
use crate::state::catalog;

/// `GET /v1/admin/voice-gallery`.
pub(crate) async fn list(_auth: EitherKeyAuth) -> Json<Value> {
    Json(json!({
        "status_code": 200,
        "message": "Voices fetched successfully.",
        "data": catalog::voices(),
    }))
}

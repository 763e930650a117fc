//! Tag `Tools`: user-defined API tools.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::SpecJson;
use crate::app::AppState;
use crate::auth::WorkspaceAuth;
use crate::error::ApiError;

/// `GET /v1/admin/tool/api`.
pub(crate) async fn list(State(state): State<AppState>, auth: WorkspaceAuth) -> Json<Value> {
    let data = state.with_world(|w| w.list_tools(&auth.workspace));
    Json(json!({ "message": "API tools retrieved successfully.", "data": data }))
}

/// `POST /v1/admin/tool/api`.
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    SpecJson(body): SpecJson,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let data = state.with_world(|w| w.create_tool(&auth.workspace, &body))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": "API tool created successfully.", "data": data })),
    ))
}

/// `PUT /v1/admin/tool/api/{toolId}`.
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(id): Path<String>,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let data = state.with_world(|w| w.update_tool(&auth.workspace, &id, &body))?;
    Ok(Json(
        json!({ "message": "API tool updated successfully.", "data": data }),
    ))
}

/// `DELETE /v1/admin/tool/api/{toolId}`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.with_world(|w| w.delete_tool(&auth.workspace, &id))?;
    Ok(Json(json!({ "message": "API tool deleted successfully." })))
}

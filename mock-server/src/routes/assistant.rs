//! Tag `Assistant`: create, list, get, update.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::SpecJson;
use crate::app::AppState;
use crate::auth::WorkspaceAuth;
use crate::error::ApiError;

/// `GET /v1/admin/assistant/get/{assistantId}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let data = state.with_world(|w| {
        let assistant = w.find_assistant(&auth.workspace, &id)?;
        Ok::<_, ApiError>(w.assistant_json(assistant))
    })?;
    Ok(Json(
        json!({ "message": "Assistant fetched successfully", "data": data }),
    ))
}

/// `GET /v1/admin/assistant/list`.
pub(crate) async fn list(State(state): State<AppState>, auth: WorkspaceAuth) -> Json<Value> {
    let data = state.with_world(|w| w.list_assistants(&auth.workspace));
    Json(json!({ "message": "Assistants fetched successfully", "data": data }))
}

/// `POST /v1/admin/assistant/create`.
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let id = state.with_world(|w| w.create_assistant(&auth.workspace, &body))?;
    Ok(Json(json!({
        "message": "Assistant created successfully",
        "data": { "assistantId": id },
    })))
}

/// `PUT /v1/admin/assistant/update/{assistantId}`.
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(id): Path<String>,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    state.with_world(|w| w.update_assistant(&auth.workspace, &id, &body))?;
    Ok(Json(json!({ "assistantId": id })))
}

//! Tag `Knowledge Base`: chunked uploads (real multipart), files and collections.

use axum::Json;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::SpecJson;
use crate::app::AppState;
use crate::auth::WorkspaceAuth;
use crate::error::ApiError;
use crate::state::kb::{MAX_CHUNK_BYTES, NewUpload};

/// `GET /v1/knowledge-base/files`.
pub(crate) async fn list(State(state): State<AppState>, auth: WorkspaceAuth) -> Json<Value> {
    let data = state.with_world(|w| w.list_kb_files(&auth.workspace));
    Json(json!({ "message": "Knowledge base files retrieved successfully.", "data": data }))
}

/// `GET /v1/knowledge-base/files/{knowledgeBaseId}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let data = state.with_world(|w| w.kb_file(&auth.workspace, &id))?;
    Ok(Json(
        json!({ "message": "Knowledge base file retrieved successfully.", "data": data }),
    ))
}

/// `POST /v1/knowledge-base/upload/start`.
pub(crate) async fn start(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    SpecJson(body): SpecJson,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let upload = NewUpload {
        file_name: super::text(&body, "/fileName").unwrap_or_default(),
        total_chunks: body.get("totalChunks").and_then(Value::as_u64).unwrap_or(0),
        file_size: body.get("fileSize").and_then(Value::as_u64).unwrap_or(0),
        mime_type: super::text(&body, "/mimeType"),
    };
    let session = state.with_world(|w| w.start_upload(&auth.workspace, upload))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": "Upload session created successfully.", "sessionId": session })),
    ))
}

/// Largest text field (`chunkIndex`) of a chunk upload; larger ones get `413`.
pub const MAX_CHUNK_TEXT_FIELD_BYTES: usize = 1024;

fn multipart_error(error: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Invalid multipart body: {error}"))
}

/// The chunk route needs `multipart/form-data`: any other body is `415`, whatever the
/// emulator's leniency about JSON content types.
fn multipart_rejection(rejection: MultipartRejection) -> ApiError {
    match rejection {
        MultipartRejection::InvalidBoundary(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported content type: send multipart/form-data with a boundary",
        ),
        other => multipart_error(other),
    }
}

/// Reads a text field, refusing one over [`MAX_CHUNK_TEXT_FIELD_BYTES`] without buffering it.
async fn bounded_text(
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > MAX_CHUNK_TEXT_FIELD_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{name} is over the {MAX_CHUNK_TEXT_FIELD_BYTES}-byte limit"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request(format!("{name} is not UTF-8")))
}

/// `POST /v1/knowledge-base/upload/chunk/{sessionId}`: fields `chunk` (file) and `chunkIndex`.
pub(crate) async fn chunk(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(session): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    state.with_world(|w| w.upload_session(&auth.workspace, &session).map(|_| ()))?;
    let mut multipart = multipart.map_err(multipart_rejection)?;
    let mut chunk_size: Option<u64> = None;
    let mut index: Option<String> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("chunk") => {
                // Count rather than keep the bytes: only sizes matter to the emulator.
                let mut size = 0u64;
                while let Some(bytes) = field.chunk().await.map_err(multipart_error)? {
                    size += bytes.len() as u64;
                }
                chunk_size = Some(size.min(MAX_CHUNK_BYTES + 1));
            }
            Some("chunkIndex") => index = Some(bounded_text(&mut field, "chunkIndex").await?),
            _ => while field.chunk().await.map_err(multipart_error)?.is_some() {},
        }
    }
    let size = chunk_size.ok_or_else(|| ApiError::bad_request("Missing chunk file"))?;
    let index: i64 = index
        .ok_or_else(|| ApiError::bad_request("chunkIndex is required"))?
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request("chunkIndex must be a non-negative integer"))?;
    state.with_world(|w| w.store_chunk(&auth.workspace, &session, index, size))?;
    Ok(Json(json!({ "message": "Chunk uploaded successfully." })))
}

/// `POST /v1/knowledge-base/upload/complete/{sessionId}`.
pub(crate) async fn complete(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(session): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.with_world(|w| {
        w.complete_upload(&auth.workspace, &session)
    })?))
}

/// `DELETE /v1/knowledge-base/collection/{collectionName}`.
pub(crate) async fn delete_collection(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.with_world(|w| w.delete_collection(&auth.workspace, &name))?;
    Ok(Json(
        json!({ "message": format!("Collection '{name}' deleted successfully.") }),
    ))
}

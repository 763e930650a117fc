//! Tag `Organization`: archive and unarchive with the documented cascade.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::{SpecJson, text};
use crate::app::AppState;
use crate::auth::AdminAuth;
use crate::error::ApiError;
use crate::state::archive::{ArchiveTarget, Caller};

async fn set_archived(
    state: AppState,
    auth: AdminAuth,
    body: Value,
    archive: bool,
) -> Result<Json<Value>, ApiError> {
    let AdminAuth(auth) = auth;
    let (target, noun) = match text(&body, "/type").as_deref() {
        Some("organization") => (ArchiveTarget::Organization, "Organization"),
        _ => (ArchiveTarget::Workspace, "Workspace"),
    };
    let id = text(&body, "/id").unwrap_or_default();
    let caller = Caller {
        organization: &auth.organization,
        role: auth.role,
    };
    let data = state.with_world(|w| w.set_archived(caller, target, &id, archive))?;
    let verb = if archive { "archived" } else { "unarchived" };
    Ok(Json(json!({
        "status_code": 200,
        "message": format!("{noun} {verb} successfully."),
        "data": data,
    })))
}

/// `POST /v1/admin/organization/archive`.
pub(crate) async fn archive(
    State(state): State<AppState>,
    auth: AdminAuth,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    set_archived(state, auth, body, true).await
}

/// `POST /v1/admin/organization/unarchive`.
pub(crate) async fn unarchive(
    State(state): State<AppState>,
    auth: AdminAuth,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    set_archived(state, auth, body, false).await
}

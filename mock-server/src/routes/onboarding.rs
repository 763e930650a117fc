//! Tag `Onboarding`: custom and Shopify workspaces.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::SpecJson;
use crate::app::AppState;
use crate::auth::KeyAuth;
use crate::error::ApiError;
use crate::state::org::NEGATIVE_CREDIT_ALLOWANCE;
use crate::state::workspace::{NewWorkspace, WorkspaceVariant};

/// `POST /v2/workspace/onboard/custom`.
pub(crate) async fn custom(
    State(state): State<AppState>,
    auth: KeyAuth,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let fields = NewWorkspace::from_body(&body);
    let workspace = state.with_world(|w| {
        let id = w.onboard_workspace(&auth.organization, fields, WorkspaceVariant::Custom)?;
        Ok::<_, ApiError>(w.workspaces[&id].to_json())
    })?;
    Ok(Json(
        json!({ "message": "Workspace onboarded successfully.", "data": workspace }),
    ))
}

/// `POST /v2/workspace/onboard/shopify`.
pub(crate) async fn shopify(
    State(state): State<AppState>,
    auth: KeyAuth,
    SpecJson(body): SpecJson,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let fields = NewWorkspace::from_body(&body);
    let (workspace, balance) = state.with_world(|w| {
        let id = w
            .onboard_workspace(&auth.organization, fields, WorkspaceVariant::Shopify)
            .map_err(|e| {
                // The spec declares no 409 for the Shopify onboarding, only 400.
                if e.status == StatusCode::CONFLICT {
                    ApiError::bad_request(format!("Validation error: {}", e.message))
                } else {
                    e
                }
            })?;
        let balance = w
            .orgs
            .get(&auth.organization)
            .map_or(0.0, |o| o.credit_balance);
        Ok::<_, ApiError>((id, balance))
    })?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "workspace": workspace,
            "status": "active",
            "billing": {
                "type": "prepaid",
                "creditBalance": balance.floor() as i64,
                "negativeCreditAllowance": NEGATIVE_CREDIT_ALLOWANCE as i64,
            },
        })),
    ))
}

//! Tag `Telephony`: the number pool, scoped by the `organization` header.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{SpecJson, text};
use crate::app::AppState;
use crate::auth::OrganizationAuth;
use crate::error::ApiError;
use crate::state::number::{NumberPurchase, NumberSearch};

fn parse_search(query: &HashMap<String, String>) -> Result<NumberSearch, ApiError> {
    let country_code = query
        .get("countryCode")
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "Validation error: countryCode must be a 2-letter ISO country code",
            )
        })?
        .clone();
    if let Some(kind) = query.get("numberType")
        && kind != "local"
    {
        return Err(ApiError::bad_request(
            "Validation error: numberType must be local",
        ));
    }
    let limit = match query.get("limit") {
        None => 20,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=50).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request("Validation error: limit must be an integer from 1 to 50")
            })?,
    };
    Ok(NumberSearch {
        country_code,
        pattern: query.get("pattern").filter(|p| !p.is_empty()).cloned(),
        limit,
    })
}

/// `GET /v1/number-pool/search`.
pub(crate) async fn search(
    State(state): State<AppState>,
    _auth: OrganizationAuth,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("Validation error: {e}")))?;
    let search = parse_search(&query)?;
    let data = state.with_world(|w| w.search_numbers(&search));
    Ok(Json(
        json!({ "message": "Available numbers fetched successfully", "data": data }),
    ))
}

/// `POST /v1/number-pool/purchase`.
pub(crate) async fn purchase(
    State(state): State<AppState>,
    auth: OrganizationAuth,
    SpecJson(body): SpecJson,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let purchase = NumberPurchase {
        number: text(&body, "/number").unwrap_or_default(),
        provider: text(&body, "/provider").unwrap_or_else(|| "miraiminds".into()),
        country_code: text(&body, "/countryCode").unwrap_or_default(),
        setup_fee_cents: body
            .get("setupFeeCents")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    };
    let data = state.with_world(|w| w.purchase_number(&auth.organization, purchase))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": "Phone number purchased successfully", "data": data })),
    ))
}

/// `DELETE /v1/number-pool/{telephonyNumberId}`.
pub(crate) async fn release(
    State(state): State<AppState>,
    auth: OrganizationAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let data = state.with_world(|w| w.release_number(&auth.organization, &id))?;
    Ok(Json(
        json!({ "message": "Phone number released successfully", "data": data }),
    ))
}

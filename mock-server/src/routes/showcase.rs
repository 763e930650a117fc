//! Tag `Showcase`: public recordings and demo flows.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids::is_object_id;
use crate::state::catalog;

fn filter<'a>(
    query: &'a HashMap<String, String>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    match query.get(name).map(String::as_str) {
        None | Some("all") => Ok(None),
        Some(value) if allowed.contains(&value) => Ok(Some(value)),
        Some(value) => Err(ApiError::bad_request(format!(
            "Validation error: {name} must be one of {}, all (got {value})",
            allowed.join(", ")
        ))),
    }
}

/// `GET /v1/showcase/calls`.
pub(crate) async fn calls(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("Validation error: {e}")))?;
    let category = filter(&query, "category", &catalog::CALL_CATEGORIES)?;
    let lang = filter(&query, "lang", &catalog::CALL_LANGUAGE_CODES)?;
    let calls: Vec<Value> = catalog::showcase_calls()
        .into_iter()
        .filter(|c| category.is_none_or(|want| c["category"] == want))
        .filter(|c| lang.is_none_or(|want| c["language"] == want))
        .collect();
    Ok(Json(
        json!({ "success": true, "data": { "total": calls.len(), "calls": calls } }),
    ))
}

fn by_id(items: Vec<Value>, id: &str, what: &str) -> Result<Value, ApiError> {
    if !is_object_id(id) {
        return Err(ApiError::bad_request(format!(
            "Validation error: invalid {what} id"
        )));
    }
    items
        .into_iter()
        .find(|item| item["_id"] == id)
        .ok_or_else(|| ApiError::not_found(format!("{what} not found")))
}

/// `GET /v1/showcase/calls/{call_id}`.
pub(crate) async fn call(Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let data = by_id(catalog::showcase_calls(), &id, "Call")?;
    Ok(Json(json!({ "success": true, "data": data })))
}

/// `GET /v1/showcase/flows`.
pub(crate) async fn flows() -> Json<Value> {
    let flows = catalog::showcase_flows();
    Json(json!({ "success": true, "data": { "total": flows.len(), "flows": flows } }))
}

/// `GET /v1/showcase/flows/{flow_id}`.
pub(crate) async fn flow(Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let data = by_id(catalog::showcase_flows(), &id, "Flow")?;
    Ok(Json(json!({ "success": true, "data": data })))
}

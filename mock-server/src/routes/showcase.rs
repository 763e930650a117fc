//! Tag `Showcase`: public recordings and demo flows.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids::is_object_id;
use crate::state::catalog;

/// The value of a filter; `all` or absent means no filter. The spec declares no error for the
/// list operations, so a value outside the enum is a filter that matches nothing.
fn filter<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .get(name)
        .map(String::as_str)
        .filter(|value| *value != "all")
}

/// `GET /v1/showcase/calls`.
pub(crate) async fn calls(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Json<Value> {
    // A query that does not even decode filters nothing rather than answer an undeclared 400.
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let category = filter(&query, "category");
    let lang = filter(&query, "lang");
    let calls: Vec<Value> = catalog::showcase_calls()
        .into_iter()
        .filter(|c| category.is_none_or(|want| c["category"] == want))
        .filter(|c| lang.is_none_or(|want| c["language"] == want))
        .collect();
    Json(json!({ "success": true, "data": { "total": calls.len(), "calls": calls } }))
}

fn by_id(items: Vec<Value>, id: &str, what: &str) -> Result<Value, ApiError> {
    // The spec declares only 404 for a lookup: an id that is not even well-formed finds nothing.
    if !is_object_id(id) {
        return Err(ApiError::not_found(format!("{what} not found")));
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

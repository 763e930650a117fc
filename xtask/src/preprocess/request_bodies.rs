//! Rules for request bodies progenitor cannot express.
//!
//! progenitor 0.15.1 rejects `multipart/form-data` (and form-encoded) bodies and hits a
//! `todo` panic on a body with more than one media type. Operations whose body has no JSON form
//! are left out and reported (the SDK writes them by hand); where JSON is one of several media
//! types, only JSON is kept.

use serde_json::{Map, Value};

use super::doc;
use super::inbound::remove_operation;
use super::{Omission, Report};

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json"
}

fn body_content<'a>(
    document: &'a Value,
    op: &'a Map<String, Value>,
) -> Option<&'a Map<String, Value>> {
    let body = doc::resolve(document, op.get("requestBody")?);
    body.get("content")?.as_object()
}

/// Removes operations whose request body has no JSON media type; returns them as omissions.
pub fn drop_unsupported_request_bodies(document: &mut Value, report: &mut Report) -> Vec<Omission> {
    let mut omitted = Vec::new();
    for loc in doc::operations(document) {
        let Some(op) = doc::operation(document, &loc) else {
            continue;
        };
        let Some(content) = body_content(document, op) else {
            continue;
        };
        if content.is_empty() || content.keys().any(|k| is_json(k)) {
            continue;
        }
        let media: Vec<&str> = content.keys().map(String::as_str).collect();
        let reason = format!(
            "request body is {} (progenitor 0.15.1 generates JSON bodies only); written by hand in mirai-voice",
            media.join(", ")
        );
        let operation_id = doc::operation_label(document, &loc);
        remove_operation(document, &loc);
        report.change(
            "request-bodies",
            operation_id.clone(),
            format!("left out: {reason}"),
        );
        omitted.push(Omission {
            operation_id,
            location: loc,
            reason,
        });
    }
    omitted
}

/// Where a body offers JSON among other media types, keeps only JSON.
pub fn keep_json_media_type(document: &mut Value, report: &mut Report) {
    for loc in doc::operations(document) {
        let label = doc::operation_label(document, &loc);
        let Some(op) = doc::operation_mut(document, &loc) else {
            continue;
        };
        // Only inline bodies are rewritten; a `$ref`'d body is shared and left alone.
        let Some(content) = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if content.len() < 2 || !content.keys().any(|k| is_json(k)) {
            continue;
        }
        let dropped: Vec<String> = content.keys().filter(|k| !is_json(k)).cloned().collect();
        content.retain(|k, _| is_json(k));
        report.change(
            "request-bodies",
            label,
            format!("kept application/json, dropped {}", dropped.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn multipart_only_bodies_are_left_out_and_reported() {
        let mut doc = json!({"paths": {
            "/upload/{id}": {"post": {"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {}}}}},
            "/json": {"post": {"operationId": "json", "requestBody": {"content": {"application/json": {}}}}}
        }});
        let mut report = Report::default();
        let omitted = drop_unsupported_request_bodies(&mut doc, &mut report);
        assert_eq!(omitted.len(), 1);
        assert_eq!(omitted[0].operation_id, "upload");
        assert!(omitted[0].reason.contains("multipart/form-data"));
        assert!(doc["paths"].get("/upload/{id}").is_none());
        assert!(doc["paths"]["/json"]["post"].is_object());
    }

    #[test]
    fn several_media_types_keep_json() {
        let mut doc = json!({"paths": {"/x": {"post": {"operationId": "x", "requestBody": {"content": {
            "application/xml": {}, "application/json; charset=utf-8": {"schema": {"type": "object"}}, "text/plain": {}
        }}}}}});
        let mut report = Report::default();
        keep_json_media_type(&mut doc, &mut report);
        let content = doc["paths"]["/x"]["post"]["requestBody"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            ["application/json; charset=utf-8"]
        );
        assert_eq!(report.changes.len(), 1);
    }
}

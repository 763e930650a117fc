//! Rules for responses, where progenitor 0.15.1 is silently wrong or panics.
//!
//! - It names every inline response schema `{OperationId}Response`; when a component already
//!   has that name, typify reuses the component, so the response decodes as the wrong type
//!   (abort's `{code, message}` error became the success struct and lost `code`).
//! - It asserts one body type per operation for successes and one for errors: two distinct
//!   error schemas, or a typed error next to a body-less one, panic the generator.
//! - A typed error body that does not match (gateway HTML, an empty 401, `status_code` in
//!   place of `code`) becomes `InvalidResponsePayload` with the HTTP status lost.
//!
//! So error responses are generated as raw bytes (`Error::ErrorResponse(ResponseValue<ByteStream>)`
//! keeps status, headers and body for every documented and undocumented 4xx/5xx), while their
//! documented shape is kept as one named component per operation, recorded in the operation
//! table so callers can decode it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Report;
use super::doc::{self, OperationLocation};

/// The media type error responses are rewritten to.
pub const RAW_MEDIA_TYPE: &str = "application/octet-stream";

fn raw_content() -> Value {
    json!({ RAW_MEDIA_TYPE: { "schema": { "type": "string", "format": "binary" } } })
}

fn is_success(code: &str) -> bool {
    code == "2XX" || code.parse::<u16>().is_ok_and(|c| (200..300).contains(&c))
}

fn is_error(code: &str) -> bool {
    matches!(code, "4XX" | "5XX") || code.parse::<u16>().is_ok_and(|c| (400..600).contains(&c))
}

fn json_media(content: &Map<String, Value>) -> Option<(&String, &Value)> {
    content
        .iter()
        .find(|(k, _)| k.split(';').next().unwrap_or_default().trim() == "application/json")
}

/// Each operation's `(location, id, responses)`, resolved lazily by the callers.
fn each_operation(document: &Value) -> Vec<(OperationLocation, String)> {
    doc::operations(document)
        .into_iter()
        .map(|loc| {
            let id = doc::operation_label(document, &loc);
            (loc, id)
        })
        .collect()
}

fn responses_mut<'a>(
    document: &'a mut Value,
    loc: &OperationLocation,
) -> Option<&'a mut Map<String, Value>> {
    doc::operation_mut(document, loc)?
        .get_mut("responses")?
        .as_object_mut()
}

/// A response object with `$ref`s to `components/responses` inlined, so it can be edited
/// for one operation without touching others.
fn inlined_response(document: &Value, response: &Value) -> Value {
    doc::resolve(document, response).clone()
}

/// `default` as the only response means "success" to the author, but progenitor then also
/// decodes every error body as the success type. Rewrite it to an explicit `200`.
pub fn rewrite_default_only_responses(document: &mut Value, report: &mut Report) {
    for (loc, id) in each_operation(document) {
        let Some(responses) = responses_mut(document, &loc) else {
            continue;
        };
        if responses.len() == 1 && responses.contains_key("default") {
            let default = responses.shift_remove("default").expect("checked above");
            responses.insert("200".into(), default);
            report.change(
                "responses",
                id,
                "only a `default` response: made it the `200` success",
            );
        }
    }
}

/// A JSON media type without a schema hits a `todo` panic in progenitor; one with an `encoding`
/// hits an `assert!`. Give it an any-value schema and drop the encoding.
pub fn fill_missing_json_schemas(document: &mut Value, report: &mut Report) {
    for (loc, id) in each_operation(document) {
        let codes: Vec<String> = match responses_mut(document, &loc) {
            Some(r) => r.keys().cloned().collect(),
            None => continue,
        };
        for code in codes {
            let snapshot = document.clone();
            let Some(responses) = responses_mut(document, &loc) else {
                break;
            };
            let Some(slot) = responses.get_mut(&code) else {
                continue;
            };
            let mut response = inlined_response(&snapshot, slot);
            let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut changed = Vec::new();
            for (media, body) in content.iter_mut() {
                if !media.starts_with("application/json") {
                    continue;
                }
                let Some(body) = body.as_object_mut() else {
                    continue;
                };
                if !body.contains_key("schema") {
                    body.insert("schema".into(), json!({}));
                    changed.push("gave the JSON body an any-value schema");
                }
                if body.shift_remove("encoding").is_some() {
                    changed.push("dropped an `encoding` map");
                }
            }
            if !changed.is_empty() {
                *slot = response;
                report.change(
                    "responses",
                    id.clone(),
                    format!("{code}: {}", changed.join(", ")),
                );
            }
        }
    }
}

/// Several success responses with different bodies panic progenitor: the first typed one wins,
/// and the others are dropped (reported), so their statuses surface as unexpected responses.
pub fn unify_success_responses(document: &mut Value, report: &mut Report) {
    for (loc, id) in each_operation(document) {
        let snapshot = document.clone();
        let Some(responses) = responses_mut(document, &loc) else {
            continue;
        };
        let success: Vec<(String, Option<Value>)> = responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .map(|(code, r)| {
                let r = doc::resolve(&snapshot, r);
                let schema = r
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(json_media)
                    .map(|(_, m)| {
                        doc::resolve(&snapshot, m.get("schema").unwrap_or(&Value::Null)).clone()
                    });
                (code.clone(), schema)
            })
            .collect();
        let Some((first_code, first_schema)) = success
            .iter()
            .find(|(_, s)| s.is_some())
            .or_else(|| success.first())
            .cloned()
        else {
            continue;
        };
        for (code, schema) in &success {
            let same = match (schema, &first_schema) {
                (Some(a), Some(b)) => doc::same_shape(a, b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                responses.shift_remove(code);
                report.change(
                    "responses",
                    id.clone(),
                    format!("success {code} has another body than {first_code}: dropped it (one success type per operation)"),
                );
            }
        }
    }
}

/// The sources disagree on exact success codes (the Shopify onboarding is `201` in the spec
/// and `200` in a guide), and progenitor treats any other 2xx as an unexpected response. Once
/// an operation has one success response, it is widened to `2XX`, so any success status
/// decodes as the documented body.
pub fn widen_success_status(document: &mut Value, report: &mut Report) {
    for (loc, id) in each_operation(document) {
        let Some(responses) = responses_mut(document, &loc) else {
            continue;
        };
        let success: Vec<String> = responses
            .keys()
            .filter(|c| is_success(c))
            .cloned()
            .collect();
        let [code] = success.as_slice() else { continue };
        if code == "2XX" {
            continue;
        }
        // Keep the position in the map, so the generated code's order stays readable.
        let entries: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
        for (k, v) in entries {
            let key = if &k == code { "2XX".to_string() } else { k };
            responses.insert(key, v);
        }
        report.change("responses", id, format!("success {code} widened to 2XX"));
    }
}

/// An inline success schema whose synthesized name (`{OperationId}Response`) is already a
/// component of another shape would silently decode as that component. Hoist it into a
/// component of its own and refer to it.
pub fn hoist_colliding_success_schemas(document: &mut Value, report: &mut Report) {
    for (loc, id) in each_operation(document) {
        let synthesized = doc::synthesized_response_name(&id);
        let Some(existing) = document
            .pointer(&format!("/components/schemas/{synthesized}"))
            .cloned()
        else {
            continue;
        };
        let codes: Vec<String> = match responses_mut(document, &loc) {
            Some(r) => r.keys().filter(|c| is_success(c)).cloned().collect(),
            None => continue,
        };
        for code in codes {
            let snapshot = document.clone();
            let Some(slot) = responses_mut(document, &loc).and_then(|r| r.get_mut(&code)) else {
                continue;
            };
            let mut response = inlined_response(&snapshot, slot);
            let Some(media) = response
                .get_mut("content")
                .and_then(Value::as_object_mut)
                .and_then(|c| {
                    c.iter_mut()
                        .find(|(k, _)| k.starts_with("application/json"))
                        .map(|(_, v)| v)
                })
            else {
                continue;
            };
            let Some(schema) = media.get("schema").cloned() else {
                continue;
            };
            if schema.get("$ref").is_some() || doc::same_shape(&schema, &existing) {
                continue;
            }
            let name = unique_schema_name(&snapshot, &format!("{}Body", doc::pascal(&id)));
            media["schema"] = json!({ "$ref": format!("#/components/schemas/{name}") });
            *slot = response;
            doc::components_mut(document, "schemas").insert(name.clone(), schema);
            report.change(
                "responses",
                id.clone(),
                format!("inline {code} body would be named `{synthesized}`, which is another component: hoisted it as `{name}`"),
            );
        }
    }
}

fn unique_schema_name(document: &Value, base: &str) -> String {
    let names = doc::schema_names(document);
    let mut name = base.to_string();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// The component name of a schema that is a plain `$ref` to `#/components/schemas/X`.
fn component_ref(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_string)
}

/// Union of properties, intersection of `required`: a body of any of the shapes decodes.
fn merge_object_schemas(schemas: &[Value]) -> Value {
    let mut properties = Map::new();
    let mut required: Option<Vec<Value>> = None;
    for schema in schemas {
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                properties.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let these: Vec<Value> = schema
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        required = Some(match required {
            None => these,
            Some(acc) => acc.into_iter().filter(|r| these.contains(r)).collect(),
        });
    }
    let mut merged = json!({ "type": "object", "properties": properties });
    if let Some(req) = required.filter(|r| !r.is_empty()) {
        merged["required"] = Value::Array(req);
    }
    merged
}

/// Error responses become raw bytes, with `4XX`/`5XX` catch-alls, and their documented shape
/// is kept as one component per operation. Returns operation id → that component's name.
pub fn normalize_error_responses(
    document: &mut Value,
    report: &mut Report,
) -> BTreeMap<String, String> {
    let mut error_schemas = BTreeMap::new();
    for (loc, id) in each_operation(document) {
        let snapshot = document.clone();
        let Some(responses) = responses_mut(document, &loc) else {
            continue;
        };
        let has_success = responses.keys().any(|c| is_success(c));
        let error_codes: Vec<String> = responses
            .keys()
            .filter(|c| is_error(c) || (c.as_str() == "default" && has_success))
            .cloned()
            .collect();

        // The documented shapes, resolved, each with the component it names (if any).
        let mut shapes: Vec<(Option<String>, Value)> = Vec::new();
        for code in &error_codes {
            let response = doc::resolve(&snapshot, &responses[code]);
            let Some((_, media)) = response
                .get("content")
                .and_then(Value::as_object)
                .and_then(json_media)
            else {
                continue;
            };
            let Some(schema) = media.get("schema") else {
                continue;
            };
            let resolved = doc::resolve(&snapshot, schema).clone();
            if !shapes.iter().any(|(_, s)| doc::same_shape(s, &resolved)) {
                shapes.push((component_ref(schema), resolved));
            }
        }

        let mut notes = Vec::new();
        let mut hoisted: Option<(String, Value)> = None;
        let error_schema = match shapes.as_slice() {
            [] => None,
            [(Some(name), _)] => Some(name.clone()),
            [(None, inline)] => {
                let existing = doc::schema_names(&snapshot).into_iter().find(|name| {
                    snapshot
                        .pointer(&format!("/components/schemas/{name}"))
                        .is_some_and(|s| doc::same_shape(s, inline))
                });
                match existing {
                    Some(name) => {
                        notes.push(format!("inline error body is `{name}`"));
                        Some(name)
                    }
                    None => {
                        let name =
                            unique_schema_name(&snapshot, &format!("{}Error", doc::pascal(&id)));
                        notes.push(format!("inline error body hoisted as `{name}`"));
                        hoisted = Some((name.clone(), inline.clone()));
                        Some(name)
                    }
                }
            }
            many => {
                let name = unique_schema_name(&snapshot, &format!("{}Error", doc::pascal(&id)));
                let merged =
                    merge_object_schemas(&many.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>());
                notes.push(format!(
                    "{} distinct error bodies merged into `{name}`",
                    many.len()
                ));
                hoisted = Some((name.clone(), merged));
                Some(name)
            }
        };

        let mut documented = Vec::new();
        for code in &error_codes {
            if code == "default" {
                responses.shift_remove(code);
                notes.push(
                    "`default` next to explicit successes: replaced by the catch-alls".into(),
                );
                continue;
            }
            let mut response = inlined_response(&snapshot, &responses[code]);
            if let Some(obj) = response.as_object_mut() {
                obj.insert("content".into(), raw_content());
                obj.entry("description").or_insert_with(|| json!(""));
            }
            responses.insert(code.clone(), response);
            documented.push(code.clone());
        }
        let mut added = Vec::new();
        for range in ["4XX", "5XX"] {
            if !responses.contains_key(range) {
                responses.insert(
                    range.into(),
                    json!({ "description": "Error response (raw body)", "content": raw_content() }),
                );
                added.push(range);
            }
        }
        if let Some((name, schema)) = hoisted {
            doc::components_mut(document, "schemas").insert(name, schema);
        }
        if let Some(name) = error_schema {
            error_schemas.insert(id.clone(), name);
        }
        let mut detail = if documented.is_empty() {
            "no documented error responses".to_string()
        } else {
            format!("error responses {} → raw bytes", documented.join(", "))
        };
        if !added.is_empty() {
            detail.push_str(&format!("; added {} catch-all(s)", added.join(", ")));
        }
        for note in notes {
            detail.push_str("; ");
            detail.push_str(&note);
        }
        report.change("error-responses", id, detail);
    }
    error_schemas
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abort_spec() -> Value {
        json!({
            "components": {"schemas": {
                "AbortCallResponse": {"type": "object", "properties": {"message": {"type": "string"}}},
                "ErrorResponse": {"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}
            }},
            "paths": {"/v2/call/abort": {"post": {"operationId": "abortCall", "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AbortCallResponse"}}}},
                "400": {"description": "bad", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"code": {"type": "integer", "example": 400}, "message": {"type": "string"}}}}}},
                "404": {"description": "missing", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}}}
            }}}}
        })
    }

    #[test]
    fn inline_abort_errors_reuse_the_equal_component_and_become_raw() {
        let mut doc = abort_spec();
        let mut report = Report::default();
        let schemas = normalize_error_responses(&mut doc, &mut report);
        assert_eq!(schemas["abortCall"], "ErrorResponse");
        let responses = &doc["paths"]["/v2/call/abort"]["post"]["responses"];
        for code in ["400", "404", "4XX", "5XX"] {
            assert_eq!(responses[code]["content"], raw_content(), "{code}");
        }
        assert!(responses["200"]["content"]["application/json"].is_object());
        assert!(report.changes[0].detail.contains("400, 404 → raw bytes"));
    }

    #[test]
    fn distinct_error_schemas_merge_and_bodyless_errors_coexist() {
        let mut doc = json!({"paths": {"/x": {"put": {"operationId": "updateCallPayload", "responses": {
            "200": {"description": "ok"},
            "400": {"description": "a", "content": {"application/json": {"schema": {
                "type": "object", "required": ["code", "message"], "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}}},
            "401": {"description": "no body"},
            "409": {"description": "b", "content": {"application/json": {"schema": {
                "type": "object", "required": ["message"], "properties": {"status_code": {"type": "integer"}, "message": {"type": "string"}}}}}}
        }}}}});
        let mut report = Report::default();
        let schemas = normalize_error_responses(&mut doc, &mut report);
        assert_eq!(schemas["updateCallPayload"], "UpdateCallPayloadError");
        let merged = &doc["components"]["schemas"]["UpdateCallPayloadError"];
        let props: Vec<&String> = merged["properties"].as_object().unwrap().keys().collect();
        assert_eq!(props, ["code", "message", "status_code"]);
        assert_eq!(merged["required"], json!(["message"]));
        assert_eq!(
            doc["paths"]["/x"]["put"]["responses"]["401"]["content"],
            raw_content()
        );
    }

    #[test]
    fn inline_error_without_equal_component_is_hoisted() {
        let mut doc = json!({"paths": {"/x": {"get": {"operationId": "getThing", "responses": {
            "404": {"description": "nope", "content": {"application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}}
        }}}}});
        let schemas = normalize_error_responses(&mut doc, &mut Report::default());
        assert_eq!(schemas["getThing"], "GetThingError");
        assert!(doc["components"]["schemas"]["GetThingError"]["properties"]["reason"].is_object());
    }

    #[test]
    fn default_only_becomes_success() {
        let mut doc = json!({"paths": {"/x": {"post": {"operationId": "createAssistant", "responses": {
            "default": {"description": "d", "content": {"application/json": {"schema": {"type": "object"}}}}
        }}}}});
        let mut report = Report::default();
        rewrite_default_only_responses(&mut doc, &mut report);
        let responses = &doc["paths"]["/x"]["post"]["responses"];
        assert!(responses.get("default").is_none() && responses["200"].is_object());
        normalize_error_responses(&mut doc, &mut report);
        assert_eq!(
            doc["paths"]["/x"]["post"]["responses"]["5XX"]["content"],
            raw_content()
        );
    }

    #[test]
    fn default_next_to_success_is_replaced_by_catch_alls() {
        let mut doc = json!({"paths": {"/x": {"get": {"operationId": "x", "responses": {
            "200": {"description": "ok"}, "default": {"description": "err"}
        }}}}});
        normalize_error_responses(&mut doc, &mut Report::default());
        let responses = doc["paths"]["/x"]["get"]["responses"].as_object().unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["200", "4XX", "5XX"]);
    }

    #[test]
    fn colliding_inline_success_is_hoisted_equal_one_is_not() {
        let mut doc = json!({
            "components": {"schemas": {"AbortCallResponse": {"type": "object", "properties": {"message": {"type": "string"}}}}},
            "paths": {"/a": {"post": {"operationId": "abortCall", "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"status": {"type": "string"}}}}}}
            }}}}
        });
        let mut report = Report::default();
        hoist_colliding_success_schemas(&mut doc, &mut report);
        assert_eq!(
            doc["paths"]["/a"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/AbortCallBody"})
        );
        assert!(doc["components"]["schemas"]["AbortCallBody"]["properties"]["status"].is_object());
        assert_eq!(report.changes.len(), 1);
        // Running again changes nothing: the body is now a `$ref`.
        hoist_colliding_success_schemas(&mut doc, &mut report);
        assert_eq!(report.changes.len(), 1);
    }

    #[test]
    fn distinct_successes_keep_the_first_typed_one() {
        let mut doc = json!({"paths": {"/x": {"post": {"operationId": "x", "responses": {
            "200": {"description": "a", "content": {"application/json": {"schema": {"type": "object"}}}},
            "201": {"description": "b", "content": {"application/json": {"schema": {"type": "string"}}}},
            "202": {"description": "c", "content": {"application/json": {"schema": {"type": "object"}}}}
        }}}}});
        let mut report = Report::default();
        unify_success_responses(&mut doc, &mut report);
        let responses = doc["paths"]["/x"]["post"]["responses"].as_object().unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["200", "202"]);
    }

    #[test]
    fn a_single_success_code_is_widened() {
        let mut doc = json!({"paths": {
            "/a": {"post": {"operationId": "a", "responses": {"201": {"description": "made"}, "400": {"description": "bad"}}}},
            "/b": {"get": {"operationId": "b", "responses": {"200": {"description": "x"}, "202": {"description": "y"}}}}
        }});
        let mut report = Report::default();
        widen_success_status(&mut doc, &mut report);
        let a = doc["paths"]["/a"]["post"]["responses"].as_object().unwrap();
        assert_eq!(a.keys().collect::<Vec<_>>(), ["2XX", "400"]);
        // Two success responses are left as they are.
        assert!(doc["paths"]["/b"]["get"]["responses"]["200"].is_object());
        assert_eq!(report.changes.len(), 1);
    }

    #[test]
    fn json_without_schema_gets_one() {
        let mut doc = json!({"paths": {"/x": {"get": {"operationId": "x", "responses": {
            "200": {"description": "a", "content": {"application/json": {"encoding": {"a": {}}}}}
        }}}}});
        let mut report = Report::default();
        fill_missing_json_schemas(&mut doc, &mut report);
        assert_eq!(
            doc["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"],
            json!({"schema": {}})
        );
    }
}

//! The vendored OpenAPI document, its operation table, and its schemas as JSON Schema.
//!
//! The emulator validates request bodies against the schemas `swagger.yaml` declares, and the
//! contract tests validate response bodies the same way. OpenAPI 3.0 schemas are not quite JSON
//! Schema, so [`openapi_to_json_schema`] converts them: `$ref`s to `#/components/schemas/X` become
//! `#/$defs/X`, `nullable: true` becomes a `null` alternative, and OpenAPI-only keywords
//! (`example`, `discriminator`, `x-…`) are dropped.
//!
//! ```
//! use mirai_voice_mock::spec;
//!
//! let op = spec::find_operation("POST", "/v2/call/abort").unwrap();
//! assert_eq!(op.operation_id, "abortCall");
//! let schema = spec::response_schema("abortCall", 404).unwrap();
//! assert!(spec::validate(&schema, &serde_json::json!({"code": 404, "message": "Call not found"})).is_ok());
//! assert!(spec::validate(&schema, &serde_json::json!({"code": "404"})).is_err());
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

/// The vendored `swagger.yaml`, embedded at compile time.
pub const SWAGGER_YAML: &str = include_str!("../swagger.yaml");

const HTTP_METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// One operation of the spec: its method, path template and `operationId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecOperation {
    /// Upper-case HTTP method, e.g. `POST`.
    pub method: String,
    /// Path template as written in the spec, e.g. `/v2/call/{callId}`.
    pub path: String,
    /// The operation's `operationId`, e.g. `updateCallPayload`.
    pub operation_id: String,
}

impl SpecOperation {
    /// Whether a concrete request path matches this operation's template.
    pub fn matches_path(&self, path: &str) -> bool {
        template_matches(&self.path, path)
    }

    fn literal_segments(&self) -> usize {
        self.path.split('/').filter(|s| !s.starts_with('{')).count()
    }
}

/// The OpenAPI document parsed into JSON.
///
/// # Panics
///
/// Never in practice: the embedded document is parsed by the crate's own tests, so a document
/// that fails to parse cannot ship.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_norway::from_str(SWAGGER_YAML).expect("the embedded swagger.yaml is valid YAML")
    })
}

/// Every operation the spec declares, sorted by path then method.
pub fn operations() -> &'static [SpecOperation] {
    static OPS: OnceLock<Vec<SpecOperation>> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut ops = Vec::new();
        if let Some(paths) = document().get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                for method in HTTP_METHODS {
                    if let Some(id) = item
                        .get(method)
                        .and_then(|op| op.get("operationId"))
                        .and_then(Value::as_str)
                    {
                        ops.push(SpecOperation {
                            method: method.to_ascii_uppercase(),
                            path: path.clone(),
                            operation_id: id.to_owned(),
                        });
                    }
                }
            }
        }
        ops.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        ops
    })
}

/// The operation a request with this method and concrete path is routed to, if any.
///
/// When several templates match, the one with the most literal segments wins, as in a router.
pub fn find_operation(method: &str, path: &str) -> Option<&'static SpecOperation> {
    operations()
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method) && op.matches_path(path))
        .max_by_key(|op| op.literal_segments())
}

/// The operation with this `operationId`.
pub fn operation(operation_id: &str) -> Option<&'static SpecOperation> {
    operations()
        .iter()
        .find(|op| op.operation_id == operation_id)
}

fn template_matches(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) => {
                let is_param = ts.starts_with('{') && ts.ends_with('}');
                if !(is_param && !ps.is_empty() || ts == ps) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

fn operation_node(operation_id: &str) -> Option<&'static Value> {
    let op = operation(operation_id)?;
    document()
        .get("paths")?
        .get(&op.path)?
        .get(op.method.to_ascii_lowercase())
}

/// The HTTP statuses the spec declares for an operation, ascending (`default` is skipped).
pub fn declared_statuses(operation_id: &str) -> Vec<u16> {
    let mut statuses: Vec<u16> = operation_node(operation_id)
        .and_then(|op| op.get("responses"))
        .and_then(Value::as_object)
        .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
        .unwrap_or_default();
    statuses.sort_unstable();
    statuses
}

/// The JSON Schema of an operation's `application/json` request body, if it declares one.
///
/// The result is self-contained: every component schema is included under `$defs`.
pub fn request_body_schema(operation_id: &str) -> Option<Value> {
    let schema = operation_node(operation_id)?
        .get("requestBody")?
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some(self_contained(schema))
}

/// The JSON Schema of an operation's `application/json` response body for `status`, if the spec
/// declares one. Self-contained like [`request_body_schema`].
pub fn response_schema(operation_id: &str, status: u16) -> Option<Value> {
    let schema = operation_node(operation_id)?
        .get("responses")?
        .get(status.to_string())?
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some(self_contained(schema))
}

/// The JSON Schema of a named component schema (e.g. `CallEventData`), self-contained like
/// [`request_body_schema`].
pub fn component_schema(name: &str) -> Option<Value> {
    document().pointer(&format!("/components/schemas/{name}"))?;
    Some(self_contained(
        &json!({ "$ref": format!("#/components/schemas/{name}") }),
    ))
}

fn self_contained(openapi_schema: &Value) -> Value {
    let mut root = match openapi_to_json_schema(openapi_schema) {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("allOf".into(), json!([other]));
            map
        }
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("$defs".into(), component_defs().clone());
    Value::Object(root)
}

fn component_defs() -> &'static Value {
    static DEFS: OnceLock<Value> = OnceLock::new();
    DEFS.get_or_init(|| {
        let mut defs = Map::new();
        if let Some(schemas) = document()
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                defs.insert(name.clone(), openapi_to_json_schema(schema));
            }
        }
        Value::Object(defs)
    })
}

/// Converts one OpenAPI 3.0 schema object into JSON Schema (draft 2020-12).
///
/// Only schema positions are rewritten (`properties` values, `items`, `allOf`, …), so a property
/// that happens to be called `example` or `nullable` is kept.
pub fn openapi_to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "example" | "examples" | "discriminator" | "nullable" | "xml" | "externalDocs" => {}
            k if k.starts_with("x-") => {}
            "$ref" => {
                let target = value
                    .as_str()
                    .map(|r| r.replace("#/components/schemas/", "#/$defs/"))
                    .unwrap_or_default();
                out.insert(key.clone(), Value::String(target));
            }
            "properties" | "patternProperties" => {
                let converted = value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(name, s)| (name.clone(), openapi_to_json_schema(s)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(converted));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), openapi_to_json_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let converted = value
                    .as_array()
                    .map(|all| all.iter().map(openapi_to_json_schema).collect::<Vec<_>>())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(converted));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        make_nullable(out)
    } else {
        Value::Object(out)
    }
}

fn make_nullable(mut schema: Map<String, Value>) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            schema.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = schema.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}

/// Validates `instance` against a JSON Schema, returning every violation as text.
///
/// Formats (`email`, `uri`, `date-time`) are asserted, not just annotated.
///
/// # Errors
///
/// A list of messages (instance path and reason) when the instance does not conform, or one
/// message when the schema itself cannot be compiled.
pub fn validate(schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
    let validator = compile(schema).map_err(|e| vec![e])?;
    check(&validator, instance)
}

pub(crate) fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("schema does not compile: {e}"))
}

pub(crate) fn check(
    validator: &jsonschema::Validator,
    instance: &Value,
) -> Result<(), Vec<String>> {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| {
            let path = e.instance_path().to_string();
            let at = if path.is_empty() {
                "body".to_owned()
            } else {
                path
            };
            format!("{at}: {}", shorten(&e.to_string()))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn shorten(message: &str) -> String {
    const MAX: usize = 200;
    if message.chars().count() <= MAX {
        message.to_owned()
    } else {
        let cut: String = message.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Parses the document and compiles every request validator now rather than on first use.
pub(crate) fn warm_up() {
    let _ = request_validator("");
}

/// The compiled request-body validator of an operation, built once and cached.
pub(crate) fn request_validator(operation_id: &str) -> Option<&'static jsonschema::Validator> {
    static VALIDATORS: OnceLock<HashMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS
        .get_or_init(|| {
            operations()
                .iter()
                .filter_map(|op| {
                    let schema = request_body_schema(&op.operation_id)?;
                    let validator = compile(&schema).ok()?;
                    Some((op.operation_id.clone(), validator))
                })
                .collect()
        })
        .get(operation_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_declares_33_operations_with_unique_ids() {
        let ops = operations();
        assert_eq!(ops.len(), 33);
        let mut ids: Vec<_> = ops.iter().map(|o| o.operation_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 33);
    }

    #[test]
    fn concrete_paths_resolve_to_the_most_specific_template() {
        let id = |m, p| find_operation(m, p).map(|o| o.operation_id.as_str());
        assert_eq!(id("POST", "/v2/call/abort"), Some("abortCall"));
        assert_eq!(id("PUT", "/v2/call/abc"), Some("updateCallPayload"));
        assert_eq!(
            id("GET", "/v1/number-pool/search"),
            Some("searchAvailableNumbers")
        );
        assert_eq!(id("DELETE", "/v1/number-pool/123"), Some("releaseNumber"));
        assert_eq!(
            id("GET", "/v1/knowledge-base/files"),
            Some("listKnowledgeBaseFiles")
        );
        assert_eq!(
            id("GET", "/v1/knowledge-base/files/x"),
            Some("getKnowledgeBaseFile")
        );
        assert_eq!(id("GET", "/v1/knowledge-base/files/"), None);
        assert_eq!(id("PATCH", "/v2/call/abort"), None);
    }

    #[test]
    fn nullable_becomes_a_null_alternative() {
        let converted = openapi_to_json_schema(&json!({"type": "string", "nullable": true}));
        assert_eq!(converted, json!({"type": ["string", "null"]}));
        let converted = openapi_to_json_schema(
            &json!({"$ref": "#/components/schemas/ActionReason", "nullable": true}),
        );
        assert_eq!(
            converted,
            json!({"anyOf": [{"$ref": "#/$defs/ActionReason"}, {"type": "null"}]})
        );
        let converted =
            openapi_to_json_schema(&json!({"type": "string", "enum": ["a"], "nullable": true}));
        assert_eq!(
            converted,
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
    }

    #[test]
    fn property_names_that_look_like_keywords_survive() {
        let converted = openapi_to_json_schema(&json!({
            "type": "object",
            "example": {"a": 1},
            "properties": {"example": {"type": "string", "example": "x"}, "nullable": {"type": "boolean"}}
        }));
        assert_eq!(
            converted,
            json!({"type": "object", "properties": {"example": {"type": "string"}, "nullable": {"type": "boolean"}}})
        );
    }

    #[test]
    fn component_refs_are_resolved_and_enforced() {
        let schema = response_schema("initiateCall", 200).unwrap();
        assert!(validate(&schema, &json!({"status": "initiate", "callId": "x"})).is_ok());
        let errors = validate(&schema, &json!({"status": "queued", "callId": 5})).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn request_schemas_enforce_formats_and_lengths() {
        let schema = request_body_schema("adminCreateAssistant").unwrap();
        let ok = json!({"name": "A", "variant": {"type": "custom"}, "agent": {"identity": {"name": "p"}}});
        assert!(validate(&schema, &ok).is_ok());
        let long = json!({"name": "x".repeat(41), "variant": {"type": "custom"}, "agent": {"identity": {}}});
        assert!(validate(&schema, &long).is_err());
        let schema = request_body_schema("initiateCall").unwrap();
        let bad_url = json!({"phoneNumber": "+1", "assistant": "a", "callbackUrl": "not a url"});
        assert!(validate(&schema, &bad_url).is_err());
    }

    #[test]
    fn every_request_schema_compiles() {
        for op in operations() {
            if let Some(schema) = request_body_schema(&op.operation_id) {
                compile(&schema).unwrap_or_else(|e| panic!("{}: {e}", op.operation_id));
                assert!(request_validator(&op.operation_id).is_some());
            }
        }
    }

    #[test]
    fn declared_statuses_are_listed() {
        assert_eq!(declared_statuses("abortCall"), vec![200, 400, 404]);
        assert_eq!(declared_statuses("getShowcaseFlow"), vec![200, 404]);
    }
}

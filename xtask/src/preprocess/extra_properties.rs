//! Rule: objects that allow extra properties keep them.
//!
//! A schema with named `properties` *and* `additionalProperties: true` (e.g.
//! `InitiateCallRequest.metadata`, `ShopifyOrderPayload`) tells callers to add their own keys.
//! typify 0.8 treats `true` like an absent `additionalProperties` and generates only the named
//! fields, so the caller's keys vanish from the request body with no error. typify does keep
//! them for the equivalent permissive schema `{}`: it adds
//! `#[serde(flatten)] pub extra: serde_json::Map<String, serde_json::Value>` to the struct and
//! its builder. This rule rewrites `true` into `{}` on every such schema, wherever it is
//! (components, request and response bodies, parameters, nested properties, array items,
//! `allOf`/`anyOf`/`oneOf` members). Schemas without named properties are maps already and are
//! left alone; `additionalProperties: false` still gives `deny_unknown_fields`.
//!
//! A named property called `extra` would collide with the generated field, so it is an error
//! rather than a silently broken (or silently lossy) type.

use serde_json::{Map, Value};

use super::{PreprocessError, Report};

/// The field typify gives the kept extra properties.
pub const EXTRA_FIELD: &str = "extra";

/// Rewrites `additionalProperties: true` to `{}` on every schema that also names properties.
pub fn keep_additional_properties(
    document: &mut Value,
    report: &mut Report,
) -> Result<(), PreprocessError> {
    let mut kept = Vec::new();
    if let Some(components) = document
        .get_mut("components")
        .and_then(Value::as_object_mut)
    {
        for (kind, section) in components.iter_mut() {
            let Some(section) = section.as_object_mut() else {
                continue;
            };
            for (name, item) in section.iter_mut() {
                let at = format!("components.{kind}.{name}");
                match kind.as_str() {
                    "schemas" => visit_schema(item, &at, &mut kept),
                    "parameters" | "headers" => visit_parameter(item, &at, &mut kept),
                    "requestBodies" | "responses" => visit_content(item, &at, &mut kept),
                    _ => {}
                }
            }
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (key, value) in item.iter_mut() {
                let at = format!("{} {path}", key.to_uppercase());
                if key == "parameters" {
                    visit_parameters(value, &format!("{path} parameters"), &mut kept);
                    continue;
                }
                let Some(operation) = value.as_object_mut() else {
                    continue;
                };
                if let Some(parameters) = operation.get_mut("parameters") {
                    visit_parameters(parameters, &at, &mut kept);
                }
                if let Some(body) = operation.get_mut("requestBody") {
                    visit_content(body, &format!("{at} request body"), &mut kept);
                }
                if let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                {
                    for (status, response) in responses.iter_mut() {
                        visit_content(response, &format!("{at} response {status}"), &mut kept);
                    }
                }
            }
        }
    }
    let colliding: Vec<&str> = kept
        .iter()
        .filter(|k| k.collides)
        .map(|k| k.at.as_str())
        .collect();
    if !colliding.is_empty() {
        return Err(PreprocessError(format!(
            "schema(s) {} allow extra properties and also name a property `{EXTRA_FIELD}`, \
             which would collide with the field that keeps the extra properties; rename it in \
             the spec",
            colliding.join(", ")
        )));
    }
    for k in kept {
        report.change(
            "extra-properties",
            k.at,
            format!(
                "additionalProperties: true → {{}} so extra keys are kept \
                 (`{EXTRA_FIELD}` map next to the named properties)"
            ),
        );
    }
    Ok(())
}

/// One schema the rule rewrote.
struct Kept {
    at: String,
    collides: bool,
}

fn visit_parameters(parameters: &mut Value, at: &str, kept: &mut Vec<Kept>) {
    if let Some(items) = parameters.as_array_mut() {
        for parameter in items {
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("$ref")
                .to_string();
            visit_parameter(parameter, &format!("{at} parameter {name}"), kept);
        }
    }
}

fn visit_parameter(parameter: &mut Value, at: &str, kept: &mut Vec<Kept>) {
    if let Some(schema) = parameter.get_mut("schema") {
        visit_schema(schema, at, kept);
    }
    visit_content(parameter, at, kept);
}

/// A request body, response or parameter with a `content` map of media types.
fn visit_content(holder: &mut Value, at: &str, kept: &mut Vec<Kept>) {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for (media_type, media) in content.iter_mut() {
        if let Some(schema) = media.get_mut("schema") {
            visit_schema(schema, &format!("{at} ({media_type})"), kept);
        }
    }
}

fn visit_schema(schema: &mut Value, at: &str, kept: &mut Vec<Kept>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if rewrite(object) {
        let collides = object
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key(EXTRA_FIELD));
        kept.push(Kept {
            at: at.to_string(),
            collides,
        });
    }
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            visit_schema(property, &format!("{at}.{name}"), kept);
        }
    }
    if let Some(items) = object.get_mut("items") {
        visit_schema(items, &format!("{at}[]"), kept);
    }
    if let Some(additional) = object.get_mut("additionalProperties") {
        visit_schema(additional, &format!("{at}{{*}}"), kept);
    }
    if let Some(not) = object.get_mut("not") {
        visit_schema(not, &format!("{at}!"), kept);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(members) = object.get_mut(combinator).and_then(Value::as_array_mut) {
            for (i, member) in members.iter_mut().enumerate() {
                visit_schema(member, &format!("{at}.{combinator}[{i}]"), kept);
            }
        }
    }
}

/// `true` when the schema names properties and allowed extra ones with `true` (now `{}`).
fn rewrite(object: &mut Map<String, Value>) -> bool {
    let names_properties = object
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    let allows_any = object.get("additionalProperties") == Some(&Value::Bool(true));
    if names_properties && allows_any {
        object.insert("additionalProperties".into(), Value::Object(Map::new()));
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut doc: Value) -> (Value, Vec<String>) {
        let mut report = Report::default();
        keep_additional_properties(&mut doc, &mut report).unwrap();
        let targets = report.changes.iter().map(|c| c.target.clone()).collect();
        (doc, targets)
    }

    #[test]
    fn named_inline_and_nested_schemas_keep_extras() {
        let doc = json!({
            "paths": {"/call": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "metadata": {"type": "object", "additionalProperties": true,
                                     "properties": {"discount": {"type": "object"}}},
                        "list": {"type": "array", "items": {"type": "object", "additionalProperties": true,
                                 "properties": {"a": {"type": "string"}}}}
                    }
                }}}},
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "anyOf": [{"type": "object", "additionalProperties": true, "properties": {"b": {}}}]
                }}}}}
            }}},
            "components": {"schemas": {
                "Payload": {"type": "object", "additionalProperties": true,
                            "properties": {"name": {"type": "string"}}},
                "Map": {"type": "object", "additionalProperties": true},
                "Closed": {"type": "object", "additionalProperties": false,
                           "properties": {"name": {"type": "string"}}},
                "Typed": {"type": "object", "additionalProperties": {"type": "string"},
                          "properties": {"name": {"type": "string"}}}
            }}
        });
        let (doc, targets) = run(doc);
        assert_eq!(
            targets,
            [
                "components.schemas.Payload",
                "POST /call request body (application/json).metadata",
                "POST /call request body (application/json).list[]",
                "POST /call response 200 (application/json).anyOf[0]",
            ]
        );
        assert_eq!(
            doc["components"]["schemas"]["Payload"]["additionalProperties"],
            json!({})
        );
        let body = &doc["paths"]["/call"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"];
        assert_eq!(body["metadata"]["additionalProperties"], json!({}));
        assert_eq!(body["list"]["items"]["additionalProperties"], json!({}));
        // A pure map, a closed object and a typed extra schema are left as they are.
        assert_eq!(
            doc["components"]["schemas"]["Map"]["additionalProperties"],
            json!(true)
        );
        assert_eq!(
            doc["components"]["schemas"]["Closed"]["additionalProperties"],
            json!(false)
        );
        assert_eq!(
            doc["components"]["schemas"]["Typed"]["additionalProperties"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn examples_are_not_mistaken_for_schemas() {
        let doc = json!({"components": {"schemas": {"A": {
            "type": "object",
            "properties": {"x": {"type": "string"}},
            "example": {"properties": {"y": 1}, "additionalProperties": true}
        }}}});
        let (doc, targets) = run(doc);
        assert!(targets.is_empty());
        assert_eq!(
            doc["components"]["schemas"]["A"]["example"]["additionalProperties"],
            json!(true)
        );
    }

    #[test]
    fn a_property_named_extra_is_an_error() {
        let mut doc = json!({"components": {"schemas": {"A": {
            "type": "object", "additionalProperties": true,
            "properties": {"extra": {"type": "string"}}
        }}}});
        let err = keep_additional_properties(&mut doc, &mut Report::default()).unwrap_err();
        assert!(err.0.contains("components.schemas.A"), "{err}");
        assert!(err.0.contains("`extra`"), "{err}");
    }
}

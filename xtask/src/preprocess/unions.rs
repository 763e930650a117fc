//! Rule: a union of object shapes decodes as one whole shape.
//!
//! typify 0.8 renders `anyOf: [A, B, ...]` as a struct of `#[serde(flatten)] Option<A>`,
//! `Option<B>`, ... fields. On the way in, serde hands every flattened member the same buffer,
//! and a member without a flattened map *claims* the keys it knows even when it then fails: a
//! Shopify order payload lost its `customer` to the abandoned-cart member and came back as a
//! `CustomPayload` without it, and an abandoned-cart payload with one unknown key came back as
//! `{}`. On the way out, two members that both match write the same keys twice.
//!
//! When every member of an `anyOf` is an object schema, this rule makes it a `oneOf`, which
//! typify renders as an untagged enum: the value decodes, whole, as the first member that
//! accepts it (members are tried in spec order), and encodes as exactly that member. With a
//! catch-all member last (e.g. `CustomPayload`, a free-form map) nothing is ever rejected or
//! dropped. `anyOf` over scalars or mixed kinds is left alone.

use serde_json::Value;

use super::{Report, doc};

/// Turns every `anyOf` whose members are all object schemas into a `oneOf`.
pub fn object_any_of_to_one_of(document: &mut Value, report: &mut Report) {
    let mut found = Vec::new();
    collect(document, document, "", &mut found);
    for pointer in found {
        let Some(schema) = document
            .pointer_mut(&pointer)
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if schema.contains_key("oneOf") {
            continue;
        }
        if let Some(members) = schema.shift_remove("anyOf") {
            let count = members.as_array().map_or(0, Vec::len);
            schema.insert("oneOf".into(), members);
            report.change(
                "object-unions",
                label(&pointer),
                format!(
                    "anyOf of {count} object schemas → oneOf (one untagged enum variant per \
                     member, the first that accepts the whole value)"
                ),
            );
        }
    }
}

/// Pointers of schemas with an all-object `anyOf`, found anywhere in the document.
fn collect(document: &Value, value: &Value, pointer: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(members) = map.get("anyOf").and_then(Value::as_array)
                && members.len() > 1
                && members
                    .iter()
                    .all(|m| is_object_schema(doc::resolve(document, m)))
            {
                found.push(pointer.to_string());
            }
            for (key, child) in map {
                // Examples are data, not schemas.
                if key == "example" || key == "examples" {
                    continue;
                }
                collect(
                    document,
                    child,
                    &format!("{pointer}/{}", escape(key)),
                    found,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(document, item, &format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

fn is_object_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        || (schema.get("type").is_none() && schema.get("properties").is_some())
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `/components/schemas/A/properties/payload` → `components.schemas.A.properties.payload`.
fn label(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_unions_become_one_of_and_others_stay() {
        let mut doc = json!({"components": {"schemas": {
            "Req": {"type": "object", "properties": {
                "payload": {"anyOf": [
                    {"$ref": "#/components/schemas/A"},
                    {"type": "object", "properties": {"b": {"type": "string"}}},
                    {"$ref": "#/components/schemas/Free"}
                ], "description": "d"},
                "id": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "mixed": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "string"}]}
            },
            "example": {"anyOf": [{"type": "object"}, {"type": "object"}]}},
            "A": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
            "Free": {"type": "object", "additionalProperties": true}
        }}});
        let mut report = Report::default();
        object_any_of_to_one_of(&mut doc, &mut report);
        let props = &doc["components"]["schemas"]["Req"]["properties"];
        assert!(props["payload"].get("anyOf").is_none());
        assert_eq!(props["payload"]["oneOf"].as_array().unwrap().len(), 3);
        assert_eq!(props["payload"]["description"], "d");
        assert!(props["id"].get("anyOf").is_some());
        assert!(props["mixed"].get("anyOf").is_some());
        assert!(
            doc["components"]["schemas"]["Req"]["example"]
                .get("anyOf")
                .is_some()
        );
        let targets: Vec<_> = report.changes.iter().map(|c| c.target.as_str()).collect();
        assert_eq!(targets, ["components.schemas.Req.properties.payload"]);
    }
}

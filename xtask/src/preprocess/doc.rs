//! Small helpers over the spec document as a `serde_json::Value`.

use serde_json::{Map, Value};

/// The HTTP methods an OpenAPI path item may hold, in the order OpenAPI lists them.
pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where an operation lives in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationLocation {
    /// Path template, e.g. `/v2/call/abort`.
    pub path: String,
    /// Lower-case HTTP method, e.g. `post`.
    pub method: String,
}

impl OperationLocation {
    /// `POST /v2/call/abort`.
    pub fn display(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// Every operation of the document, in document order.
pub fn operations(doc: &Value) -> Vec<OperationLocation> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            HTTP_METHODS
                .iter()
                .filter(move |m| item.get(**m).is_some_and(Value::is_object))
                .map(move |m| OperationLocation {
                    path: path.clone(),
                    method: (*m).to_string(),
                })
        })
        .collect()
}

/// The operation object at `loc`.
pub fn operation<'a>(doc: &'a Value, loc: &OperationLocation) -> Option<&'a Map<String, Value>> {
    doc.get("paths")?
        .get(&loc.path)?
        .get(&loc.method)?
        .as_object()
}

/// The operation object at `loc`, mutably.
pub fn operation_mut<'a>(
    doc: &'a mut Value,
    loc: &OperationLocation,
) -> Option<&'a mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(&loc.path)?
        .get_mut(&loc.method)?
        .as_object_mut()
}

/// The `operationId` of the operation at `loc`, if it has one.
pub fn operation_id(doc: &Value, loc: &OperationLocation) -> Option<String> {
    operation(doc, loc)?
        .get("operationId")?
        .as_str()
        .map(str::to_string)
}

/// A name for the operation in messages: its id when it has one, else `METHOD /path`.
pub fn operation_label(doc: &Value, loc: &OperationLocation) -> String {
    operation_id(doc, loc).unwrap_or_else(|| loc.display())
}

/// Follows a local `$ref` (`#/components/...`) once; anything else is returned unchanged.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    // Bounded so that a reference cycle cannot loop forever.
    for _ in 0..16 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#') {
                Some(pointer) => match doc.pointer(pointer) {
                    Some(target) => current = target,
                    None => return current,
                },
                None => return current,
            },
            None => return current,
        }
    }
    current
}

/// The components map named `kind` (`schemas`, `parameters`, ...), created if absent.
pub fn components_mut<'a>(doc: &'a mut Value, kind: &str) -> &'a mut Map<String, Value> {
    let root = doc
        .as_object_mut()
        .expect("an OpenAPI document is an object");
    let components = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    if !components.is_object() {
        *components = Value::Object(Map::new());
    }
    let section = components
        .as_object_mut()
        .expect("just made an object")
        .entry(kind)
        .or_insert_with(|| Value::Object(Map::new()));
    if !section.is_object() {
        *section = Value::Object(Map::new());
    }
    section.as_object_mut().expect("just made an object")
}

/// The component schema names of the document.
pub fn schema_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The Rust type name progenitor gives an inline response schema of `operation_id`.
pub fn synthesized_response_name(operation_id: &str) -> String {
    pascal(&format!("{operation_id}-response"))
}

/// Upper camel case as progenitor and typify spell type names.
pub fn pascal(input: &str) -> String {
    use heck::ToPascalCase;
    input.replace('\'', "").to_pascal_case()
}

/// Snake case as progenitor spells method names.
pub fn snake(input: &str) -> String {
    use heck::ToSnakeCase;
    input.replace('\'', "").to_snake_case()
}

/// Structural equality of two schemas, ignoring documentation-only keys.
pub fn same_shape(a: &Value, b: &Value) -> bool {
    strip_docs(a) == strip_docs(b)
}

fn strip_docs(value: &Value) -> Value {
    const DOC_KEYS: [&str; 5] = [
        "description",
        "example",
        "examples",
        "title",
        "externalDocs",
    ];
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !DOC_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_docs(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_docs).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_progenitor_casing() {
        assert_eq!(synthesized_response_name("abortCall"), "AbortCallResponse");
        assert_eq!(snake("getShowcaseCall"), "get_showcase_call");
        assert_eq!(pascal("postV2CallAbort"), "PostV2CallAbort");
    }

    #[test]
    fn resolve_follows_local_refs() {
        let doc = json!({"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}}}});
        let start = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(resolve(&doc, &start), &json!({"type": "string"}));
        let dangling = json!({"$ref": "#/components/schemas/Missing"});
        assert_eq!(resolve(&doc, &dangling), &dangling);
    }

    #[test]
    fn same_shape_ignores_documentation() {
        let a = json!({"type": "object", "description": "x", "properties": {"code": {"type": "integer", "example": 4}}});
        let b = json!({"type": "object", "properties": {"code": {"type": "integer"}}});
        let c = json!({"type": "object", "properties": {"code": {"type": "string"}}});
        assert!(same_shape(&a, &b));
        assert!(!same_shape(&a, &c));
    }

    #[test]
    fn operations_are_listed_in_document_order() {
        let doc = json!({"paths": {"/b": {"post": {}, "get": {}, "parameters": []}, "/a": {"delete": {}}}});
        let found: Vec<String> = operations(&doc)
            .iter()
            .map(OperationLocation::display)
            .collect();
        assert_eq!(found, ["GET /b", "POST /b", "DELETE /a"]);
    }
}

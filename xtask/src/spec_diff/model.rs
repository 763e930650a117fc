//! A spec reduced to what the generated crates expose: operations, their parameters, credential headers, and the
//! fields of request and response bodies, each with its type and requiredness.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The headers the SDK fills from its credentials rather than from a typed parameter.
pub const CREDENTIAL_HEADERS: &[&str] =
    &["x-public-key", "x-private-key", "workspace", "organization"];

/// How deep `$ref`s and nested objects are followed: deep enough for this API's bodies, and a guard against
/// recursive schemas.
const MAX_DEPTH: usize = 12;

/// HTTP methods an OpenAPI path item may hold.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One value position (a parameter, or a field at a path inside a body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// `string`, `integer(int64)`, `array`, `object`, `string(date-time)`, `oneOf`, ...
    pub ty: String,
    /// Whether the value must be present.
    pub required: bool,
    /// The allowed values of an enum, if it is one.
    pub enum_values: Option<BTreeSet<String>>,
}

/// The fields of a body, by dotted path (`callSettings.slots`, `items[].id`, `metadata{}`); the empty path is
/// the body itself.
pub type Fields = BTreeMap<String, Slot>;

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId` (the generated method's name comes from it).
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template.
    pub path: String,
    /// Parameters other than credential headers, by `in:name` (`query:limit`, `path:callId`).
    pub params: BTreeMap<String, Slot>,
    /// Credential headers the operation needs.
    pub credentials: BTreeSet<String>,
    /// The JSON request body's fields, when it has one.
    pub body: Option<Fields>,
    /// Each declared response status and its JSON body's fields (`None` without a JSON body).
    pub responses: BTreeMap<String, Option<Fields>>,
}

/// The spec's operations by id (or `METHOD path` where an operation has no id).
pub fn operations(spec: &Value) -> BTreeMap<String, Operation> {
    let mut out = BTreeMap::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    let global_security = spec.get("security");
    for (path, item) in paths {
        let shared_params = item.get("parameters").and_then(Value::as_array);
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let method = method.to_ascii_uppercase();
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{method} {path}"));
            let mut params = BTreeMap::new();
            let mut credentials = BTreeSet::new();
            let all_params = shared_params.into_iter().flatten().chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
            for param in all_params {
                let param = resolve(spec, param, 0);
                let (Some(name), Some(location)) = (
                    param.get("name").and_then(Value::as_str),
                    param.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if location == "header"
                    && CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                {
                    credentials.insert(name.to_ascii_lowercase());
                    continue;
                }
                let schema = param.get("schema").cloned().unwrap_or(Value::Null);
                let mut slot = slot(spec, &schema, 0);
                slot.required = param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(location == "path");
                params.insert(format!("{location}:{name}"), slot);
            }
            credentials.extend(security_headers(
                spec,
                op.get("security").or(global_security),
            ));
            let body = op
                .get("requestBody")
                .map(|body| resolve(spec, body, 0))
                .and_then(json_schema)
                .map(|schema| fields(spec, &schema));
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|responses| {
                    responses
                        .iter()
                        .map(|(status, response)| {
                            let response = resolve(spec, response, 0);
                            (
                                status.clone(),
                                json_schema(response).map(|schema| fields(spec, &schema)),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert(
                id.clone(),
                Operation {
                    id,
                    method,
                    path: path.clone(),
                    params,
                    credentials,
                    body,
                    responses,
                },
            );
        }
    }
    out
}

/// Header names of the `apiKey` schemes a security requirement list names.
fn security_headers(spec: &Value, security: Option<&Value>) -> BTreeSet<String> {
    let schemes = spec.pointer("/components/securitySchemes");
    security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys())
        .filter_map(|scheme| schemes?.get(scheme))
        .filter(|scheme| {
            scheme.get("type").and_then(Value::as_str) == Some("apiKey")
                && scheme.get("in").and_then(Value::as_str) == Some("header")
        })
        .filter_map(|scheme| scheme.get("name").and_then(Value::as_str))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The `application/json` schema of a request body or response.
fn json_schema(holder: &Value) -> Option<Value> {
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))
        .and_then(|(_, media)| media.get("schema"))
        .cloned()
}

/// Follows `$ref`s (local ones) until a value that is not a reference.
fn resolve<'a>(spec: &'a Value, value: &'a Value, depth: usize) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) if depth < MAX_DEPTH => match reference
            .strip_prefix('#')
            .and_then(|pointer| spec.pointer(pointer))
        {
            Some(target) => resolve(spec, target, depth + 1),
            None => value,
        },
        _ => value,
    }
}

/// The type of one schema, without its fields.
fn slot(spec: &Value, schema: &Value, depth: usize) -> Slot {
    let schema = resolve(spec, schema, depth);
    let enum_values = schema.get("enum").and_then(Value::as_array).map(|values| {
        values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect()
    });
    Slot {
        ty: type_name(schema),
        required: false,
        enum_values,
    }
}

fn type_name(schema: &Value) -> String {
    for combinator in ["oneOf", "anyOf"] {
        if schema.get(combinator).is_some() {
            return combinator.to_owned();
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(ty)) => ty.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ if schema.get("properties").is_some() || schema.get("allOf").is_some() => {
            "object".to_owned()
        }
        _ => "any".to_owned(),
    };
    let ty = match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{ty}({format})"),
        None => ty,
    };
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        format!("{ty}?")
    } else {
        ty
    }
}

/// Every field of a body schema, the body itself at the empty path.
fn fields(spec: &Value, schema: &Value) -> Fields {
    let mut out = Fields::new();
    let mut root = slot(spec, schema, 0);
    root.required = true;
    out.insert(String::new(), root);
    collect(spec, schema, "", 0, &mut out);
    out
}

fn collect(spec: &Value, schema: &Value, prefix: &str, depth: usize, out: &mut Fields) {
    if depth >= MAX_DEPTH {
        return;
    }
    let schema = resolve(spec, schema, depth);
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    // allOf merges its parts; the alternatives of oneOf/anyOf contribute their fields as optional.
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(spec, part, prefix, depth + 1, out);
    }
    for combinator in ["oneOf", "anyOf"] {
        for part in schema
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut alternative = Fields::new();
            collect(spec, part, prefix, depth + 1, &mut alternative);
            for (path, mut slot) in alternative {
                slot.required = false;
                out.entry(path).or_insert(slot);
            }
        }
    }
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let path = join(name);
            let mut field = slot(spec, property, depth + 1);
            field.required = required.contains(name.as_str());
            out.insert(path.clone(), field);
            collect(spec, property, &path, depth + 1, out);
        }
    }
    if let Some(items) = schema.get("items") {
        let path = format!("{prefix}[]");
        let mut item = slot(spec, items, depth + 1);
        item.required = true;
        out.insert(path.clone(), item);
        collect(spec, items, &path, depth + 1, out);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        let path = format!("{prefix}{{}}");
        let mut value = slot(spec, values, depth + 1);
        value.required = false;
        out.insert(path.clone(), value);
        collect(spec, values, &path, depth + 1, out);
    }
}

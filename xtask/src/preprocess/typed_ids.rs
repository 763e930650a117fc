//! Rule: identifiers get a type per resource.
//!
//! Every id in the spec is a plain `string`, so the generated client takes and returns `String` for all of
//! them and an assistant id passed where a call id belongs compiles. This rule gives each id parameter and
//! property the resource it names, and marks its schema with the format `mirai-id:<Kind>`; code generation
//! then maps each marked schema to the newtype `crate::ids::<Kind>Id` (progenitor's schema conversions), so
//! responses return and builders take typed ids.
//!
//! Which resource an id names is decided in this order:
//! 1. [`SCOPED`]: ids whose name alone is ambiguous (`_id`, `id`, `call_id` of a showcase call), by their
//!    place: `Schema.property` or `operationId.parameter`;
//! 2. [`EXTERNAL`]: ids of other systems (Shopify checkouts, a carrier's order, a telephony provider's number)
//!    stay strings;
//! 3. [`NAMED`]: property and parameter names that always mean one resource (`assistantId`, `workspace`, …);
//! 4. a component schema's own `_id` is `<Schema>Id`;
//! 5. any other `<resource>Id` / `<resource>_id` is `<Resource>Id`, so an id added to the spec later gets its
//!    own type without a hand edit.
//!
//! Only plain string schemas are marked (no `enum`, `format` or `pattern` that the conversion would drop); an
//! id schema with other constraints is left a string and reported.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Report;
use super::doc::pascal;

/// The format prefix that marks an id schema for code generation.
pub const ID_FORMAT_PREFIX: &str = "mirai-id:";

/// Ids whose name is ambiguous, by place: `(place, kind)`.
pub const SCOPED: &[(&str, &str)] = &[
    ("AssistantDetailResponse._id", "Assistant"),
    ("ApiTool._id", "Tool"),
    ("TelephonyNumber._id", "Number"),
    ("VoiceGalleryItem._id", "Voice"),
    ("CallEventData.call.id", "Call"),
    ("ActionEventData.call.id", "Call"),
    ("getShowcaseCall.call_id", "ShowcaseCall"),
    ("getShowcaseFlow.flow_id", "ShowcaseFlow"),
];

/// Ids of other systems, kept as strings.
pub const EXTERNAL: &[&str] = &[
    "AbandonedCartPayload.id",
    "AbandonedCartPayload.lineItems[].variant.id",
    "NdrFollowupPayload.orderId",
    "CreateOrderData.abandonedCheckoutId",
    "TelephonyNumber.providerNumberId",
];

/// Names that mean one resource wherever they appear: `(name, kind)`.
pub const NAMED: &[(&str, &str)] = &[
    ("assistant", "Assistant"),
    ("assistantId", "Assistant"),
    ("assistant_id", "Assistant"),
    ("callId", "Call"),
    ("workspace", "Workspace"),
    ("organization", "Organization"),
    ("toolId", "Tool"),
    ("telephonyNumberId", "Number"),
    ("knowledgeBaseId", "KnowledgeBaseFile"),
    ("sessionId", "UploadSession"),
    ("integration_id", "Integration"),
];

/// Where each id kind was found: kind → places, in document order.
pub type IdKinds = BTreeMap<String, Vec<String>>;

/// The Rust type name of an id kind.
pub fn type_name(kind: &str) -> String {
    format!("{kind}Id")
}

/// The resource an id at `place` (named `name`, directly under the component schema when `top_level`) names.
pub fn kind_of(place: &str, name: &str, top_level: bool, root: &str) -> Option<String> {
    if let Some((_, kind)) = SCOPED.iter().find(|(p, _)| *p == place) {
        return Some((*kind).to_string());
    }
    if EXTERNAL.contains(&place) {
        return None;
    }
    if let Some((_, kind)) = NAMED.iter().find(|(n, _)| *n == name) {
        return Some((*kind).to_string());
    }
    if name == "_id" && top_level {
        return Some(pascal(root));
    }
    let stem = name
        .strip_suffix("_id")
        .or_else(|| name.strip_suffix("Id"))
        .filter(|stem| !stem.is_empty() && !stem.starts_with('_'))?;
    Some(pascal(stem))
}

/// Marks every id schema of `document` and returns the kinds found.
pub fn mark_id_schemas(document: &mut Value, report: &mut Report) -> IdKinds {
    let mut found = Found::default();
    if let Some(schemas) = document
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            visit_properties(schema, name, name, &mut found);
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut().filter_map(Value::as_object_mut) {
                let Some(operation_id) = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                else {
                    continue;
                };
                visit_operation(operation, &operation_id, &mut found);
            }
        }
    }
    for (kind, places) in &found.kinds {
        report.change(
            "typed-ids",
            type_name(kind),
            format!("{} id(s) typed: {}", places.len(), places.join(", ")),
        );
    }
    for place in &found.constrained {
        report.change(
            "typed-ids",
            place.clone(),
            "left a string: the id schema has constraints (enum, format or pattern) a typed id would drop",
        );
    }
    found.kinds
}

#[derive(Default)]
struct Found {
    kinds: IdKinds,
    constrained: Vec<String>,
}

fn visit_operation(operation: &mut Map<String, Value>, operation_id: &str, found: &mut Found) {
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters {
            let Some(name) = parameter
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            let place = format!("{operation_id}.{name}");
            if let (Some(schema), Some(kind)) = (
                parameter.get_mut("schema"),
                kind_of(&place, &name, false, operation_id),
            ) {
                mark(schema, &kind, &place, found);
            }
        }
    }
    let mut bodies: Vec<(String, &mut Value)> = Vec::new();
    for (key, value) in operation.iter_mut() {
        match key.as_str() {
            "requestBody" => bodies.push(("body".to_string(), value)),
            "responses" => {
                if let Some(responses) = value.as_object_mut() {
                    bodies.extend(responses.iter_mut().map(|(status, v)| (status.clone(), v)));
                }
            }
            _ => {}
        }
    }
    for (label, holder) in bodies {
        let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                let at = format!("{operation_id}.{label}");
                visit_properties(schema, operation_id, &at, found);
            }
        }
    }
}

/// Visits the properties (and items, combinator members) of `schema`, found at `at`.
fn visit_properties(schema: &mut Value, root: &str, at: &str, found: &mut Found) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let top_level = root == at;
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            let place = format!("{at}.{name}");
            match kind_of(&place, name, top_level, root) {
                Some(kind) if is_string(property) => mark(property, &kind, &place, found),
                _ => visit_properties(property, root, &place, found),
            }
        }
    }
    if let Some(items) = object.get_mut("items") {
        visit_properties(items, root, &format!("{at}[]"), found);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(members) = object.get_mut(combinator).and_then(Value::as_array_mut) {
            for member in members {
                visit_properties(member, root, at, found);
            }
        }
    }
}

fn is_string(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
}

/// Keys of a string schema a typed id keeps: documentation only.
const KEPT_KEYS: &[&str] = &[
    "type",
    "description",
    "example",
    "title",
    "deprecated",
    "nullable",
];

fn mark(schema: &mut Value, kind: &str, place: &str, found: &mut Found) {
    if !is_string(schema) {
        return;
    }
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.keys().any(|k| !KEPT_KEYS.contains(&k.as_str())) {
        found.constrained.push(place.to_string());
        return;
    }
    object.insert(
        "format".into(),
        Value::String(format!("{ID_FORMAT_PREFIX}{kind}")),
    );
    found
        .kinds
        .entry(kind.to_string())
        .or_default()
        .push(place.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_places_and_stems_decide_the_kind() {
        let cases = [
            ("ApiTool._id", "_id", true, "ApiTool", Some("Tool")),
            ("Workspace._id", "_id", true, "Workspace", Some("Workspace")),
            ("Foo.bar._id", "_id", false, "Foo", None),
            (
                "InitiateCallRequest.assistant",
                "assistant",
                true,
                "InitiateCallRequest",
                Some("Assistant"),
            ),
            (
                "getShowcaseCall.call_id",
                "call_id",
                false,
                "getShowcaseCall",
                Some("ShowcaseCall"),
            ),
            ("getFoo.call_id", "call_id", false, "getFoo", Some("Call")),
            (
                "NdrFollowupPayload.orderId",
                "orderId",
                true,
                "NdrFollowupPayload",
                None,
            ),
            (
                "Widget.gadgetId",
                "gadgetId",
                true,
                "Widget",
                Some("Gadget"),
            ),
            (
                "Widget.spare_part_id",
                "spare_part_id",
                true,
                "Widget",
                Some("SparePart"),
            ),
            ("Widget.valid", "valid", true, "Widget", None),
            ("Widget.Id", "Id", true, "Widget", None),
            (
                "CallEventData.call.id",
                "id",
                false,
                "CallEventData",
                Some("Call"),
            ),
            ("Other.call.id", "id", false, "Other", None),
        ];
        for (place, name, top, root, expected) in cases {
            assert_eq!(
                kind_of(place, name, top, root).as_deref(),
                expected,
                "{place}"
            );
        }
    }

    #[test]
    fn marks_string_ids_in_components_parameters_and_bodies() {
        let mut doc = json!({
            "components": {"schemas": {
                "ApiTool": {"type": "object", "properties": {
                    "_id": {"type": "string", "description": "the tool"},
                    "name": {"type": "string"},
                    "workspace": {"type": "string"}
                }},
                "Call": {"type": "object", "properties": {
                    "callId": {"type": "string", "pattern": "^[a-f0-9]{24}$"},
                    "assistant": {"type": "object", "properties": {"assistantId": {"type": "string"}}}
                }}
            }},
            "paths": {"/v1/tools/{toolId}": {"put": {
                "operationId": "updateApiTool",
                "parameters": [{"name": "toolId", "in": "path", "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {"data": {"type": "object", "properties": {
                        "gadgetId": {"type": "string"}}}}}}}}}
            }}}
        });
        let mut report = Report::default();
        let kinds = mark_id_schemas(&mut doc, &mut report);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["ApiTool"]["properties"]["_id"]["format"],
            "mirai-id:Tool"
        );
        assert_eq!(
            schemas["ApiTool"]["properties"]["_id"]["description"],
            "the tool"
        );
        assert_eq!(
            schemas["ApiTool"]["properties"]["workspace"]["format"],
            "mirai-id:Workspace"
        );
        assert!(
            schemas["ApiTool"]["properties"]["name"]
                .get("format")
                .is_none()
        );
        // A pattern would be dropped by the typed id: left alone and reported.
        assert!(
            schemas["Call"]["properties"]["callId"]
                .get("format")
                .is_none()
        );
        // `assistant` is an object here: its own properties are visited instead.
        assert_eq!(
            schemas["Call"]["properties"]["assistant"]["properties"]["assistantId"]["format"],
            "mirai-id:Assistant"
        );
        let operation = &doc["paths"]["/v1/tools/{toolId}"]["put"];
        assert_eq!(
            operation["parameters"][0]["schema"]["format"],
            "mirai-id:Tool"
        );
        assert_eq!(
            operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]
                ["properties"]["gadgetId"]["format"],
            "mirai-id:Gadget"
        );
        assert_eq!(
            kinds.keys().collect::<Vec<_>>(),
            ["Assistant", "Gadget", "Tool", "Workspace"]
        );
        assert_eq!(kinds["Tool"], ["ApiTool._id", "updateApiTool.toolId"]);
        let lines: Vec<_> = report.changes.iter().map(|c| c.target.as_str()).collect();
        assert!(lines.contains(&"ToolId"), "{lines:?}");
        assert!(lines.contains(&"Call.callId"), "{lines:?}");
    }
}

use serde_json::{Value, json};

use super::*;

/// A small spec: one `POST /v2/call/initiate` (`initiateCall`) with a body and a response, plus `extra` paths.
fn spec(body: Value, response: Value, params: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": { "version": "1.0.0" },
        "security": [{ "PublicKeyAuth": [] }],
        "components": {
            "securitySchemes": {
                "PublicKeyAuth": { "type": "apiKey", "in": "header", "name": "x-public-key" }
            },
            "parameters": {
                "WorkspaceHeader": { "name": "workspace", "in": "header", "required": true, "schema": { "type": "string" } }
            },
            "schemas": { "Request": body, "Response": response }
        },
        "paths": {
            "/v2/call/initiate": { "post": {
                "operationId": "initiateCall",
                "parameters": params,
                "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Request" } } } },
                "responses": { "200": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Response" } } } } }
            } },
            "/health": { "get": { "operationId": "getHealth", "security": [], "responses": { "200": { "description": "ok" } } } }
        }
    })
}

fn request() -> Value {
    json!({
        "type": "object",
        "required": ["phoneNumber"],
        "properties": {
            "phoneNumber": { "type": "string" },
            "priority": { "type": "integer" },
            "callSettings": { "type": "object", "properties": {
                "language": { "type": "string", "enum": ["en", "hi"] }
            } }
        }
    })
}

fn response() -> Value {
    json!({
        "type": "object",
        "required": ["callId"],
        "properties": {
            "callId": { "type": "string" },
            "status": { "type": "string", "enum": ["queued", "ringing"] }
        }
    })
}

fn params() -> Value {
    json!([{ "$ref": "#/components/parameters/WorkspaceHeader" }])
}

fn base() -> Value {
    spec(request(), response(), params())
}

/// The changes from `base()` to `new`, as `(impact, kind)` pairs.
fn kinds(new: &Value) -> Vec<(Impact, &'static str)> {
    diff(&base(), new)
        .changes
        .iter()
        .map(|c| (c.impact, c.kind))
        .collect()
}

#[test]
fn the_same_spec_has_no_changes() {
    let report = diff(&base(), &base());
    assert!(report.changes.is_empty());
    assert_eq!(report.bump(), Bump::None);
    assert_eq!(
        report.semver_line("0.1.0"),
        "semver: none (the specs declare the same API)"
    );
}

#[test]
fn operations_added_removed_renamed_and_moved() {
    let mut new = base();
    new["paths"]["/v2/widgets"] =
        json!({ "get": { "operationId": "listWidgets", "responses": {} } });
    assert_eq!(kinds(&new), [(Impact::Additive, "operation added")]);

    let mut new = base();
    new["paths"].as_object_mut().unwrap().remove("/health");
    assert_eq!(kinds(&new), [(Impact::Breaking, "operation removed")]);

    let mut new = base();
    new["paths"]["/health"]["get"]["operationId"] = json!("getHealthMonitor");
    assert_eq!(kinds(&new), [(Impact::Breaking, "operation renamed")]);

    let mut new = base();
    let health = new["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/health")
        .unwrap();
    new["paths"]["/v1/health"] = health;
    assert_eq!(kinds(&new), [(Impact::Breaking, "operation moved")]);
}

#[test]
fn parameters_added_removed_retyped_and_required() {
    let with = |param: Value| {
        spec(
            request(),
            response(),
            json!([{ "$ref": "#/components/parameters/WorkspaceHeader" }, param]),
        )
    };
    let limit = |required: bool, ty: &str| json!({ "name": "limit", "in": "query", "required": required, "schema": { "type": ty } });
    let base_with_limit = with(limit(false, "integer"));

    assert_eq!(
        kinds(&base_with_limit),
        [(Impact::Additive, "parameter added")]
    );
    assert_eq!(
        kinds(&with(limit(true, "integer"))),
        [(Impact::Breaking, "parameter added")]
    );
    let changes = |new: &Value| {
        diff(&base_with_limit, new)
            .changes
            .iter()
            .map(|c| (c.impact, c.kind))
            .collect::<Vec<_>>()
    };
    assert_eq!(changes(&base()), [(Impact::Breaking, "parameter removed")]);
    assert_eq!(
        changes(&with(limit(false, "string"))),
        [(Impact::Breaking, "parameter type changed")]
    );
    assert_eq!(
        changes(&with(limit(true, "integer"))),
        [(Impact::Breaking, "parameter now required")]
    );
    assert_eq!(
        diff(&with(limit(true, "integer")), &base_with_limit).changes[0].kind,
        "parameter now optional"
    );
}

#[test]
fn credential_headers_an_operation_needs() {
    let new = spec(request(), response(), json!([]));
    let report = diff(&base(), &new);
    assert_eq!(report.changes.len(), 1);
    assert_eq!(
        (report.changes[0].impact, report.changes[0].kind),
        (Impact::None, "credential removed")
    );
    assert!(report.changes[0].detail.contains("`workspace`"));
    assert_eq!(report.bump(), Bump::Patch);

    let back = diff(&new, &base());
    assert_eq!(
        (back.changes[0].impact, back.changes[0].kind),
        (Impact::Breaking, "credential added")
    );

    // A security requirement counts too: /health gains the public key.
    let mut new = base();
    new["paths"]["/health"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("security");
    let report = diff(&base(), &new);
    assert_eq!(report.changes[0].kind, "credential added");
    assert_eq!(report.changes[0].operation, "getHealth");
    assert!(report.changes[0].detail.contains("`x-public-key`"));
}

#[test]
fn body_fields_added_removed_retyped_and_requiredness() {
    let mut body = request();
    body["properties"]["callbackUrl"] = json!({ "type": "string", "format": "uri" });
    let report = diff(&base(), &spec(body.clone(), response(), params()));
    assert_eq!(
        kinds(&spec(body.clone(), response(), params())),
        [(Impact::Breaking, "field added")]
    );
    assert!(
        report.changes[0].detail.contains("struct literals"),
        "{}",
        report.changes[0].detail
    );
    assert!(
        report.changes[0]
            .detail
            .contains("`callbackUrl` (string(uri))")
    );

    let mut body = request();
    body["properties"]
        .as_object_mut()
        .unwrap()
        .remove("callSettings");
    // The object's own fields are not listed again under it.
    assert_eq!(
        kinds(&spec(body, response(), params())),
        [(Impact::Breaking, "field removed")]
    );

    let mut body = request();
    body["properties"]["priority"] = json!({ "type": "string" });
    assert_eq!(
        kinds(&spec(body, response(), params())),
        [(Impact::Breaking, "field type changed")]
    );

    let mut body = request();
    body["required"] = json!(["phoneNumber", "priority"]);
    assert_eq!(
        kinds(&spec(body, response(), params())),
        [(Impact::Breaking, "field now required")]
    );

    let mut body = request();
    body["required"] = json!([]);
    assert_eq!(
        kinds(&spec(body, response(), params())),
        [(Impact::Breaking, "field now optional")]
    );
}

#[test]
fn enum_values_added_and_removed_in_requests_and_responses() {
    let mut body = request();
    body["properties"]["callSettings"]["properties"]["language"]["enum"] =
        json!(["en", "hi", "ta"]);
    let report = diff(&base(), &spec(body, response(), params()));
    assert_eq!(report.changes.len(), 1);
    assert_eq!(report.changes[0].kind, "enum value added");
    assert!(
        report.changes[0]
            .detail
            .contains("`callSettings.language`: `ta`"),
        "{}",
        report.changes[0].detail
    );

    let mut reply = response();
    reply["properties"]["status"]["enum"] = json!(["queued"]);
    let report = diff(&base(), &spec(request(), reply, params()));
    assert_eq!(report.changes[0].kind, "enum value removed");
    assert!(report.changes[0].detail.contains("decodes as `Unknown`"));
}

#[test]
fn response_schemas_changed() {
    let mut reply = response();
    reply["properties"]["queuedAt"] = json!({ "type": "string", "format": "date-time" });
    assert_eq!(
        kinds(&spec(request(), reply, params())),
        [(Impact::Additive, "field added")]
    );

    let mut reply = response();
    reply["properties"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    assert_eq!(
        kinds(&spec(request(), reply, params())),
        [(Impact::Breaking, "field removed")]
    );

    let mut new = base();
    new["paths"]["/v2/call/initiate"]["post"]["responses"]["409"] =
        json!({ "description": "conflict" });
    assert_eq!(kinds(&new), [(Impact::Additive, "response added")]);
    assert_eq!(diff(&new, &base()).changes[0].kind, "response removed");

    let mut new = base();
    new["paths"]["/health"]["get"]["responses"]["200"] =
        json!({ "content": { "application/json": { "schema": { "type": "object" } } } });
    assert_eq!(kinds(&new), [(Impact::Breaking, "response schema changed")]);
}

#[test]
fn arrays_maps_all_of_and_recursive_schemas_are_followed() {
    let body = json!({
        "allOf": [
            { "$ref": "#/components/schemas/Request" },
            { "type": "object", "properties": {
                "items": { "type": "array", "items": { "type": "object", "properties": { "sku": { "type": "string" } } } },
                "tags": { "type": "object", "additionalProperties": { "type": "string" } },
                "next": { "$ref": "#/components/schemas/Loop" }
            } }
        ]
    });
    let mut new = base();
    new["components"]["schemas"]["Wrapped"] = body;
    new["components"]["schemas"]["Loop"] = json!({ "type": "object", "properties": { "next": { "$ref": "#/components/schemas/Loop" } } });
    new["paths"]["/v2/call/initiate"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({ "$ref": "#/components/schemas/Wrapped" });
    let report = diff(&base(), &new);
    let details: Vec<&str> = report.changes.iter().map(|c| c.detail.as_str()).collect();
    assert!(
        details.iter().any(|d| d.contains("field `items`")),
        "{details:#?}"
    );
    assert!(
        details.iter().any(|d| d.contains("field `tags`")),
        "{details:#?}"
    );
    assert!(
        details.iter().all(|d| !d.contains("items[].sku")),
        "nested under an added field: {details:#?}"
    );
    assert!(
        details.iter().any(|d| d.contains("field `next`")),
        "{details:#?}"
    );
}

#[test]
fn bumps_and_next_versions() {
    assert_eq!(Bump::Major.next_version("0.1.3").as_deref(), Some("0.2.0"));
    assert_eq!(Bump::Minor.next_version("0.1.3").as_deref(), Some("0.1.4"));
    assert_eq!(Bump::Patch.next_version("0.1.3").as_deref(), Some("0.1.4"));
    assert_eq!(Bump::Major.next_version("1.4.2").as_deref(), Some("2.0.0"));
    assert_eq!(Bump::Minor.next_version("1.4.2").as_deref(), Some("1.5.0"));
    assert_eq!(Bump::Patch.next_version("1.4.2").as_deref(), Some("1.4.3"));
    assert_eq!(Bump::None.next_version("1.4.2").as_deref(), Some("1.4.2"));
    assert_eq!(Bump::Major.next_version("1.x"), None);

    let mut new = base();
    new["paths"]["/v2/widgets"] =
        json!({ "get": { "operationId": "listWidgets", "responses": {} } });
    new["paths"].as_object_mut().unwrap().remove("/health");
    let report = diff(&base(), &new);
    assert_eq!(report.bump(), Bump::Major);
    assert_eq!(
        report.changes[0].impact,
        Impact::Breaking,
        "breaking changes come first"
    );
    assert_eq!(
        report.semver_line("0.1.0"),
        "semver: major (1 breaking, 1 additive, 0 with no effect): 0.1.0 → 0.2.0"
    );
    let json = report.to_json("0.1.0");
    assert_eq!(json["semver"], "major");
    assert_eq!(json["next_crate_version"], "0.2.0");
    assert_eq!(json["changes"].as_array().unwrap().len(), 2);
}

//! Rule: every operation gets an `operationId` (progenitor refuses operations without one).
//!
//! A route the vendored spec knows keeps the id it has there, so method names stay stable when
//! an upstream version drops ids; any other route gets a readable id derived from method and
//! path (`POST /v2/call/abort` → `postCallAbort`, `GET /v1/calls/{callId}` → `getCallsByCallId`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Report;
use super::doc::{self, OperationLocation};

/// Routes and the ids the vendored spec (or an earlier upstream version) gives them.
/// Path parameters match by position, not by name.
pub const KNOWN_OPERATION_IDS: &[(&str, &str, &str)] = &[
    ("get", "/health", "getHealthMonitor"),
    (
        "post",
        "/v2/workspace/onboard/custom",
        "onboardCustomWorkspace",
    ),
    (
        "post",
        "/v2/workspace/onboard/shopify",
        "initializeWorkspace",
    ),
    ("get", "/v1/admin/assistant/get/{}", "adminGetAssistant"),
    ("get", "/v1/admin/assistant/list", "adminListAssistants"),
    ("post", "/v1/admin/assistant/create", "adminCreateAssistant"),
    (
        "put",
        "/v1/admin/assistant/update/{}",
        "adminUpdateAssistant",
    ),
    ("post", "/v2/assistant/create", "createAssistant"),
    ("get", "/v2/assistant/get/{}", "getAssistant"),
    ("put", "/v2/assistant/update/{}", "updateAssistant"),
    ("get", "/v1/number-pool/search", "searchAvailableNumbers"),
    ("post", "/v1/number-pool/purchase", "purchaseNumber"),
    ("delete", "/v1/number-pool/{}", "releaseNumber"),
    ("get", "/v1/admin/tool/api", "listApiTools"),
    ("post", "/v1/admin/tool/api", "createApiTool"),
    ("put", "/v1/admin/tool/api/{}", "updateApiTool"),
    ("delete", "/v1/admin/tool/api/{}", "deleteApiTool"),
    ("get", "/v1/knowledge-base/files", "listKnowledgeBaseFiles"),
    ("get", "/v1/knowledge-base/files/{}", "getKnowledgeBaseFile"),
    (
        "post",
        "/v1/knowledge-base/upload/start",
        "startKnowledgeBaseUpload",
    ),
    (
        "post",
        "/v1/knowledge-base/upload/chunk/{}",
        "uploadKnowledgeBaseChunk",
    ),
    (
        "post",
        "/v1/knowledge-base/upload/complete/{}",
        "completeKnowledgeBaseUpload",
    ),
    (
        "delete",
        "/v1/knowledge-base/collection/{}",
        "deleteKnowledgeBaseCollection",
    ),
    ("post", "/v2/call/initiate", "initiateCall"),
    ("post", "/v2/call/web", "initiateWebCall"),
    (
        "post",
        "/v1/shiprocket/ndr-webhook/{}",
        "shiprocketNdrWebhook",
    ),
    ("post", "/v2/call/abort", "abortCall"),
    ("put", "/v2/call/{}", "updateCallPayload"),
    ("post", "/v2/webhooks/call-events", "callEventsWebhook"),
    ("post", "/webhooks/call-events", "callEventsWebhook"),
    (
        "post",
        "/v1/admin/organization/archive",
        "archiveOrganizationOrWorkspace",
    ),
    (
        "post",
        "/v1/admin/organization/unarchive",
        "unarchiveOrganizationOrWorkspace",
    ),
    ("get", "/v1/admin/voice-gallery", "getVoiceGallery"),
    ("get", "/v1/showcase/calls", "listShowcaseCalls"),
    ("get", "/v1/showcase/calls/{}", "getShowcaseCall"),
    ("get", "/v1/showcase/flows", "listShowcaseFlows"),
    ("get", "/v1/showcase/flows/{}", "getShowcaseFlow"),
];

/// Gives every operation without an `operationId` a stable, readable, unique one.
pub fn synthesize_operation_ids(document: &mut Value, report: &mut Report) {
    let locations = doc::operations(document);
    let mut taken: BTreeSet<String> = locations
        .iter()
        .filter_map(|loc| doc::operation_id(document, loc))
        .collect();
    for loc in &locations {
        let has_id = doc::operation(document, loc)
            .and_then(|op| op.get("operationId"))
            .and_then(Value::as_str)
            .is_some_and(|id| !id.trim().is_empty());
        if has_id {
            continue;
        }
        let base = known_id(loc).map_or_else(|| derived_id(loc), str::to_string);
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}{n}");
            n += 1;
        }
        taken.insert(id.clone());
        if let Some(op) = doc::operation_mut(document, loc) {
            op.insert("operationId".into(), Value::String(id.clone()));
        }
        report.change(
            "operation-ids",
            loc.display(),
            format!("no operationId; named it `{id}`"),
        );
    }
}

/// The id the known table gives this route, matching path parameters by position.
pub fn known_id(loc: &OperationLocation) -> Option<&'static str> {
    let shape = route_shape(&loc.path);
    KNOWN_OPERATION_IDS
        .iter()
        .find(|(method, path, _)| *method == loc.method && *path == shape)
        .map(|(_, _, id)| *id)
}

/// `{method}{PathWords}`: version segments dropped, parameters as `By{Param}`.
pub fn derived_id(loc: &OperationLocation) -> String {
    let mut id = loc.method.to_lowercase();
    for segment in loc.path.split('/').filter(|s| !s.is_empty()) {
        let is_version = segment.len() > 1
            && segment.starts_with('v')
            && segment[1..].chars().all(|c| c.is_ascii_digit());
        if is_version {
            continue;
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("By");
                id.push_str(&doc::pascal(param));
            }
            None => id.push_str(&doc::pascal(segment)),
        }
    }
    id
}

fn route_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loc(method: &str, path: &str) -> OperationLocation {
        OperationLocation {
            method: method.into(),
            path: path.into(),
        }
    }

    #[test]
    fn known_routes_keep_todays_ids_whatever_the_parameter_names() {
        assert_eq!(known_id(&loc("post", "/v2/call/abort")), Some("abortCall"));
        assert_eq!(
            known_id(&loc("put", "/v2/call/{id}")),
            Some("updateCallPayload")
        );
        assert_eq!(known_id(&loc("get", "/v2/call/{id}")), None);
    }

    #[test]
    fn unknown_routes_get_readable_ids() {
        assert_eq!(
            derived_id(&loc("get", "/v3/calls/{callId}/events")),
            "getCallsByCallIdEvents"
        );
        assert_eq!(
            derived_id(&loc("post", "/v2/call/transfer")),
            "postCallTransfer"
        );
    }

    #[test]
    fn synthesizes_only_missing_ids_and_keeps_them_unique() {
        let mut doc = json!({"paths": {
            "/v2/call/initiate": {"post": {}},
            "/v9/things": {"get": {"operationId": "getThings"}, "post": {}},
            "/v8/things": {"get": {}},
        }});
        let mut report = Report::default();
        synthesize_operation_ids(&mut doc, &mut report);
        assert_eq!(
            doc["paths"]["/v2/call/initiate"]["post"]["operationId"],
            "initiateCall"
        );
        assert_eq!(
            doc["paths"]["/v9/things"]["get"]["operationId"],
            "getThings"
        );
        assert_eq!(
            doc["paths"]["/v9/things"]["post"]["operationId"],
            "postThings"
        );
        assert_eq!(
            doc["paths"]["/v8/things"]["get"]["operationId"],
            "getThings2"
        );
        assert_eq!(report.changes.len(), 3);
    }
}

//! Rule: inbound callbacks are not client methods.
//!
//! The spec documents the webhook the service sends to the app (`callEventsWebhook`) as if it
//! were an operation; generated, it would be a method that *sends* a webhook. It is left out by
//! an explicit list (matching anything with "webhook" in its path would also drop
//! `shiprocketNdrWebhook`, a route of the service that callers do invoke). Its schemas stay in
//! `components`, so their types are still generated.

use serde_json::Value;

use super::doc::{self, OperationLocation};
use super::{Omission, Report};

/// Operation ids of callbacks the service sends to the app.
pub const INBOUND_CALLBACK_IDS: &[&str] = &["callEventsWebhook"];

/// Paths of callbacks the service sends to the app, for spec versions that name them differently.
pub const INBOUND_CALLBACK_PATHS: &[&str] = &["/v2/webhooks/call-events", "/webhooks/call-events"];

/// Removes inbound callbacks from `paths` and returns them as omissions.
pub fn drop_inbound_callbacks(document: &mut Value, report: &mut Report) -> Vec<Omission> {
    let targets: Vec<OperationLocation> = doc::operations(document)
        .into_iter()
        .filter(|loc| {
            let id = doc::operation_id(document, loc).unwrap_or_default();
            INBOUND_CALLBACK_IDS.contains(&id.as_str())
                || (loc.method == "post" && INBOUND_CALLBACK_PATHS.contains(&loc.path.as_str()))
        })
        .collect();
    targets
        .into_iter()
        .map(|loc| {
            let operation_id = doc::operation_label(document, &loc);
            remove_operation(document, &loc);
            let reason = "inbound webhook: the service calls the app's callbackUrl; \
                          verify and parse it with mirai_voice::webhook"
                .to_string();
            report.change(
                "inbound-callbacks",
                operation_id.clone(),
                "removed from the client (schemas kept)",
            );
            Omission {
                operation_id,
                location: loc,
                reason,
            }
        })
        .collect()
}

/// Removes one operation; removes its path item too when nothing else is left in it.
pub fn remove_operation(document: &mut Value, loc: &OperationLocation) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let now_empty = match paths.get_mut(&loc.path).and_then(Value::as_object_mut) {
        Some(item) => {
            item.shift_remove(&loc.method);
            !item.keys().any(|k| doc::HTTP_METHODS.contains(&k.as_str()))
        }
        None => false,
    };
    if now_empty {
        paths.shift_remove(&loc.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_listed_callbacks_but_keeps_other_webhook_routes_and_schemas() {
        let mut doc = json!({
            "paths": {
                "/v2/webhooks/call-events": {"post": {"operationId": "callEventsWebhook"}},
                "/v1/shiprocket/ndr-webhook/{assistantId}": {"post": {"operationId": "shiprocketNdrWebhook"}},
                "/webhooks/call-events": {"post": {}, "get": {"operationId": "probe"}}
            },
            "components": {"schemas": {"WebhookEvent": {"type": "object"}}}
        });
        let mut report = Report::default();
        let omitted = drop_inbound_callbacks(&mut doc, &mut report);
        let ids: Vec<_> = omitted.iter().map(|o| o.operation_id.as_str()).collect();
        assert_eq!(ids, ["callEventsWebhook", "POST /webhooks/call-events"]);
        assert!(doc["paths"].get("/v2/webhooks/call-events").is_none());
        assert!(doc["paths"]["/v1/shiprocket/ndr-webhook/{assistantId}"]["post"].is_object());
        // A method left on the same path item survives.
        assert!(doc["paths"]["/webhooks/call-events"]["get"].is_object());
        assert!(doc["components"]["schemas"]["WebhookEvent"].is_object());
    }
}

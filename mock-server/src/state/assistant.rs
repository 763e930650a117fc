//! Assistants: creation, partial updates and the rules around names, tools and numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::World;
use crate::clock::rfc3339_at;
use crate::error::ApiError;
use crate::lifecycle::RetryPolicy;

/// Default `callSettings` of an assistant created without them.
fn default_call_settings() -> Value {
    json!({
        "slots": [{ "startTime": "09:00", "endTime": "18:00" }],
        "maxCallDuration": 300,
        "concurrentCallCount": 5,
        "retryProtocol": retry_protocol_json(RetryPolicy::default()),
    })
}

fn retry_protocol_json(policy: RetryPolicy) -> Value {
    json!({
        "maxAttemptsNoPickup": policy.max_attempts_no_pickup,
        "maxAttemptsLowEngagement": policy.max_attempts_low_engagement,
        "reAttemptPeriod": policy.re_attempt_period,
        "maxRescheduleCount": policy.max_reschedule_count,
    })
}

/// Variants whose `variant.config.<type>` block the spec calls required.
const VARIANTS_NEEDING_CONFIG: [&str; 3] =
    ["abandoned_cart", "cod_to_prepaid", "address_verification"];

/// An assistant held by the emulator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Assistant {
    pub(crate) id: String,
    pub(crate) workspace: String,
    pub(crate) organization: String,
    pub(crate) name: String,
    pub(crate) variant_type: String,
    pub(crate) variant_config: Value,
    pub(crate) identity: Value,
    pub(crate) system_prompt: String,
    pub(crate) first_message: String,
    pub(crate) end_message: String,
    pub(crate) tool_ids: Vec<String>,
    pub(crate) inbound: Option<String>,
    pub(crate) outbound: Option<String>,
    pub(crate) analysis_plan: Value,
    pub(crate) icp_context: Value,
    pub(crate) call_settings: Value,
    pub(crate) knowledge_base: Value,
    pub(crate) archived_at: Option<u64>,
    pub(crate) created_at: u64,
}

impl Assistant {
    /// Drops a released number from the assistant's telephony.
    pub(crate) fn forget_number(&mut self, number_id: &str) {
        if self.inbound.as_deref() == Some(number_id) {
            self.inbound = None;
        }
        if self.outbound.as_deref() == Some(number_id) {
            self.outbound = None;
        }
    }

    /// The assistant's `callSettings.retryProtocol`.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        retry_policy_of(&self.call_settings)
    }

    /// `callSettings.maxCallDuration` in seconds.
    pub(crate) fn max_call_duration(&self) -> u64 {
        self.call_settings
            .get("maxCallDuration")
            .and_then(as_count)
            .filter(|d| *d > 0)
            .unwrap_or(300)
    }

    /// Top-level variables `variant.config.inputSchema` marks as required.
    pub(crate) fn required_variables(&self) -> Vec<String> {
        self.variant_config
            .get("inputSchema")
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .filter(|f| f.get("isRequired").and_then(Value::as_bool) == Some(true))
                    .filter_map(|f| f.get("name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `analysisPlan.callInsightPlan`, if declared.
    pub(crate) fn insight_plan(&self) -> Option<&Map<String, Value>> {
        self.analysis_plan
            .get("callInsightPlan")
            .and_then(Value::as_object)
    }

    /// Whether the assistant has been archived.
    pub(crate) fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

fn as_count(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| *f >= 0.0)
            .map(|f| f.round() as u64)
    })
}

fn clamp_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn text(body: &Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Shallow-merges the keys of `patch` into `target` (both objects).
fn merge_object(target: &mut Value, patch: &Value) {
    if let (Some(target), Some(patch)) = (target.as_object_mut(), patch.as_object()) {
        for (key, value) in patch {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// The retry protocol a `callSettings` object describes, defaults filling the gaps.
fn retry_policy_of(call_settings: &Value) -> RetryPolicy {
    let field = |name: &str| {
        call_settings
            .pointer(&format!("/retryProtocol/{name}"))
            .and_then(as_count)
    };
    let defaults = RetryPolicy::default();
    RetryPolicy {
        max_attempts_no_pickup: field("maxAttemptsNoPickup")
            .map_or(defaults.max_attempts_no_pickup, clamp_u32),
        max_attempts_low_engagement: field("maxAttemptsLowEngagement")
            .map_or(defaults.max_attempts_low_engagement, clamp_u32),
        re_attempt_period: field("reAttemptPeriod").unwrap_or(defaults.re_attempt_period),
        max_reschedule_count: field("maxRescheduleCount")
            .map_or(defaults.max_reschedule_count, clamp_u32),
    }
}

/// `callSettings` with defaults filled in and retry counts stored as integers.
fn normalise_call_settings(mut settings: Value) -> Value {
    let defaults = default_call_settings();
    if let (Some(target), Some(defaults)) = (settings.as_object_mut(), defaults.as_object()) {
        for (key, value) in defaults {
            if !target.contains_key(key) {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    let policy = retry_policy_of(&settings);
    settings["retryProtocol"] = retry_protocol_json(policy);
    settings
}

impl World {
    /// The assistant with this id in this workspace, or `404`.
    pub(crate) fn find_assistant(
        &self,
        workspace_id: &str,
        assistant_id: &str,
    ) -> Result<&Assistant, ApiError> {
        self.assistants
            .get(assistant_id)
            .filter(|a| a.workspace == workspace_id)
            .ok_or_else(|| ApiError::not_found("Assistant not found"))
    }

    /// The `AssistantDetailResponse` of an assistant.
    pub(crate) fn assistant_json(&self, assistant: &Assistant) -> Value {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for tool_id in &assistant.tool_ids {
            if let Some(tool) = self.tools.get(tool_id) {
                groups
                    .entry(tool.integration_id.clone())
                    .or_default()
                    .push(tool_id.clone());
            }
        }
        let tools: Vec<Value> = groups
            .into_iter()
            .map(|(integration_id, tools)| json!({ "integration_id": integration_id, "tools": tools }))
            .collect();
        let timezone = self
            .workspaces
            .get(&assistant.workspace)
            .map_or("UTC", |w| w.fields.timezone.as_str());
        json!({
            "_id": assistant.id,
            "name": assistant.name,
            "variant": { "type": assistant.variant_type, "config": assistant.variant_config },
            "agent": {
                "identity": assistant.identity,
                "systemPrompt": assistant.system_prompt,
                "firstMessage": assistant.first_message,
                "endMessage": assistant.end_message,
                "tools": tools,
            },
            "telephony": { "inbound": assistant.inbound, "outbound": assistant.outbound },
            "icpContext": assistant.icp_context,
            "callSettings": assistant.call_settings,
            "analysisPlan": assistant.analysis_plan,
            "knowledgeBase": assistant.knowledge_base,
            "archivedAt": assistant.archived_at.map(rfc3339_at),
            "createdAt": rfc3339_at(assistant.created_at),
            "timezone": timezone,
        })
    }

    /// Every assistant of a workspace, archived ones included.
    pub(crate) fn list_assistants(&self, workspace_id: &str) -> Vec<Value> {
        self.assistants
            .values()
            .filter(|a| a.workspace == workspace_id)
            .map(|a| self.assistant_json(a))
            .collect()
    }

    fn name_taken(&self, workspace_id: &str, name: &str, except: Option<&str>) -> bool {
        self.assistants.values().any(|a| {
            a.workspace == workspace_id
                && a.name.eq_ignore_ascii_case(name)
                && Some(a.id.as_str()) != except
        })
    }

    fn check_tools(&self, workspace_id: &str, tool_ids: &[String]) -> Result<(), ApiError> {
        for id in tool_ids {
            let live = self
                .tools
                .get(id)
                .is_some_and(|t| t.workspace == workspace_id && t.deleted_at.is_none());
            if !live {
                return Err(ApiError::bad_request(format!(
                    "API tool {id} not found in this workspace"
                )));
            }
        }
        Ok(())
    }

    fn check_telephony(&self, organization_id: &str, telephony: &Value) -> Result<(), ApiError> {
        for key in ["inbound", "outbound"] {
            if let Some(id) = telephony.get(key).and_then(Value::as_str) {
                self.ensure_usable_number(organization_id, id)?;
            }
        }
        Ok(())
    }

    /// Takes an inbound number away from every other assistant: one holder at a time.
    fn claim_inbound(&mut self, assistant_id: &str, number_id: &str) {
        for other in self.assistants.values_mut() {
            if other.id != assistant_id && other.inbound.as_deref() == Some(number_id) {
                other.inbound = None;
            }
        }
    }

    /// Creates an assistant from a validated `AdminAssistantRequest`.
    pub(crate) fn create_assistant(
        &mut self,
        workspace_id: &str,
        body: &Value,
    ) -> Result<String, ApiError> {
        self.ensure_workspace_writable(workspace_id)?;
        let organization = self
            .workspaces
            .get(workspace_id)
            .map(|w| w.organization.clone())
            .unwrap_or_default();
        let name = text(body, "/name").unwrap_or_default().trim().to_owned();
        if name.is_empty() {
            return Err(ApiError::bad_request(
                "Validation error: name must not be empty",
            ));
        }
        if self.name_taken(workspace_id, &name, None) {
            return Err(ApiError::conflict(
                "Assistant with this name already exists",
            ));
        }
        let variant_type = text(body, "/variant/type").unwrap_or_else(|| "custom".into());
        let variant_config = body
            .pointer("/variant/config")
            .cloned()
            .unwrap_or_else(|| json!({}));
        if VARIANTS_NEEDING_CONFIG.contains(&variant_type.as_str())
            && variant_config.get(&variant_type).is_none()
        {
            return Err(ApiError::bad_request(format!(
                "Validation error: variant.config.{variant_type} is required for the {variant_type} variant"
            )));
        }
        let system_prompt = text(body, "/agent/systemPrompt").unwrap_or_default();
        if variant_type == "custom" && system_prompt.trim().is_empty() {
            return Err(ApiError::bad_request(
                "Validation error: agent.systemPrompt is required for the custom variant",
            ));
        }
        let tool_ids: Vec<String> = body
            .pointer("/agent/tools")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        self.check_tools(workspace_id, &tool_ids)?;
        let telephony = body.get("telephony").cloned().unwrap_or_else(|| json!({}));
        self.check_telephony(&organization, &telephony)?;

        let first_in_workspace = !self
            .assistants
            .values()
            .any(|a| a.workspace == workspace_id);
        let mut outbound = text(&telephony, "/outbound");
        if outbound.is_none() && first_in_workspace {
            outbound = self.default_number_of(workspace_id);
        }
        let inbound = text(&telephony, "/inbound");
        let id = self.new_id();
        if let Some(number) = &inbound {
            self.claim_inbound(&id, number);
        }
        let assistant = Assistant {
            id: id.clone(),
            workspace: workspace_id.to_owned(),
            organization,
            name,
            variant_type,
            variant_config,
            identity: body
                .pointer("/agent/identity")
                .cloned()
                .unwrap_or_else(|| json!({})),
            system_prompt,
            first_message: text(body, "/agent/firstMessage").unwrap_or_default(),
            end_message: text(body, "/agent/endMessage").unwrap_or_default(),
            tool_ids,
            inbound,
            outbound,
            analysis_plan: body
                .get("analysisPlan")
                .cloned()
                .unwrap_or_else(|| json!({})),
            icp_context: body.get("icpContext").cloned().unwrap_or_else(|| json!({})),
            call_settings: normalise_call_settings(
                body.get("callSettings")
                    .cloned()
                    .unwrap_or_else(|| json!({})),
            ),
            knowledge_base: body
                .get("knowledgeBase")
                .cloned()
                .unwrap_or_else(|| json!({"documents": [], "faq": []})),
            archived_at: None,
            created_at: self.now(),
        };
        self.assistants.insert(id.clone(), assistant);
        Ok(id)
    }

    /// Applies a validated `AdminAssistantUpdateRequest`; only provided fields change.
    pub(crate) fn update_assistant(
        &mut self,
        workspace_id: &str,
        assistant_id: &str,
        body: &Value,
    ) -> Result<(), ApiError> {
        let current = self.find_assistant(workspace_id, assistant_id)?.clone();
        if current.is_archived() || self.workspace_archived(workspace_id) {
            return Err(ApiError::bad_request(
                "Assistant is archived and cannot be updated",
            ));
        }
        let mut next = current;
        if let Some(name) = text(body, "/name") {
            let name = name.trim().to_owned();
            if name.is_empty() {
                return Err(ApiError::bad_request(
                    "Validation error: name must not be empty",
                ));
            }
            if self.name_taken(workspace_id, &name, Some(assistant_id)) {
                return Err(ApiError::conflict(
                    "Assistant with this name already exists",
                ));
            }
            next.name = name;
        }
        if let Some(variant_type) = text(body, "/variant/type")
            && variant_type != next.variant_type
        {
            return Err(ApiError::bad_request("Variant type cannot be changed"));
        }
        if let Some(config) = body.pointer("/variant/config") {
            merge_object(&mut next.variant_config, config);
        }
        if let Some(identity) = body.pointer("/agent/identity") {
            merge_object(&mut next.identity, identity);
        }
        if let Some(v) = text(body, "/agent/systemPrompt") {
            next.system_prompt = v;
        }
        if let Some(v) = text(body, "/agent/firstMessage") {
            next.first_message = v;
        }
        if let Some(v) = text(body, "/agent/endMessage") {
            next.end_message = v;
        }
        if let Some(tools) = body.pointer("/agent/tools").and_then(Value::as_array) {
            next.tool_ids = tools
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            self.check_tools(workspace_id, &next.tool_ids)?;
        }
        if let Some(telephony) = body.get("telephony") {
            self.check_telephony(&next.organization, telephony)?;
            if let Some(v) = telephony.get("inbound") {
                next.inbound = v.as_str().map(str::to_owned);
            }
            if let Some(v) = telephony.get("outbound") {
                next.outbound = v.as_str().map(str::to_owned);
            }
        }
        for (key, slot) in [
            ("analysisPlan", &mut next.analysis_plan),
            ("icpContext", &mut next.icp_context),
            ("knowledgeBase", &mut next.knowledge_base),
        ] {
            if let Some(v) = body.get(key) {
                *slot = v.clone();
            }
        }
        if let Some(settings) = body.get("callSettings") {
            let mut merged = next.call_settings.clone();
            let retry_patch = settings.get("retryProtocol").cloned();
            merge_object(&mut merged, settings);
            if let Some(patch) = retry_patch {
                let mut retry = next.call_settings["retryProtocol"].clone();
                merge_object(&mut retry, &patch);
                merged["retryProtocol"] = retry;
            }
            next.call_settings = normalise_call_settings(merged);
        }
        if let Some(number) = next.inbound.clone() {
            self.claim_inbound(assistant_id, &number);
        }
        self.assistants.insert(assistant_id.to_owned(), next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::org::DEFAULT_WORKSPACE_ID as WS;
    use axum::http::StatusCode;

    pub(crate) fn custom(name: &str) -> Value {
        json!({
            "name": name,
            "variant": {"type": "custom", "config": {"inputSchema": [{"name": "customerName", "isRequired": true}]}},
            "agent": {"identity": {"name": "Priya", "gender": "female", "voice": "priya"}, "systemPrompt": "Hi {{customerName}}"},
        })
    }

    #[test]
    fn create_applies_defaults_and_the_default_number() {
        let mut world = World::seeded();
        let id = world.create_assistant(WS, &custom("Support")).unwrap();
        let a = &world.assistants[&id];
        assert_eq!(a.retry_policy(), RetryPolicy::default());
        assert_eq!(a.required_variables(), vec!["customerName".to_owned()]);
        assert!(
            a.outbound.is_some(),
            "first assistant gets the default number"
        );
        let second = world.create_assistant(WS, &custom("Other")).unwrap();
        assert!(world.assistants[&second].outbound.is_none());
        let json = world.assistant_json(&world.assistants[&id]);
        assert_eq!(
            json["callSettings"]["retryProtocol"]["reAttemptPeriod"],
            300
        );
        assert_eq!(json["archivedAt"], Value::Null);
    }

    #[test]
    fn names_are_unique_per_workspace() {
        let mut world = World::seeded();
        world.create_assistant(WS, &custom("Support")).unwrap();
        let err = world.create_assistant(WS, &custom("support")).unwrap_err();
        assert_eq!(err.status, StatusCode::CONFLICT);
        let other = world.create_assistant(WS, &custom("Other")).unwrap();
        let err = world
            .update_assistant(WS, &other, &json!({"name": "SUPPORT"}))
            .unwrap_err();
        assert_eq!(err.status, StatusCode::CONFLICT);
    }

    #[test]
    fn updates_merge_and_respect_archiving() {
        let mut world = World::seeded();
        let id = world.create_assistant(WS, &custom("Support")).unwrap();
        world
            .update_assistant(
                WS,
                &id,
                &json!({"agent": {"identity": {"voice": "neha"}}, "callSettings": {"retryProtocol": {"maxAttemptsNoPickup": 4.0}}}),
            )
            .unwrap();
        let a = &world.assistants[&id];
        assert_eq!(a.identity["name"], "Priya");
        assert_eq!(a.identity["voice"], "neha");
        assert_eq!(a.retry_policy().max_attempts_no_pickup, 4);
        assert_eq!(a.retry_policy().re_attempt_period, 300);
        assert_eq!(
            a.call_settings["retryProtocol"]["maxAttemptsNoPickup"],
            json!(4)
        );

        let err = world
            .update_assistant(WS, &id, &json!({"variant": {"type": "abandoned_cart"}}))
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        world.assistants.get_mut(&id).unwrap().archived_at = Some(1);
        let err = world
            .update_assistant(WS, &id, &json!({"name": "New"}))
            .unwrap_err();
        assert_eq!(err.message, "Assistant is archived and cannot be updated");
        assert_eq!(
            world
                .update_assistant(WS, "missing", &json!({}))
                .unwrap_err()
                .status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn preset_variants_need_their_config_and_custom_needs_a_prompt() {
        let mut world = World::seeded();
        let body = json!({"name": "Cart", "variant": {"type": "abandoned_cart"}, "agent": {"identity": {}}});
        assert_eq!(
            world.create_assistant(WS, &body).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        let body = json!({"name": "C", "variant": {"type": "custom"}, "agent": {"identity": {}}});
        assert_eq!(
            world.create_assistant(WS, &body).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        let body = json!({"name": "T", "variant": {"type": "custom"}, "agent": {"identity": {}, "systemPrompt": "x", "tools": ["nope"]}});
        assert_eq!(
            world.create_assistant(WS, &body).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}

//! User-defined API tools of a workspace.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::World;
use crate::clock::rfc3339_at;
use crate::error::ApiError;
use crate::ids::slugify;

/// An API tool; deleting it only stamps `deleted_at`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ApiTool {
    pub(crate) id: String,
    pub(crate) workspace: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) integration_id: String,
    pub(crate) is_active: bool,
    pub(crate) description: String,
    pub(crate) url: String,
    pub(crate) method: String,
    pub(crate) headers: Value,
    pub(crate) parameters: Value,
    pub(crate) deleted_at: Option<u64>,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
}

impl ApiTool {
    /// The `ApiTool` schema of the spec.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "name": self.name,
            "slug": self.slug,
            "integration_id": self.integration_id,
            "workspace": self.workspace,
            "isActive": self.is_active,
            "isPayloadPass": true,
            "config": {
                "description": self.description,
                "url": self.url,
                "method": self.method,
                "headers": self.headers,
                "body": self.parameters,
            },
            "deletedAt": self.deleted_at.map(rfc3339_at),
            "createdAt": rfc3339_at(self.created_at),
            "updatedAt": rfc3339_at(self.updated_at),
        })
    }

    fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }
}

const SIMILAR_NAME: &str = "An API tool with a similar name already exists in this workspace";

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl World {
    fn live_tool_mut(
        &mut self,
        workspace_id: &str,
        tool_id: &str,
    ) -> Result<&mut ApiTool, ApiError> {
        self.tools
            .get_mut(tool_id)
            .filter(|t| t.workspace == workspace_id && t.is_live())
            .ok_or_else(|| ApiError::not_found("API tool not found"))
    }

    fn slug_taken(&self, workspace_id: &str, slug: &str, except: Option<&str>) -> bool {
        self.tools.values().any(|t| {
            t.workspace == workspace_id
                && t.is_live()
                && t.slug == slug
                && Some(t.id.as_str()) != except
        })
    }

    /// The live tools of a workspace.
    pub(crate) fn list_tools(&self, workspace_id: &str) -> Vec<Value> {
        self.tools
            .values()
            .filter(|t| t.workspace == workspace_id && t.is_live())
            .map(ApiTool::to_json)
            .collect()
    }

    /// Creates a tool from a validated `CreateApiToolRequest`.
    pub(crate) fn create_tool(
        &mut self,
        workspace_id: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.ensure_workspace_writable(workspace_id)?;
        let name = text(body, "name").unwrap_or_default().trim().to_owned();
        let slug = slugify(&name);
        if slug.is_empty() {
            return Err(ApiError::bad_request(
                "Validation error: name must contain letters or digits",
            ));
        }
        if self.slug_taken(workspace_id, &slug, None) {
            return Err(ApiError::conflict(SIMILAR_NAME));
        }
        let integration_id = self
            .workspaces
            .get(workspace_id)
            .map(|w| w.integration_id.clone())
            .unwrap_or_default();
        let id = self.new_id();
        let now = self.now();
        let tool = ApiTool {
            id: id.clone(),
            workspace: workspace_id.to_owned(),
            name,
            slug,
            integration_id,
            is_active: body
                .get("isActive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            description: text(body, "description").unwrap_or_default(),
            url: text(body, "url").unwrap_or_default(),
            method: text(body, "method").unwrap_or_else(|| "post".into()),
            headers: body.get("headers").cloned().unwrap_or_else(|| json!([])),
            parameters: body
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| json!({"required": [], "properties": []})),
            deleted_at: None,
            created_at: now,
            updated_at: now,
        };
        let json = tool.to_json();
        self.tools.insert(id, tool);
        Ok(json)
    }

    /// Applies a validated `UpdateApiToolRequest`.
    pub(crate) fn update_tool(
        &mut self,
        workspace_id: &str,
        tool_id: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.live_tool_mut(workspace_id, tool_id)?;
        self.ensure_workspace_writable(workspace_id)?;
        let renamed = match text(body, "name") {
            Some(name) => {
                let name = name.trim().to_owned();
                let slug = slugify(&name);
                if slug.is_empty() {
                    return Err(ApiError::bad_request(
                        "Validation error: name must contain letters or digits",
                    ));
                }
                if self.slug_taken(workspace_id, &slug, Some(tool_id)) {
                    return Err(ApiError::conflict(SIMILAR_NAME));
                }
                Some((name, slug))
            }
            None => None,
        };
        let now = self.now();
        let tool = self.live_tool_mut(workspace_id, tool_id)?;
        if let Some((name, slug)) = renamed {
            tool.name = name;
            tool.slug = slug;
        }
        if let Some(v) = text(body, "description") {
            tool.description = v;
        }
        if let Some(v) = text(body, "url") {
            tool.url = v;
        }
        if let Some(v) = text(body, "method") {
            tool.method = v;
        }
        if let Some(v) = body.get("headers") {
            tool.headers = v.clone();
        }
        if let Some(v) = body.get("parameters") {
            tool.parameters = v.clone();
        }
        if let Some(v) = body.get("isActive").and_then(Value::as_bool) {
            tool.is_active = v;
        }
        tool.updated_at = now;
        Ok(tool.to_json())
    }

    /// Soft-deletes a tool.
    pub(crate) fn delete_tool(
        &mut self,
        workspace_id: &str,
        tool_id: &str,
    ) -> Result<(), ApiError> {
        let now = self.now();
        let tool = self.live_tool_mut(workspace_id, tool_id)?;
        tool.deleted_at = Some(now);
        tool.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::org::DEFAULT_WORKSPACE_ID as WS;
    use axum::http::StatusCode;

    fn body(name: &str) -> Value {
        json!({"name": name, "description": "d", "url": "https://example.com/x", "method": "post"})
    }

    #[test]
    fn tool_names_are_unique_by_slug() {
        let mut world = World::seeded();
        let created = world.create_tool(WS, &body("Check Order Status")).unwrap();
        assert_eq!(created["slug"], "check-order-status");
        assert_eq!(
            created["config"]["body"],
            json!({"required": [], "properties": []})
        );
        let clash = world
            .create_tool(WS, &body("check order-status"))
            .unwrap_err();
        assert_eq!(clash.status, StatusCode::CONFLICT);

        let other = world.create_tool(WS, &body("Lookup")).unwrap();
        let other_id = other["_id"].as_str().unwrap();
        let rename = world
            .update_tool(WS, other_id, &json!({"name": "Check Order Status"}))
            .unwrap_err();
        assert_eq!(rename.status, StatusCode::CONFLICT);
        let updated = world
            .update_tool(WS, other_id, &json!({"isActive": false}))
            .unwrap();
        assert_eq!(updated["isActive"], false);

        world.delete_tool(WS, other_id).unwrap();
        assert_eq!(
            world.delete_tool(WS, other_id).unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(world.list_tools(WS).len(), 1);
        // The name is free again once the tool is deleted.
        world.create_tool(WS, &body("Lookup")).unwrap();
    }

    #[test]
    fn names_in_any_script_are_accepted_and_unique() {
        let mut world = World::seeded();
        let created = world.create_tool(WS, &body("注文状況")).unwrap();
        assert_eq!(created["slug"], "注文状況");
        world.create_tool(WS, &body("配送状況")).unwrap();
        let clash = world.create_tool(WS, &body(" 注文状況 ")).unwrap_err();
        assert_eq!(clash.status, StatusCode::CONFLICT);
        let none = world.create_tool(WS, &body("!!!")).unwrap_err();
        assert_eq!(none.status, StatusCode::BAD_REQUEST);
    }
}

//! API tools: HTTP endpoints an assistant can call during a conversation.
//!
//! A tool's `headers` usually hold a credential for the user's own API (`Authorization: Bearer …`). The SDK
//! never prints one: bodies of the tool operations are [redacted](crate::redact) in logs and errors, and
//! [`ToolHeader`] holds a header value as a secret until it is put into the request.

use mirai_voice_generated::{OperationSpec, operations};
use std::fmt::{self, Display};

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use secrecy::{ExposeSecret, SecretString};

use super::resource::{convert_request, get_or_create};
use super::{GetOrCreate, Resource, missing_data, require_id};
use crate::client::Client;
use crate::ids::ToolId;
use crate::secret::REDACTED;

/// An API tool as listed, created or updated.
pub type Tool = Resource<ToolId, types::ApiTool>;

/// One HTTP header an API tool sends, its value held as a secret.
///
/// `Debug` shows the header name only. The value is exposed once, when the header is converted into the
/// generated request type (`types::ToolHeader`), which is sent as is.
///
/// ```
/// use mirai_voice::api::ToolHeader;
/// use mirai_voice::types::{CreateApiToolRequest, CreateApiToolRequestMethod};
///
/// let auth = ToolHeader::bearer("crm-token-123");
/// assert_eq!(format!("{auth:?}"), r#"ToolHeader { key: "Authorization", value: "[redacted]" }"#);
/// let request = CreateApiToolRequest::builder()
///     .name("order_lookup")
///     .description("Looks up an order by its number")
///     .url("https://example.com/orders")
///     .method(CreateApiToolRequestMethod::Get)
///     .headers(vec![auth.into(), ToolHeader::new("X-Tenant", "acme").into()]);
/// # let _ = request;
/// ```
#[derive(Clone)]
pub struct ToolHeader {
    key: String,
    value: SecretString,
}

impl ToolHeader {
    /// A header `key` with the secret `value`.
    pub fn new(key: impl Into<String>, value: impl Into<SecretString>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<SecretString>) -> Self {
        let token: SecretString = token.into();
        Self::new(
            "Authorization",
            SecretString::from(format!("Bearer {}", token.expose_secret())),
        )
    }

    /// The header name.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The header value, which the caller asks for explicitly.
    pub fn value(&self) -> &SecretString {
        &self.value
    }
}

impl fmt::Debug for ToolHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolHeader")
            .field("key", &self.key)
            .field("value", &REDACTED)
            .finish()
    }
}

impl From<ToolHeader> for types::ToolHeader {
    fn from(header: ToolHeader) -> Self {
        Self {
            key: header.key,
            value: header.value.expose_secret().to_owned(),
        }
    }
}

/// The API-tool operations; see [`Client::tools`].
#[derive(Clone, Copy, Debug)]
pub struct Tools<'a> {
    client: &'a Client,
}

impl<'a> Tools<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists the workspace's API tools (`listApiTools`).
    ///
    /// ```no_run
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// for tool in client.tools().list().await? {
    ///     println!("{:?} {:?}", tool.id, tool.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self) -> crate::Result<Vec<Tool>> {
        static OP: &OperationSpec = operations::LIST_API_TOOLS;
        let response = self.client.run(OP, |c| c.list_api_tools().send()).await?;
        let status = response.status();
        response
            .into_inner()
            .data
            .into_iter()
            .map(|t| Resource::identify(OP, status, "data[]._id", t, |t| t.id.as_ref()))
            .collect()
    }

    /// Creates an API tool (`createApiTool`). Names are unique per workspace: a clash is a 409
    /// ([`ErrorKind::Conflict`](crate::error::ErrorKind::Conflict)); [`get_or_create`](Self::get_or_create) turns
    /// it into the existing tool.
    pub async fn create<R>(&self, request: R) -> crate::Result<Tool>
    where
        R: TryInto<types::CreateApiToolRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::CREATE_API_TOOL;
        let response = self
            .client
            .run(OP, |c| c.create_api_tool().body(request).send())
            .await?;
        let status = response.status();
        let data = response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))?;
        Resource::identify(OP, status, "data._id", data, |t| t.id.as_ref())
    }

    /// Creates the tool, or, when the API answers 409 because the name exists, finds the tool of that name: two
    /// requests (`createApiTool`, then `listApiTools`) in that case. The existing tool is returned as it is (not
    /// compared with `request` nor updated); when no listed tool has the name, the 409 is returned.
    pub async fn get_or_create<R>(
        &self,
        request: R,
    ) -> crate::Result<GetOrCreate<ToolId, types::ApiTool, types::ApiTool>>
    where
        R: TryInto<types::CreateApiToolRequest>,
        R::Error: Display,
    {
        let request: types::CreateApiToolRequest = convert_request("createApiTool", request)?;
        let name = request.name.to_string();
        get_or_create(
            &name,
            self.create(request),
            || self.list(),
            |r| r.name.as_deref(),
        )
        .await
    }

    /// Updates an API tool (`updateApiTool`).
    pub async fn update<R>(&self, tool_id: impl Into<ToolId>, request: R) -> crate::Result<Tool>
    where
        R: TryInto<types::UpdateApiToolRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::UPDATE_API_TOOL;
        let tool_id = tool_id.into();
        require_id(OP.operation_id, "tool_id", tool_id.as_str())?;
        let response = self
            .client
            .run(OP, |c| {
                c.update_api_tool().tool_id(&tool_id).body(request).send()
            })
            .await?;
        let status = response.status();
        let data = response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))?;
        let id = data.id.clone().unwrap_or(tool_id);
        Ok(Resource::new(id, data))
    }

    /// Deletes an API tool (`deleteApiTool`).
    pub async fn delete(
        &self,
        tool_id: impl Into<ToolId>,
    ) -> crate::Result<types::DeleteApiToolResponse> {
        static OP: &OperationSpec = operations::DELETE_API_TOOL;
        let tool_id = tool_id.into();
        require_id(OP.operation_id, "tool_id", tool_id.as_str())?;
        let response = self
            .client
            .run(OP, |c| c.delete_api_tool().tool_id(&tool_id).send())
            .await?;
        Ok(response.into_inner())
    }
}

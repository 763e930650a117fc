//! API tools: HTTP endpoints an assistant can call during a conversation.

use std::fmt::Display;

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;

use super::require_id;
use crate::client::Client;

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
    pub async fn list(&self) -> crate::Result<Vec<types::ApiTool>> {
        let response = self
            .client
            .run("listApiTools", |c| c.list_api_tools().send())
            .await?;
        Ok(response.into_inner().data)
    }

    /// Creates an API tool (`createApiTool`); a name too close to an existing one is a 409.
    ///
    /// The request can be given as the generated builder; a value it rejects is an
    /// [`Error::Validation`](crate::Error::Validation), found before sending.
    ///
    /// ```no_run
    /// use mirai_voice::types::{CreateApiToolRequest, CreateApiToolRequestMethod};
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let created = client
    ///     .tools()
    ///     .create(
    ///         CreateApiToolRequest::builder()
    ///             .name("order_lookup")
    ///             .description("Looks up an order by its number")
    ///             .url("https://example.com/orders")
    ///             .method(CreateApiToolRequestMethod::Get),
    ///     )
    ///     .await?;
    /// println!("{:?}", created.data.and_then(|tool| tool.id));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create<R>(&self, request: R) -> crate::Result<types::CreateApiToolResponse>
    where
        R: TryInto<types::CreateApiToolRequest>,
        R::Error: Display,
    {
        let response = self
            .client
            .run("createApiTool", |c| {
                c.create_api_tool().body(request).send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Updates an API tool (`updateApiTool`).
    pub async fn update<R>(
        &self,
        tool_id: impl AsRef<str>,
        request: R,
    ) -> crate::Result<types::UpdateApiToolResponse>
    where
        R: TryInto<types::UpdateApiToolRequest>,
        R::Error: Display,
    {
        const OP: &str = "updateApiTool";
        let tool_id = tool_id.as_ref();
        require_id(OP, "tool_id", tool_id)?;
        let response = self
            .client
            .run(OP, |c| {
                c.update_api_tool().tool_id(tool_id).body(request).send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Deletes an API tool (`deleteApiTool`).
    pub async fn delete(
        &self,
        tool_id: impl AsRef<str>,
    ) -> crate::Result<types::DeleteApiToolResponse> {
        const OP: &str = "deleteApiTool";
        let tool_id = tool_id.as_ref();
        require_id(OP, "tool_id", tool_id)?;
        let response = self
            .client
            .run(OP, |c| c.delete_api_tool().tool_id(tool_id).send())
            .await?;
        Ok(response.into_inner())
    }
}

//! Assistants: create (or find by name), list, get, update.

use mirai_voice_generated::{OperationSpec, operations};
use std::fmt::Display;
use std::future::Future;

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;

use super::resource::{convert_request, get_or_create};
use super::{GetOrCreate, Resource, missing_data, require_id};
use crate::client::Client;
use crate::ids::AssistantId;

/// The assistant operations; see [`Client::assistants`].
///
/// There is no delete: archive the workspace or organization instead ([`Client::organizations`]).
#[derive(Clone, Copy, Debug)]
pub struct Assistants<'a> {
    client: &'a Client,
}

/// A created assistant: its id and what the API echoed.
pub type CreatedAssistant = Resource<AssistantId, types::AdminCreateAssistantResponseData>;

/// An assistant as listed or fetched, with its full configuration.
pub type Assistant = Resource<AssistantId, types::AssistantDetailResponse>;

impl<'a> Assistants<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Creates an assistant (`adminCreateAssistant`). Names are unique per workspace: a clash is a 409
    /// ([`ErrorKind::Conflict`](crate::error::ErrorKind::Conflict)); [`get_or_create`](Self::get_or_create) turns
    /// it into the existing assistant.
    ///
    /// Takes a [`CreateAssistant`](super::CreateAssistant) (or the generated
    /// [`types::AdminAssistantRequest`] and its builder); a request that cannot be sent as built (a name over 40
    /// characters, a variant number out of range) is an
    /// [`Error::Validation`](crate::Error::Validation) naming every problem, before anything is sent.
    ///
    /// ```no_run
    /// use mirai_voice::api::{AgentIdentity, AssistantVariant, CreateAssistant};
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let request = CreateAssistant::new("Cart saver", AgentIdentity::new("Asha"), AssistantVariant::abandoned_cart());
    /// let created = client.assistants().create(request).await?;
    /// println!("created assistant {}", created.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create<R>(&self, request: R) -> crate::Result<CreatedAssistant>
    where
        R: TryInto<types::AdminAssistantRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::ADMIN_CREATE_ASSISTANT;
        let response = self
            .client
            .run(OP, |c| c.admin_create_assistant().body(request).send())
            .await?;
        let status = response.status();
        let data = response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))?;
        Resource::identify(OP, status, "data.assistantId", data, |d| {
            d.assistant_id.as_ref()
        })
    }

    /// Creates the assistant, or, when the API answers 409 because the name exists, finds the assistant of that
    /// name: two requests (`adminCreateAssistant`, then `adminListAssistants`) in that case.
    ///
    /// The existing assistant is returned as it is: its configuration is not compared with `request` nor
    /// updated. When no listed assistant has the name (the clash was on something else), the 409 is returned.
    pub async fn get_or_create<R>(
        &self,
        request: R,
    ) -> crate::Result<
        GetOrCreate<
            AssistantId,
            types::AdminCreateAssistantResponseData,
            types::AssistantDetailResponse,
        >,
    >
    where
        R: TryInto<types::AdminAssistantRequest>,
        R::Error: Display,
    {
        let request: types::AdminAssistantRequest =
            convert_request("adminCreateAssistant", request)?;
        let name = request.name.to_string();
        get_or_create(
            &name,
            self.create(request),
            || self.list(),
            |r| r.name.as_deref(),
        )
        .await
    }

    /// Lists the workspace's assistants (`adminListAssistants`).
    pub async fn list(&self) -> crate::Result<Vec<Assistant>> {
        static OP: &OperationSpec = operations::ADMIN_LIST_ASSISTANTS;
        let response = self
            .client
            .run(OP, |c| c.admin_list_assistants().send())
            .await?;
        let status = response.status();
        response
            .into_inner()
            .data
            .into_iter()
            .map(|a| Resource::identify(OP, status, "data[]._id", a, |a| a.id.as_ref()))
            .collect()
    }

    /// Fetches one assistant with its full configuration (`adminGetAssistant`).
    pub fn get(
        &self,
        assistant_id: impl Into<AssistantId>,
    ) -> impl Future<Output = crate::Result<Assistant>> + Send + 'a {
        static OP: &OperationSpec = operations::ADMIN_GET_ASSISTANT;
        let client = self.client;
        let assistant_id = assistant_id.into();
        let checked = require_id(OP.operation_id, "assistant_id", assistant_id.as_str());
        // The builder holds its own copy of the id; its `send` runs inside the call (see `Call::new`).
        let request = client
            .raw()
            .admin_get_assistant()
            .assistant_id(&assistant_id);
        client
            .run_then(
                OP,
                move |_| request.send(),
                move |response| {
                    let status = response.status();
                    let data = response
                        .into_inner()
                        .data
                        .ok_or_else(|| missing_data(OP, status))?;
                    // The path named the assistant: a body without its own `_id` is still that assistant.
                    let id = data.id.clone().unwrap_or(assistant_id);
                    Ok(Resource::new(id, data))
                },
            )
            .rejecting(checked)
    }

    /// Updates an assistant (`adminUpdateAssistant`); only the given fields change, the variant type cannot.
    pub async fn update<R>(
        &self,
        assistant_id: impl Into<AssistantId>,
        request: R,
    ) -> crate::Result<types::AdminUpdateAssistantResponse>
    where
        R: TryInto<types::AdminAssistantUpdateRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::ADMIN_UPDATE_ASSISTANT;
        let assistant_id = assistant_id.into();
        require_id(OP.operation_id, "assistant_id", assistant_id.as_str())?;
        let response = self
            .client
            .run(OP, |c| {
                c.admin_update_assistant()
                    .assistant_id(&assistant_id)
                    .body(request)
                    .send()
            })
            .await?;
        Ok(response.into_inner())
    }
}

//! Assistants: create, list, get, update.

use std::fmt::Display;

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;

use super::require_id;
use crate::client::Client;

/// The assistant operations; see [`Client::assistants`].
///
/// There is no delete: archive the workspace or organization instead ([`Client::organizations`]).
#[derive(Clone, Copy, Debug)]
pub struct Assistants<'a> {
    client: &'a Client,
}

impl<'a> Assistants<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Creates an assistant (`adminCreateAssistant`). Names are unique per workspace: a clash is a 409
    /// ([`ErrorKind::Conflict`](crate::error::ErrorKind::Conflict)).
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
    /// println!("{:?}", created.data);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create<R>(&self, request: R) -> crate::Result<types::AdminCreateAssistantResponse>
    where
        R: TryInto<types::AdminAssistantRequest>,
        R::Error: Display,
    {
        let response = self
            .client
            .run("adminCreateAssistant", |c| {
                c.admin_create_assistant().body(request).send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Lists the workspace's assistants (`adminListAssistants`).
    pub async fn list(&self) -> crate::Result<Vec<types::AssistantDetailResponse>> {
        let response = self
            .client
            .run("adminListAssistants", |c| c.admin_list_assistants().send())
            .await?;
        Ok(response.into_inner().data)
    }

    /// Fetches one assistant with its full configuration (`adminGetAssistant`).
    pub async fn get(
        &self,
        assistant_id: impl AsRef<str>,
    ) -> crate::Result<types::AssistantAdminGetResponse> {
        const OP: &str = "adminGetAssistant";
        let assistant_id = assistant_id.as_ref();
        require_id(OP, "assistant_id", assistant_id)?;
        let response = self
            .client
            .run(OP, |c| {
                c.admin_get_assistant().assistant_id(assistant_id).send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Updates an assistant (`adminUpdateAssistant`); only the given fields change, the variant type cannot.
    pub async fn update<R>(
        &self,
        assistant_id: impl AsRef<str>,
        request: R,
    ) -> crate::Result<types::AdminUpdateAssistantResponse>
    where
        R: TryInto<types::AdminAssistantUpdateRequest>,
        R::Error: Display,
    {
        const OP: &str = "adminUpdateAssistant";
        let assistant_id = assistant_id.as_ref();
        require_id(OP, "assistant_id", assistant_id)?;
        let response = self
            .client
            .run(OP, |c| {
                c.admin_update_assistant()
                    .assistant_id(assistant_id)
                    .body(request)
                    .send()
            })
            .await?;
        Ok(response.into_inner())
    }
}

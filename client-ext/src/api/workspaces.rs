//! Workspace onboarding.

use mirai_voice_generated::{OperationSpec, operations};
use std::fmt::Display;

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;

use super::{Resource, missing_data};
use crate::client::Client;
use crate::ids::WorkspaceId;

/// The onboarding operations; see [`Client::workspaces`]. The organization is the one the keys belong to.
#[derive(Clone, Copy, Debug)]
pub struct Workspaces<'a> {
    client: &'a Client,
}

impl<'a> Workspaces<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Creates a custom workspace (`onboardCustomWorkspace`). Use the returned workspace id with
    /// [`Client::with_workspace`].
    ///
    /// ```no_run
    /// use mirai_voice::types::{
    ///     CustomOnboardingRequest, CustomOnboardingRequestCurrencyCode, CustomOnboardingRequestSupportContacts,
    ///     CustomOnboardingRequestTrustSignals,
    /// };
    ///
    /// # async fn example(client: mirai_voice::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let request = CustomOnboardingRequest::new(
    ///     "Acme",
    ///     "USD".parse::<CustomOnboardingRequestCurrencyCode>()?, // three letters, checked here
    ///     "UTC",
    ///     CustomOnboardingRequestSupportContacts::new("+15550100").email("help@acme.test"),
    ///     CustomOnboardingRequestTrustSignals::new("Fast shipping"),
    /// );
    /// let onboarded = client.workspaces().onboard_custom(request).await?;
    /// println!("{:?}", onboarded.data);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn onboard_custom<R>(
        &self,
        request: R,
    ) -> crate::Result<Resource<WorkspaceId, types::Workspace>>
    where
        R: TryInto<types::CustomOnboardingRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::ONBOARD_CUSTOM_WORKSPACE;
        let response = self
            .client
            .run(OP, |c| c.onboard_custom_workspace().body(request).send())
            .await?;
        let status = response.status();
        let data = response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))?;
        Resource::identify(OP, status, "data._id", data, |w| w.id.as_ref())
    }

    /// Onboards a Shopify store (`initializeWorkspace`): creates the workspace and its billing configuration.
    pub async fn onboard_shopify<R>(
        &self,
        request: R,
    ) -> crate::Result<Resource<WorkspaceId, types::OnboardingResponse>>
    where
        R: TryInto<types::OnboardingRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::INITIALIZE_WORKSPACE;
        let response = self
            .client
            .run(OP, |c| c.initialize_workspace().body(request).send())
            .await?;
        let status = response.status();
        Resource::identify(OP, status, "workspace", response.into_inner(), |r| {
            r.workspace.as_ref()
        })
    }
}

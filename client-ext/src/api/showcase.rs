//! The public showcase: example calls and flows. These routes are public: no credentials are sent.

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;

use super::require_id;
use crate::client::Client;

/// The showcase operations; see [`Client::showcase`].
#[derive(Clone, Copy, Debug)]
pub struct Showcase<'a> {
    client: &'a Client,
}

/// Filters for [`Showcase::list_calls`].
///
/// ```
/// use mirai_voice::api::ShowcaseCallsQuery;
/// let query = ShowcaseCallsQuery::default().category("abandoned_cart").language("hi");
/// assert_eq!(query.language.as_deref(), Some("hi"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShowcaseCallsQuery {
    /// A category such as `abandoned_cart` or `cod_confirmation` (`all` by default).
    pub category: Option<String>,
    /// A language code such as `hi` or `en` (`all` by default).
    pub language: Option<String>,
}

impl ShowcaseCallsQuery {
    /// Restricts to one category.
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Restricts to one language.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }
}

impl<'a> Showcase<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists showcase calls (`listShowcaseCalls`). A category or language the spec does not list is rejected
    /// before sending.
    ///
    /// ```no_run
    /// use mirai_voice::api::ShowcaseCallsQuery;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let calls = client.showcase().list_calls(ShowcaseCallsQuery::default().language("en")).await?;
    /// println!("{:?}", calls.data.map(|d| d.total));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_calls(
        &self,
        query: ShowcaseCallsQuery,
    ) -> crate::Result<types::ListShowcaseCallsResponse> {
        let response = self
            .client
            .run("listShowcaseCalls", |c| {
                let mut request = c.list_showcase_calls();
                if let Some(category) = query.category {
                    request = request.category(category);
                }
                if let Some(language) = query.language {
                    request = request.lang(language);
                }
                request.send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Fetches one showcase call (`getShowcaseCall`); the id is a 24-digit hex id.
    pub async fn get_call(
        &self,
        call_id: impl AsRef<str>,
    ) -> crate::Result<types::GetShowcaseCallResponse> {
        const OP: &str = "getShowcaseCall";
        let call_id = call_id.as_ref();
        require_id(OP, "call_id", call_id)?;
        let response = self
            .client
            .run(OP, |c| c.get_showcase_call().call_id(call_id).send())
            .await?;
        Ok(response.into_inner())
    }

    /// Lists showcase flows (`listShowcaseFlows`).
    pub async fn list_flows(&self) -> crate::Result<types::ListShowcaseFlowsResponse> {
        let response = self
            .client
            .run("listShowcaseFlows", |c| c.list_showcase_flows().send())
            .await?;
        Ok(response.into_inner())
    }

    /// Fetches one showcase flow (`getShowcaseFlow`); the id is a 24-digit hex id.
    pub async fn get_flow(
        &self,
        flow_id: impl AsRef<str>,
    ) -> crate::Result<types::GetShowcaseFlowResponse> {
        const OP: &str = "getShowcaseFlow";
        let flow_id = flow_id.as_ref();
        require_id(OP, "flow_id", flow_id)?;
        let response = self
            .client
            .run(OP, |c| c.get_showcase_flow().flow_id(flow_id).send())
            .await?;
        Ok(response.into_inner())
    }
}

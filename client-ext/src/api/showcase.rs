//! The public showcase: example calls and flows. These routes are public: no credentials are sent.

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use mirai_voice_generated::{OperationSpec, operations};

use super::{Resource, missing_data, require_id};
use crate::client::Client;
use crate::ids::{ShowcaseCallId, ShowcaseFlowId};

/// The showcase operations; see [`Client::showcase`].
#[derive(Clone, Copy, Debug)]
pub struct Showcase<'a> {
    client: &'a Client,
}

/// Filters for [`Showcase::list_calls`].
///
/// ```
/// use mirai_voice::api::ShowcaseCallsQuery;
/// use mirai_voice::types::{ListShowcaseCallsCategory as Category, ListShowcaseCallsLang as Lang};
///
/// let query = ShowcaseCallsQuery::default().category(Category::AbandonedCart).language(Lang::Hi);
/// assert_eq!(query.language, Some(Lang::Hi));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShowcaseCallsQuery {
    /// One category (the server's default is `all`).
    pub category: Option<types::ListShowcaseCallsCategory>,
    /// One language (the server's default is `all`).
    pub language: Option<types::ListShowcaseCallsLang>,
}

impl ShowcaseCallsQuery {
    /// Restricts to one category.
    pub fn category(mut self, category: types::ListShowcaseCallsCategory) -> Self {
        self.category = Some(category);
        self
    }

    /// Restricts to one language.
    pub fn language(mut self, language: types::ListShowcaseCallsLang) -> Self {
        self.language = Some(language);
        self
    }
}

impl<'a> Showcase<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists showcase calls (`listShowcaseCalls`): the calls and the total the API counts.
    ///
    /// ```no_run
    /// use mirai_voice::api::ShowcaseCallsQuery;
    /// use mirai_voice::types::ListShowcaseCallsLang;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let page = client.showcase().list_calls(ShowcaseCallsQuery::default().language(ListShowcaseCallsLang::En)).await?;
    /// println!("{} of {:?}", page.calls.len(), page.total);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_calls(
        &self,
        query: ShowcaseCallsQuery,
    ) -> crate::Result<types::ListShowcaseCallsResponseData> {
        static OP: &OperationSpec = operations::LIST_SHOWCASE_CALLS;
        let response = self
            .client
            .run(OP, |c| {
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
        let status = response.status();
        response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))
    }

    /// Fetches one showcase call (`getShowcaseCall`). An id that is not 24 hexadecimal digits (the spec's
    /// pattern) is refused before sending.
    pub async fn get_call(
        &self,
        call_id: impl Into<ShowcaseCallId>,
    ) -> crate::Result<Resource<ShowcaseCallId, types::ShowcaseCall>> {
        static OP: &OperationSpec = operations::GET_SHOWCASE_CALL;
        let call_id = call_id.into();
        require_id(OP.operation_id, "call_id", call_id.as_str())?;
        let response = self
            .client
            .run(OP, |c| {
                c.get_showcase_call().call_id(call_id.as_str()).send()
            })
            .await?;
        let status = response.status();
        let data = response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))?;
        let id = data.id.clone().unwrap_or(call_id);
        Ok(Resource::new(id, data))
    }

    /// Lists showcase flows (`listShowcaseFlows`).
    pub async fn list_flows(&self) -> crate::Result<types::ListShowcaseFlowsResponseData> {
        static OP: &OperationSpec = operations::LIST_SHOWCASE_FLOWS;
        let response = self
            .client
            .run(OP, |c| c.list_showcase_flows().send())
            .await?;
        let status = response.status();
        response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))
    }

    /// Fetches one showcase flow (`getShowcaseFlow`). An id that is not 24 hexadecimal digits (the spec's
    /// pattern) is refused before sending.
    pub async fn get_flow(
        &self,
        flow_id: impl Into<ShowcaseFlowId>,
    ) -> crate::Result<Resource<ShowcaseFlowId, types::ShowcaseFlow>> {
        static OP: &OperationSpec = operations::GET_SHOWCASE_FLOW;
        let flow_id = flow_id.into();
        require_id(OP.operation_id, "flow_id", flow_id.as_str())?;
        let response = self
            .client
            .run(OP, |c| {
                c.get_showcase_flow().flow_id(flow_id.as_str()).send()
            })
            .await?;
        let status = response.status();
        let data = response
            .into_inner()
            .data
            .ok_or_else(|| missing_data(OP, status))?;
        let id = data.id.clone().unwrap_or(flow_id);
        Ok(Resource::new(id, data))
    }
}

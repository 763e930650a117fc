//! The number pool: search, purchase and release telephony numbers. These operations are scoped by the
//! `organization` header, not by a workspace.

use mirai_voice_generated::{OperationSpec, operations};
use std::fmt::Display;
use std::future::Future;

use chrono::{DateTime, Utc};
use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use serde::Deserialize;

use super::{Envelope, ListEnvelope, missing_data, require_id};
use crate::client::Client;
use crate::ids::{NumberId, OrganizationId, WorkspaceId};

/// The number-pool operations; see [`Client::numbers`]. The client needs an organization
/// ([`ClientBuilder::organization`](crate::ClientBuilder::organization) or [`Client::with_organization`]).
#[derive(Clone, Copy, Debug)]
pub struct Numbers<'a> {
    client: &'a Client,
}

/// A search of the number pool.
///
/// ```
/// use mirai_voice::api::NumberSearch;
/// use mirai_voice::types::SearchAvailableNumbersNumberType as NumberType;
///
/// let search = NumberSearch::new("US").number_type(NumberType::Local).pattern("555").limit(10);
/// assert_eq!(search.country_code, "US");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NumberSearch {
    /// ISO 3166-1 alpha-2 country code (two letters).
    pub country_code: String,
    /// The kind of number (the spec lists `local`; kinds added later are sent as `Unknown`).
    pub number_type: Option<types::SearchAvailableNumbersNumberType>,
    /// Digits the number should contain.
    pub pattern: Option<String>,
    /// How many numbers to return (1 to 50; the API's default is 20).
    pub limit: Option<u64>,
    /// The provider (the API's default is `miraiminds`).
    pub provider: Option<String>,
}

impl NumberSearch {
    /// A search for numbers in `country_code`.
    pub fn new(country_code: impl Into<String>) -> Self {
        Self {
            country_code: country_code.into(),
            ..Self::default()
        }
    }

    /// Restricts the kind of number.
    pub fn number_type(mut self, number_type: types::SearchAvailableNumbersNumberType) -> Self {
        self.number_type = Some(number_type);
        self
    }

    /// Restricts to numbers containing `pattern`.
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    /// Limits the number of results.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Searches another provider's pool.
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }
}

/// A number that can be purchased.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AvailableNumber {
    /// The number (E.164).
    pub number: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// The kind of number, e.g. `local` (kept as sent, so kinds added later are not lost).
    pub number_type: Option<String>,
    /// Recurring monthly rate, in cents.
    pub monthly_rate_cents: Option<i64>,
    /// One-time setup fee, in cents.
    pub setup_fee_cents: Option<i64>,
}

/// A number the organization holds (or held).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OwnedNumber {
    /// The number's id: pass it to [`Numbers::release`].
    #[serde(rename = "_id")]
    pub id: Option<NumberId>,
    /// The number (E.164).
    pub number: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// The kind of number, e.g. `local`.
    pub number_type: Option<String>,
    /// `active` or `released` (kept as sent).
    pub status: Option<String>,
    /// The provider.
    pub provider: Option<String>,
    /// The provider's id for the number.
    pub provider_number_id: Option<String>,
    /// The owning organization.
    pub organization: Option<OrganizationId>,
    /// The workspace the number is assigned to.
    pub workspace: Option<WorkspaceId>,
    /// Recurring monthly rate, in cents.
    pub monthly_rate_cents: Option<i64>,
    /// One-time setup fee, in cents.
    pub setup_fee_cents: Option<i64>,
    /// When the number was purchased.
    pub created_at: Option<DateTime<Utc>>,
    /// When the number last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

impl OwnedNumber {
    /// Whether the number is active (not released).
    pub fn is_active(&self) -> bool {
        self.status.as_deref() == Some("active")
    }
}

impl<'a> Numbers<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Searches the pool (`searchAvailableNumbers`). A country code that is not two letters is rejected before
    /// sending.
    ///
    /// ```no_run
    /// use mirai_voice::api::NumberSearch;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let numbers = client.numbers().search(NumberSearch::new("US").limit(5)).await?;
    /// for number in &numbers {
    ///     println!("{:?} at {:?} cents/month", number.number, number.monthly_rate_cents);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search(&self, search: NumberSearch) -> crate::Result<Vec<AvailableNumber>> {
        let list: ListEnvelope<AvailableNumber> = self
            .client
            .run_tolerant(operations::SEARCH_AVAILABLE_NUMBERS, |c| {
                let mut request = c
                    .search_available_numbers()
                    .country_code(search.country_code);
                if let Some(number_type) = search.number_type {
                    request = request.number_type(number_type);
                }
                if let Some(pattern) = search.pattern {
                    request = request.pattern(pattern);
                }
                if let Some(limit) = search.limit {
                    request = request.limit(limit);
                }
                if let Some(provider) = search.provider {
                    request = request.provider(provider);
                }
                request.send()
            })
            .await?;
        Ok(list.into_items())
    }

    /// Purchases a number (`purchaseNumber`). Insufficient credit is a 402
    /// ([`ErrorKind::PaymentRequired`](crate::error::ErrorKind::PaymentRequired)).
    pub async fn purchase<R>(&self, request: R) -> crate::Result<OwnedNumber>
    where
        R: TryInto<types::PurchaseNumberRequest>,
        R::Error: Display,
    {
        static OP: &OperationSpec = operations::PURCHASE_NUMBER;
        self.phone_number(OP, |c| c.purchase_number().body(request).send())
            .await
    }

    /// Releases a number (`releaseNumber`); releasing it again is a 409.
    pub async fn release(
        &self,
        telephony_number_id: impl Into<NumberId>,
    ) -> crate::Result<OwnedNumber> {
        static OP: &OperationSpec = operations::RELEASE_NUMBER;
        let id = telephony_number_id.into();
        require_id(OP.operation_id, "telephony_number_id", id.as_str())?;
        self.phone_number(OP, |c| c.release_number().telephony_number_id(&id).send())
            .await
    }

    async fn phone_number<'c, G, F>(
        &'c self,
        operation: &'static OperationSpec,
        call: impl FnOnce(&'c crate::client::GenClient) -> F,
    ) -> crate::Result<OwnedNumber>
    where
        G: serde::Serialize,
        F: Future<
            Output = Result<mirai_voice_generated::ResponseValue<G>, crate::client::GenError>,
        >,
    {
        let (status, envelope): (_, Envelope<OwnedNumber>) =
            self.client.run_tolerant_status(operation, call).await?;
        envelope.data.ok_or_else(|| missing_data(operation, status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kinds_and_statuses_are_kept() {
        let number: OwnedNumber = serde_json::from_str(
            r#"{"_id":"n1","number":"+15550123","numberType":"toll-free","status":"suspended","createdAt":"2025-01-02T03:04:05Z"}"#,
        )
        .unwrap();
        assert_eq!(number.id.as_ref().map(|id| id.as_str()), Some("n1"));
        assert_eq!(number.number_type.as_deref(), Some("toll-free"));
        assert_eq!(number.status.as_deref(), Some("suspended"));
        assert!(!number.is_active());
        assert!(number.created_at.is_some());
    }
}

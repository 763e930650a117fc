//! [`NdrFollowup`]: the payload of `ndr_followup` assistants (a courier could not deliver a shipment).

use mirai_voice_generated::types;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Customer, Money, Problems};

/// The payload of an `ndr_followup` assistant: the shipment a courier could not deliver (a non-delivery
/// report), and why. The Shiprocket NDR webhook builds the same payload from courier fields
/// ([`Client::shiprocket_ndr_webhook`](crate::Client::shiprocket_ndr_webhook)).
///
/// Keys the spec does not name are sent as they are ([`NdrFollowup::extra`]); a key that names a typed field
/// (`awb`, `ndrReason`, ...) is refused before sending, as it would be written twice.
///
/// ```
/// use mirai_voice::api::payload::{Customer, Money, NdrFollowup};
///
/// # fn main() -> Result<(), mirai_voice::api::payload::MoneyError> {
/// let ndr = NdrFollowup::new("190123456789", "customer_unavailable", Customer::new("Jane"))
///     .courier_name("Delhivery")
///     .attempt_count(2)
///     .cod_amount(Money::new("1895.00")?)
///     .next_attempt_date("2026-07-30");
/// assert_eq!(ndr.attempt_count, Some(2));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NdrFollowup {
    /// The shipment's air waybill number.
    pub awb: String,
    /// The courier's NDR reason or a normalised code (e.g. `customer_unavailable`).
    pub ndr_reason: String,
    /// Whose shipment it is.
    pub customer: Customer,
    /// The courier (e.g. `Delhivery`).
    pub courier_name: Option<String>,
    /// The courier's remark (e.g. `Customer not available`).
    pub ndr_remark: Option<String>,
    /// How many delivery attempts failed so far.
    pub attempt_count: Option<u32>,
    /// The order's reference (e.g. `#1093`).
    pub order_id: Option<String>,
    /// What was ordered, in words the agent can say (e.g. `one t-shirt`).
    pub order_items: Option<String>,
    /// The amount to collect on delivery.
    pub cod_amount: Option<Money>,
    /// How the order is paid (e.g. `COD`).
    pub payment_method: Option<String>,
    /// The courier's next attempt date, as the courier gives it (e.g. `2026-07-30`).
    pub next_attempt_date: Option<String>,
    /// The shipping address.
    pub shipping_address: Option<NdrShippingAddress>,
    /// Keys the spec does not name, sent as they are next to the typed ones.
    pub extra: Map<String, Value>,
}

impl NdrFollowup {
    /// The shipment `awb` that could not be delivered for `ndr_reason`, belonging to `customer`.
    pub fn new(awb: impl Into<String>, ndr_reason: impl Into<String>, customer: Customer) -> Self {
        Self {
            awb: awb.into(),
            ndr_reason: ndr_reason.into(),
            customer,
            courier_name: None,
            ndr_remark: None,
            attempt_count: None,
            order_id: None,
            order_items: None,
            cod_amount: None,
            payment_method: None,
            next_attempt_date: None,
            shipping_address: None,
            extra: Map::new(),
        }
    }

    text_setters! {
        /// Sets the courier (e.g. `Delhivery`).
        courier_name,
        /// Sets the courier's remark.
        ndr_remark,
        /// Sets the order's reference (e.g. `#1093`).
        order_id,
        /// Sets what was ordered, in words the agent can say.
        order_items,
        /// Sets how the order is paid (e.g. `COD`).
        payment_method,
        /// Sets the courier's next attempt date (e.g. `2026-07-30`).
        next_attempt_date,
    }

    /// Sets how many delivery attempts failed so far.
    pub fn attempt_count(mut self, count: u32) -> Self {
        self.attempt_count = Some(count);
        self
    }

    /// Sets the amount to collect on delivery.
    pub fn cod_amount(mut self, amount: Money) -> Self {
        self.cod_amount = Some(amount);
        self
    }

    /// Sets the shipping address.
    pub fn shipping_address(mut self, address: impl Into<NdrShippingAddress>) -> Self {
        self.shipping_address = Some(address.into());
        self
    }

    /// Adds a key the spec does not name; setting it again replaces the value.
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The generated payload, or `None` with the reasons pushed to `problems`.
    pub(super) fn to_generated(
        &self,
        problems: &mut Problems,
    ) -> Option<types::NdrFollowupPayload> {
        problems.not_blank("awb", &self.awb);
        problems.not_blank("ndrReason", &self.ndr_reason);
        problems.not_blank("customer.firstName", &self.customer.first_name);
        problems.no_named_keys(
            "NDR follow-up",
            &self.extra,
            types::NdrFollowupPayload::NAMED_PROPERTIES,
        );
        Some(types::NdrFollowupPayload {
            attempt_count: self.attempt_count.map(f64::from),
            awb: self.awb.clone(),
            cod_amount: self.cod_amount.clone().map(Money::into_amount),
            courier_name: self.courier_name.clone(),
            customer: self.customer.clone().into(),
            ndr_reason: self.ndr_reason.clone(),
            ndr_remark: self.ndr_remark.clone(),
            next_attempt_date: self.next_attempt_date.clone(),
            order_id: self.order_id.clone(),
            order_items: self.order_items.clone(),
            payment_method: self.payment_method.clone(),
            shipping_address: self.shipping_address.clone().map(Into::into),
            extra: self.extra.clone(),
        })
    }
}

/// The shipping address of an NDR follow-up; every field is optional.
#[derive(Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NdrShippingAddress {
    /// The first address line.
    pub address1: Option<String>,
    /// The second address line (apartment, floor).
    pub address2: Option<String>,
    /// The city.
    pub city: Option<String>,
    /// The postal code.
    pub zip: Option<String>,
    /// The province or state.
    pub province: Option<String>,
    /// The country.
    pub country: Option<String>,
}

impl NdrShippingAddress {
    /// An address with no field set yet.
    pub fn new() -> Self {
        Self::default()
    }

    text_setters! {
        /// Sets the first address line.
        address1,
        /// Sets the second address line.
        address2,
        /// Sets the city.
        city,
        /// Sets the postal code.
        zip,
        /// Sets the province or state.
        province,
        /// Sets the country.
        country,
    }
}

impl From<NdrShippingAddress> for types::NdrFollowupPayloadShippingAddress {
    fn from(a: NdrShippingAddress) -> Self {
        Self {
            address1: a.address1,
            address2: a.address2,
            city: a.city,
            country: a.country,
            province: a.province,
            zip: a.zip,
        }
    }
}

redacted_debug!(NdrFollowup, NdrShippingAddress);

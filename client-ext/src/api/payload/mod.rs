//! Call payloads: the per-call values an assistant's flow reads, one typed builder per assistant variant.
//!
//! | assistant variant | payload | required in `new(..)` |
//! |---|---|---|
//! | `abandoned_cart` | [`AbandonedCart`] | customer (first name, phone), line items, the four [`CartTotals`] |
//! | `cod_to_prepaid`, `address_verification`, `order_confirmation` | [`ShopifyOrder`] | order name, customer (first name), total price, line items |
//! | `ndr_followup` | [`NdrFollowup`] | AWB, NDR reason, customer (first name) |
//! | `custom` | [`CallPayload::custom`] | a non-empty map of the variables the assistant's prompt uses |
//!
//! Every amount is a [`Money`]. A [`CallPayload`] always holds one variant: there is no empty payload (to send
//! none, set none). What the spec requires but a constructor cannot check (a line item list that is empty, a
//! quantity of zero, an empty custom map, a rate that is not a finite number) is reported as a [`PayloadError`]
//! naming every problem at once, and [`Calls::initiate`](crate::api::Calls::initiate) turns it into
//! [`ValidationError::InvalidRequest`](crate::error::ValidationError::InvalidRequest) before anything is sent.
//!
//! ```
//! use mirai_voice::api::InitiateCall;
//! use mirai_voice::api::payload::{AbandonedCart, CartCustomer, CartLineItem, CartTotals, Money};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let total = Money::new("1895.00")?;
//! let cart = AbandonedCart::new(
//!     CartCustomer::new("Asha", "+919876543210").last_name("Rao"),
//!     [CartLineItem::new("Block-print kurta", 1).variant("gid://shopify/ProductVariant/1", "M / Indigo")],
//!     CartTotals {
//!         line_items: total.clone(),
//!         subtotal: total.clone(),
//!         discount: Money::zero(),
//!         total,
//!     },
//! )
//! .checkout_url("https://shop.example/checkouts/ac/abc/recover")
//! .discount_code("WELCOME10");
//! let call = InitiateCall::new("+919876543210".parse()?, "6650f0c2a1b2c3d4e5f60718").payload(cart);
//! # let _ = call;
//! # Ok(())
//! # }
//! ```
//!
//! Payloads may carry credentials (a `token` for the assistant's pre-call request, a recovery URL's `key`):
//! their `Debug` is the payload's JSON [redacted](crate::redact::redact_json), as in the SDK's logs.

#![warn(missing_docs)]

/// Setters for optional text fields: `fn name(self, value: impl Into<String>) -> Self`, one per field.
macro_rules! text_setters {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $field(mut self, value: impl Into<String>) -> Self {
                self.$field = Some(value.into());
                self
            }
        )*
    };
}

/// `Debug` as the value's JSON with credentials masked (see [`crate::redact::RedactedJson`]).
macro_rules! redacted_debug {
    ($($ty:ty),* $(,)?) => {
        $(
            impl std::fmt::Debug for $ty {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{}{:?}", stringify!($ty), crate::redact::RedactedJson(self))
                }
            }
        )*
    };
}

mod cart;
mod customer;
mod money;
mod ndr;
mod order;

pub use cart::{
    AbandonedCart, CartBillingAddress, CartCustomer, CartLineItem, CartShippingAddress, CartTotals,
    TaxLine,
};
pub use customer::Customer;
pub use money::{Money, MoneyError};
pub use ndr::{NdrFollowup, NdrShippingAddress};
pub use order::{OrderDiscountCode, OrderLineItem, OrderShippingAddress, ShopifyOrder};

use mirai_voice_generated::types;
use serde::Serialize;
use serde_json::{Map, Value};

/// The payload of a call: exactly one of the shapes the API takes, chosen by the assistant's variant.
///
/// Build it with a constructor per variant, or pass a variant's builder wherever a `CallPayload` is taken
/// (`InitiateCall::payload(cart)`): each converts with `From`.
///
/// ```
/// use mirai_voice::api::payload::CallPayload;
///
/// let payload = CallPayload::custom_entries([("orderId", "1001"), ("customerName", "Jane")]);
/// assert!(matches!(payload, CallPayload::Custom(ref map) if map["orderId"] == "1001"));
/// ```
#[derive(Clone, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum CallPayload {
    /// For `abandoned_cart` assistants.
    AbandonedCart(AbandonedCart),
    /// For `cod_to_prepaid`, `address_verification` and `order_confirmation` assistants.
    ShopifyOrder(ShopifyOrder),
    /// For `ndr_followup` assistants.
    NdrFollowup(NdrFollowup),
    /// For `custom` assistants: the variables the prompt's `{{placeholders}}` read, sent as they are.
    Custom(Map<String, Value>),
}

impl CallPayload {
    /// An abandoned-cart payload.
    pub fn abandoned_cart(cart: AbandonedCart) -> Self {
        Self::AbandonedCart(cart)
    }

    /// A Shopify order payload (COD to prepaid, address verification, order confirmation).
    pub fn shopify_order(order: ShopifyOrder) -> Self {
        Self::ShopifyOrder(order)
    }

    /// An NDR (non-delivery report) follow-up payload.
    pub fn ndr_followup(followup: NdrFollowup) -> Self {
        Self::NdrFollowup(followup)
    }

    /// A custom assistant's payload, sent as it is. It must hold at least one key (checked before sending).
    pub fn custom(values: Map<String, Value>) -> Self {
        Self::Custom(values)
    }

    /// A custom assistant's payload from key-value pairs; a key given twice keeps its last value.
    pub fn custom_entries<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<Value>,
    {
        Self::Custom(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The generated parts of this payload, or every problem that keeps it from being sent.
    fn to_parts(&self) -> Result<Parts, PayloadError> {
        let mut problems = Problems::default();
        let parts = match self {
            Self::AbandonedCart(cart) => cart.to_generated(&mut problems).map(Parts::AbandonedCart),
            Self::ShopifyOrder(order) => order.to_generated(&mut problems).map(Parts::ShopifyOrder),
            Self::NdrFollowup(ndr) => ndr.to_generated(&mut problems).map(Parts::NdrFollowup),
            Self::Custom(values) => {
                if values.is_empty() {
                    problems
                        .push("a custom payload has no keys: set at least one, or set no payload");
                }
                Some(Parts::Custom(types::CustomPayload(values.clone())))
            }
        };
        match (parts, problems.into_error()) {
            (Some(parts), None) => Ok(parts),
            (_, Some(error)) => Err(error),
            // A builder that gives nothing always reports why; this arm keeps that promise checked.
            (None, None) => Err(PayloadError {
                problems: vec!["the payload could not be converted".into()],
            }),
        }
    }
}

impl From<AbandonedCart> for CallPayload {
    fn from(cart: AbandonedCart) -> Self {
        Self::AbandonedCart(cart)
    }
}

impl From<ShopifyOrder> for CallPayload {
    fn from(order: ShopifyOrder) -> Self {
        Self::ShopifyOrder(order)
    }
}

impl From<NdrFollowup> for CallPayload {
    fn from(followup: NdrFollowup) -> Self {
        Self::NdrFollowup(followup)
    }
}

impl From<Map<String, Value>> for CallPayload {
    fn from(values: Map<String, Value>) -> Self {
        Self::Custom(values)
    }
}

redacted_debug!(CallPayload);

/// The generated value of each variant; converted once, then wrapped in either request's union.
enum Parts {
    AbandonedCart(types::AbandonedCartPayload),
    ShopifyOrder(types::ShopifyOrderPayload),
    NdrFollowup(types::NdrFollowupPayload),
    Custom(types::CustomPayload),
}

impl TryFrom<&CallPayload> for types::InitiateCallRequestPayload {
    type Error = PayloadError;

    fn try_from(payload: &CallPayload) -> Result<Self, PayloadError> {
        Ok(match payload.to_parts()? {
            Parts::AbandonedCart(p) => Self::AbandonedCartPayload(p),
            Parts::ShopifyOrder(p) => Self::ShopifyOrderPayload(p),
            Parts::NdrFollowup(p) => Self::NdrFollowupPayload(p),
            Parts::Custom(p) => Self::CustomPayload(p),
        })
    }
}

impl TryFrom<CallPayload> for types::InitiateCallRequestPayload {
    type Error = PayloadError;

    fn try_from(payload: CallPayload) -> Result<Self, PayloadError> {
        Self::try_from(&payload)
    }
}

impl TryFrom<&CallPayload> for types::InitiateWebCallRequestPayload {
    type Error = PayloadError;

    fn try_from(payload: &CallPayload) -> Result<Self, PayloadError> {
        Ok(match payload.to_parts()? {
            Parts::AbandonedCart(p) => Self::AbandonedCartPayload(p),
            Parts::ShopifyOrder(p) => Self::ShopifyOrderPayload(p),
            Parts::NdrFollowup(p) => Self::NdrFollowupPayload(p),
            Parts::Custom(p) => Self::CustomPayload(p),
        })
    }
}

impl TryFrom<CallPayload> for types::InitiateWebCallRequestPayload {
    type Error = PayloadError;

    fn try_from(payload: CallPayload) -> Result<Self, PayloadError> {
        Self::try_from(&payload)
    }
}

/// A payload that cannot be sent as built, with every reason at once (not one field per try).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid call payload: {}", problems.join("; "))]
pub struct PayloadError {
    problems: Vec<String>,
}

impl PayloadError {
    /// What is wrong, one sentence per problem, in field order.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// The problems found while converting one payload.
#[derive(Default)]
pub(crate) struct Problems(Vec<String>);

impl Problems {
    pub(crate) fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    /// Reports a required text that is empty or only whitespace: the field is present but says nothing.
    pub(crate) fn not_blank(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(format!("`{field}` is empty"));
        }
    }

    /// A finite number, or a problem naming `field`: JSON has no NaN or infinity (serde would send `null`).
    pub(crate) fn finite(&mut self, field: &str, value: Option<f64>) -> Option<f64> {
        match value {
            Some(v) if !v.is_finite() => {
                self.push(format!("`{field}` is {v}, not a finite number"));
                None
            }
            other => other,
        }
    }

    /// Refuses free-form keys that name a typed property: they would be written twice in the JSON object.
    pub(crate) fn no_named_keys(
        &mut self,
        place: &str,
        extra: &Map<String, Value>,
        named: &[&str],
    ) {
        for key in extra.keys().filter(|k| named.contains(&k.as_str())) {
            self.push(format!(
                "{place} extra key `{key}` names a typed field: use its setter instead"
            ));
        }
    }

    /// The problems found, in order.
    pub(crate) fn into_messages(self) -> Vec<String> {
        self.0
    }

    fn into_error(self) -> Option<PayloadError> {
        (!self.0.is_empty()).then_some(PayloadError { problems: self.0 })
    }
}

#[cfg(test)]
mod tests;

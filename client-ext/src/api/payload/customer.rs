//! [`Customer`]: the person a Shopify order or NDR follow-up call is about.

use mirai_voice_generated::types;
use serde::Serialize;

/// The customer of a [`ShopifyOrder`](super::ShopifyOrder) or [`NdrFollowup`](super::NdrFollowup): only the first
/// name is required (the agent greets by it).
///
/// ```
/// use mirai_voice::api::payload::Customer;
/// let jane = Customer::new("Jane").last_name("Doe").phone("+919876543210");
/// assert_eq!(jane.first_name, "Jane");
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Customer {
    /// The first name the agent uses.
    pub first_name: String,
    /// The last name.
    pub last_name: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// The phone number (E.164 recommended).
    pub phone: Option<String>,
}

impl Customer {
    /// A customer called `first_name`.
    pub fn new(first_name: impl Into<String>) -> Self {
        Self {
            first_name: first_name.into(),
            last_name: None,
            email: None,
            phone: None,
        }
    }

    text_setters! {
        /// Sets the last name.
        last_name,
        /// Sets the email address.
        email,
        /// Sets the phone number (E.164 recommended).
        phone,
    }
}

redacted_debug!(Customer);

impl From<Customer> for types::ShopifyOrderPayloadCustomer {
    fn from(c: Customer) -> Self {
        Self {
            email: c.email,
            first_name: c.first_name,
            last_name: c.last_name,
            phone: c.phone,
        }
    }
}

impl From<Customer> for types::NdrFollowupPayloadCustomer {
    fn from(c: Customer) -> Self {
        Self {
            email: c.email,
            first_name: c.first_name,
            last_name: c.last_name,
            phone: c.phone,
        }
    }
}

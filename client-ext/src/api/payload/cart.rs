//! [`AbandonedCart`]: the payload of `abandoned_cart` assistants, shaped like Shopify's abandoned checkout.

use std::num::NonZeroU64;

use mirai_voice_generated::types;
use serde::Serialize;

use super::{Money, Problems};

/// The payload of an `abandoned_cart` assistant: who left which products, and the cart's totals.
///
/// The API refuses keys it does not name in this payload (`additionalProperties: false`), so there is no free-form
/// escape hatch here: per-call values of your own go in the call's metadata
/// ([`InitiateCall::metadata_entry`](crate::api::InitiateCall::metadata_entry)).
///
/// Server defaults: `discountCodes` is `[]` when not set; the other optional fields are absent.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AbandonedCart {
    /// Who abandoned the cart.
    pub customer: CartCustomer,
    /// The products in the cart; at least one (checked before sending).
    pub line_items: Vec<CartLineItem>,
    /// The cart's four totals.
    pub totals: CartTotals,
    /// Shopify's abandoned checkout id (e.g. `gid://shopify/AbandonedCheckout/66509168181329`).
    pub id: Option<String>,
    /// The recovery URL the agent can send (Shopify's `abandonedCheckoutUrl`).
    pub checkout_url: Option<String>,
    /// Discount codes applied to the cart.
    pub discount_codes: Vec<String>,
    /// Whether the prices include taxes.
    pub taxes_included: Option<bool>,
    /// The taxes charged.
    pub tax_lines: Vec<TaxLine>,
    /// The billing address.
    pub billing_address: Option<CartBillingAddress>,
    /// The shipping address.
    pub shipping_address: Option<CartShippingAddress>,
}

impl AbandonedCart {
    /// The cart `customer` left with `line_items` (at least one) and `totals`.
    pub fn new<I>(customer: CartCustomer, line_items: I, totals: CartTotals) -> Self
    where
        I: IntoIterator,
        I::Item: Into<CartLineItem>,
    {
        Self {
            customer,
            line_items: line_items.into_iter().map(Into::into).collect(),
            totals,
            id: None,
            checkout_url: None,
            discount_codes: Vec::new(),
            taxes_included: None,
            tax_lines: Vec::new(),
            billing_address: None,
            shipping_address: None,
        }
    }

    text_setters! {
        /// Sets Shopify's abandoned checkout id (e.g. `gid://shopify/AbandonedCheckout/66509168181329`).
        id,
        /// Sets the checkout's recovery URL (Shopify's `abandonedCheckoutUrl`).
        checkout_url,
    }

    /// Adds a product to the cart.
    pub fn line_item(mut self, item: impl Into<CartLineItem>) -> Self {
        self.line_items.push(item.into());
        self
    }

    /// Adds a discount code applied to the cart.
    pub fn discount_code(mut self, code: impl Into<String>) -> Self {
        self.discount_codes.push(code.into());
        self
    }

    /// Sets whether the prices include taxes.
    pub fn taxes_included(mut self, included: bool) -> Self {
        self.taxes_included = Some(included);
        self
    }

    /// Adds a tax charged on the cart.
    pub fn tax_line(mut self, tax: impl Into<TaxLine>) -> Self {
        self.tax_lines.push(tax.into());
        self
    }

    /// Sets the billing address.
    pub fn billing_address(mut self, address: impl Into<CartBillingAddress>) -> Self {
        self.billing_address = Some(address.into());
        self
    }

    /// Sets the shipping address.
    pub fn shipping_address(mut self, address: impl Into<CartShippingAddress>) -> Self {
        self.shipping_address = Some(address.into());
        self
    }

    /// The generated payload, or `None` with the reasons pushed to `problems`.
    pub(super) fn to_generated(
        &self,
        problems: &mut Problems,
    ) -> Option<types::AbandonedCartPayload> {
        problems.not_blank("customer.firstName", &self.customer.first_name);
        problems.not_blank("customer.phone", &self.customer.phone);
        if self.line_items.is_empty() {
            problems.push(
                "an abandoned cart needs at least one line item (`lineItems` has minItems 1)",
            );
        }
        let mut line_items = Vec::with_capacity(self.line_items.len());
        for (i, item) in self.line_items.iter().enumerate() {
            problems.not_blank(&format!("lineItems[{i}].title"), &item.title);
            match NonZeroU64::new(u64::from(item.quantity)) {
                Some(quantity) => line_items.push(types::AbandonedCartPayloadLineItemsItem {
                    quantity,
                    title: item.title.clone(),
                    variant: item.variant.clone().map(|(id, title)| {
                        types::AbandonedCartPayloadLineItemsItemVariant { id, title }
                    }),
                }),
                None => problems.push(format!("`lineItems[{i}].quantity` is 0; the minimum is 1")),
            }
        }
        let tax_lines = self
            .tax_lines
            .iter()
            .enumerate()
            .map(|(i, tax)| types::AbandonedCartPayloadTaxLinesItem {
                price: tax.price.clone().map(Money::into_amount),
                rate: problems.finite(&format!("taxLines[{i}].rate"), tax.rate),
                rate_percentage: problems.finite(
                    &format!("taxLines[{i}].ratePercentage"),
                    tax.rate_percentage,
                ),
                source: tax.source.clone(),
                title: tax.title.clone(),
            })
            .collect();
        if line_items.len() != self.line_items.len() || self.line_items.is_empty() {
            return None;
        }
        let totals = self.totals.clone();
        Some(types::AbandonedCartPayload {
            abandoned_checkout_url: self.checkout_url.clone(),
            billing_address: self.billing_address.clone().map(Into::into),
            customer: self.customer.clone().into(),
            discount_codes: self.discount_codes.clone(),
            id: self.id.clone(),
            line_items,
            shipping_address: self.shipping_address.clone().map(Into::into),
            subtotal_price_set: totals.subtotal.into(),
            tax_lines,
            taxes_included: self.taxes_included,
            total_discount_set: totals.discount.into(),
            total_line_items_price_set: totals.line_items.into(),
            total_price_set: totals.total.into(),
        })
    }
}

/// The four totals of an abandoned cart, as Shopify reports them. Named fields, so the four amounts cannot be
/// swapped silently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CartTotals {
    /// The sum of the line items' prices (`totalLineItemsPriceSet`).
    pub line_items: Money,
    /// The price after discounts, before shipping and taxes (`subtotalPriceSet`).
    pub subtotal: Money,
    /// The total discount (`totalDiscountSet`); [`Money::zero`] when there is none.
    pub discount: Money,
    /// What the customer pays (`totalPriceSet`).
    pub total: Money,
}

/// The customer of an abandoned cart: first name and phone are required (the agent calls and greets them).
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CartCustomer {
    /// The first name the agent uses.
    pub first_name: String,
    /// The phone number (E.164 recommended).
    pub phone: String,
    /// The last name.
    pub last_name: Option<String>,
    /// The email address.
    pub email: Option<String>,
}

impl CartCustomer {
    /// The customer `first_name`, reachable at `phone`.
    pub fn new(first_name: impl Into<String>, phone: impl Into<String>) -> Self {
        Self {
            first_name: first_name.into(),
            phone: phone.into(),
            last_name: None,
            email: None,
        }
    }

    text_setters! {
        /// Sets the last name.
        last_name,
        /// Sets the email address.
        email,
    }
}

impl From<CartCustomer> for types::AbandonedCartPayloadCustomer {
    fn from(c: CartCustomer) -> Self {
        Self {
            email: c.email,
            first_name: c.first_name,
            last_name: c.last_name,
            phone: c.phone,
        }
    }
}

/// A product in an abandoned cart: its title and quantity (at least 1, checked before sending), optionally the
/// product variant. The API takes no per-item price: the cart's prices are its [`CartTotals`].
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CartLineItem {
    /// The product title.
    pub title: String,
    /// How many; at least 1.
    pub quantity: u32,
    /// The product variant's id and title (e.g. `gid://shopify/ProductVariant/58523289485393`, `M / Indigo`).
    pub variant: Option<(String, String)>,
}

impl CartLineItem {
    /// `quantity` of `title`.
    pub fn new(title: impl Into<String>, quantity: u32) -> Self {
        Self {
            title: title.into(),
            quantity,
            variant: None,
        }
    }

    /// Sets the product variant: its id and its title.
    pub fn variant(mut self, id: impl Into<String>, title: impl Into<String>) -> Self {
        self.variant = Some((id.into(), title.into()));
        self
    }
}

/// A tax charged on an abandoned cart (e.g. `IGST` at 5 %).
#[derive(Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaxLine {
    /// The tax's name (e.g. `IGST`).
    pub title: Option<String>,
    /// The amount of tax.
    pub price: Option<Money>,
    /// The rate as a fraction (`0.05`).
    pub rate: Option<f64>,
    /// The rate in percent (`5`).
    pub rate_percentage: Option<f64>,
    /// Where the tax comes from, as Shopify reports it.
    pub source: Option<String>,
}

impl TaxLine {
    /// The tax `title` amounting to `price`.
    pub fn new(title: impl Into<String>, price: Money) -> Self {
        Self {
            title: Some(title.into()),
            price: Some(price),
            ..Self::default()
        }
    }

    /// Sets the rate as a fraction (`0.05`). Must be a finite number (checked before sending).
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Sets the rate in percent (`5`). Must be a finite number (checked before sending).
    pub fn rate_percentage(mut self, percent: f64) -> Self {
        self.rate_percentage = Some(percent);
        self
    }

    text_setters! {
        /// Sets where the tax comes from.
        source,
    }
}

/// The shipping address of an abandoned cart; every field is optional.
#[derive(Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CartShippingAddress {
    /// The first address line.
    pub address1: Option<String>,
    /// The second address line (apartment, floor).
    pub address2: Option<String>,
    /// The city.
    pub city: Option<String>,
    /// The province or state (e.g. `Delhi`).
    pub province: Option<String>,
    /// The province code (e.g. `DL`).
    pub province_code: Option<String>,
    /// The postal code.
    pub zip: Option<String>,
    /// The country (e.g. `India`).
    pub country: Option<String>,
    /// The phone number at this address.
    pub phone: Option<String>,
}

impl CartShippingAddress {
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
        /// Sets the province or state.
        province,
        /// Sets the province code.
        province_code,
        /// Sets the postal code.
        zip,
        /// Sets the country.
        country,
        /// Sets the phone number.
        phone,
    }
}

impl From<CartShippingAddress> for types::AbandonedCartPayloadShippingAddress {
    fn from(a: CartShippingAddress) -> Self {
        Self {
            address1: a.address1,
            address2: a.address2,
            city: a.city,
            country: a.country,
            phone: a.phone,
            province: a.province,
            province_code: a.province_code,
            zip: a.zip,
        }
    }
}

/// The billing address of an abandoned cart: the API takes only its country and phone.
#[derive(Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CartBillingAddress {
    /// The country (e.g. `India`).
    pub country: Option<String>,
    /// The billing phone number.
    pub phone: Option<String>,
}

impl CartBillingAddress {
    /// An address with no field set yet.
    pub fn new() -> Self {
        Self::default()
    }

    text_setters! {
        /// Sets the country.
        country,
        /// Sets the billing phone number.
        phone,
    }
}

impl From<CartBillingAddress> for types::AbandonedCartPayloadBillingAddress {
    fn from(a: CartBillingAddress) -> Self {
        Self {
            country: a.country,
            phone: a.phone,
        }
    }
}

redacted_debug!(
    AbandonedCart,
    CartCustomer,
    CartLineItem,
    TaxLine,
    CartShippingAddress,
    CartBillingAddress
);

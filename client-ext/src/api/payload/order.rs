//! [`ShopifyOrder`]: the payload of `cod_to_prepaid`, `address_verification` and `order_confirmation`
//! assistants, shaped like Shopify's order webhook.

use mirai_voice_generated::types;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Customer, Money, Problems};

/// The payload of a `cod_to_prepaid`, `address_verification` or `order_confirmation` assistant.
///
/// Server defaults: `discountCodes` and `paymentGatewayNames` are `[]` when not set; the other optional fields
/// are absent.
///
/// Keys the spec does not name are sent as they are ([`ShopifyOrder::extra`]); a key that names a typed field
/// (`name`, `totalPrice`, ...) is refused before sending, as it would be written twice.
///
/// ```
/// use mirai_voice::api::payload::{Customer, Money, OrderLineItem, OrderShippingAddress, ShopifyOrder};
///
/// # fn main() -> Result<(), mirai_voice::api::payload::MoneyError> {
/// let order = ShopifyOrder::new("#1093", Customer::new("Jane"), Money::new("1895.00")?, [OrderLineItem::new("Kurta", 1)])
///     .financial_status("pending")
///     .payment_gateway("cash_on_delivery")
///     .shipping_address(OrderShippingAddress::new().city("Delhi").zip("110001"))
///     .extra("storeRegion", "north");
/// assert_eq!(order.total_price.amount(), "1895.00");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShopifyOrder {
    /// The order's name / reference (e.g. `#1093`).
    pub name: String,
    /// Who placed the order.
    pub customer: Customer,
    /// The order's total.
    pub total_price: Money,
    /// The ordered products; at least one (checked before sending).
    pub line_items: Vec<OrderLineItem>,
    /// Discount codes applied to the order.
    pub discount_codes: Vec<OrderDiscountCode>,
    /// Shopify's financial status (e.g. `pending`); used by `order_confirmation` to detect the payment mode.
    pub financial_status: Option<String>,
    /// Shopify's payment gateway names (e.g. `cash_on_delivery`); used by `order_confirmation`.
    pub payment_gateway_names: Vec<String>,
    /// The shipping address; used by `address_verification`.
    pub shipping_address: Option<OrderShippingAddress>,
    /// Keys the spec does not name, sent as they are next to the typed ones.
    pub extra: Map<String, Value>,
}

impl ShopifyOrder {
    /// The order `name` (e.g. `#1093`) placed by `customer`, totalling `total_price`, with `line_items` (at least
    /// one).
    pub fn new<I>(
        name: impl Into<String>,
        customer: Customer,
        total_price: Money,
        line_items: I,
    ) -> Self
    where
        I: IntoIterator,
        I::Item: Into<OrderLineItem>,
    {
        Self {
            name: name.into(),
            customer,
            total_price,
            line_items: line_items.into_iter().map(Into::into).collect(),
            discount_codes: Vec::new(),
            financial_status: None,
            payment_gateway_names: Vec::new(),
            shipping_address: None,
            extra: Map::new(),
        }
    }

    text_setters! {
        /// Sets Shopify's financial status (e.g. `pending`).
        financial_status,
    }

    /// Adds an ordered product.
    pub fn line_item(mut self, item: impl Into<OrderLineItem>) -> Self {
        self.line_items.push(item.into());
        self
    }

    /// Adds a discount code applied to the order.
    pub fn discount_code(mut self, code: impl Into<OrderDiscountCode>) -> Self {
        self.discount_codes.push(code.into());
        self
    }

    /// Adds a payment gateway name (e.g. `cash_on_delivery`).
    pub fn payment_gateway(mut self, name: impl Into<String>) -> Self {
        self.payment_gateway_names.push(name.into());
        self
    }

    /// Sets the shipping address.
    pub fn shipping_address(mut self, address: impl Into<OrderShippingAddress>) -> Self {
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
    ) -> Option<types::ShopifyOrderPayload> {
        problems.not_blank("name", &self.name);
        problems.not_blank("customer.firstName", &self.customer.first_name);
        if self.line_items.is_empty() {
            problems
                .push("a Shopify order needs at least one line item (`lineItems` has minItems 1)");
        }
        for (i, item) in self.line_items.iter().enumerate() {
            problems.not_blank(&format!("lineItems[{i}].title"), &item.title);
            if item.quantity == 0 {
                problems.push(format!(
                    "`lineItems[{i}].quantity` is 0; an ordered product has at least 1"
                ));
            }
        }
        problems.no_named_keys(
            "Shopify order",
            &self.extra,
            types::ShopifyOrderPayload::NAMED_PROPERTIES,
        );
        Some(types::ShopifyOrderPayload {
            customer: self.customer.clone().into(),
            discount_codes: self
                .discount_codes
                .iter()
                .cloned()
                .map(Into::into)
                .collect(),
            financial_status: self.financial_status.clone(),
            line_items: self.line_items.iter().cloned().map(Into::into).collect(),
            name: self.name.clone(),
            payment_gateway_names: self.payment_gateway_names.clone(),
            shipping_address: self.shipping_address.clone().map(Into::into),
            total_price: self.total_price.clone().into_amount(),
            extra: self.extra.clone(),
        })
    }
}

/// An ordered product: title, quantity and optionally the variant's title. The API takes no per-item price.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderLineItem {
    /// The product title.
    pub title: String,
    /// How many; at least 1 (checked before sending).
    pub quantity: u32,
    /// The variant's title (e.g. `M / Indigo`).
    pub variant_title: Option<String>,
}

impl OrderLineItem {
    /// `quantity` of `title`.
    pub fn new(title: impl Into<String>, quantity: u32) -> Self {
        Self {
            title: title.into(),
            quantity,
            variant_title: None,
        }
    }

    text_setters! {
        /// Sets the variant's title (e.g. `M / Indigo`).
        variant_title,
    }
}

impl From<OrderLineItem> for types::ShopifyOrderPayloadLineItemsItem {
    fn from(item: OrderLineItem) -> Self {
        Self {
            quantity: f64::from(item.quantity),
            title: item.title,
            variant_title: item.variant_title,
        }
    }
}

/// A discount code applied to an order, as Shopify reports it: the code, the amount it took off, and its type.
#[derive(Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderDiscountCode {
    /// The code (e.g. `WELCOME10`).
    pub code: Option<String>,
    /// The amount the code took off the order.
    pub amount: Option<Money>,
    /// Shopify's discount type (e.g. `percentage`, `fixed_amount`).
    pub kind: Option<String>,
}

impl OrderDiscountCode {
    /// The code `code`, which took `amount` off the order.
    pub fn new(code: impl Into<String>, amount: Money) -> Self {
        Self {
            code: Some(code.into()),
            amount: Some(amount),
            kind: None,
        }
    }

    /// Sets Shopify's discount type (e.g. `percentage`, `fixed_amount`); sent as `type`.
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }
}

impl From<OrderDiscountCode> for types::ShopifyOrderPayloadDiscountCodesItem {
    fn from(d: OrderDiscountCode) -> Self {
        Self {
            amount: d.amount.map(Money::into_amount),
            code: d.code,
            type_: d.kind,
        }
    }
}

/// The shipping address of an order; every field is optional. `address_verification` assistants read it back.
#[derive(Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderShippingAddress {
    /// The recipient's full name.
    pub name: Option<String>,
    /// The recipient's first name.
    pub first_name: Option<String>,
    /// The recipient's last name.
    pub last_name: Option<String>,
    /// The recipient's phone number.
    pub phone: Option<String>,
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

impl OrderShippingAddress {
    /// An address with no field set yet.
    pub fn new() -> Self {
        Self::default()
    }

    text_setters! {
        /// Sets the recipient's full name.
        name,
        /// Sets the recipient's first name.
        first_name,
        /// Sets the recipient's last name.
        last_name,
        /// Sets the recipient's phone number.
        phone,
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

impl From<OrderShippingAddress> for types::ShopifyOrderPayloadShippingAddress {
    fn from(a: OrderShippingAddress) -> Self {
        Self {
            address1: a.address1,
            address2: a.address2,
            city: a.city,
            country: a.country,
            first_name: a.first_name,
            last_name: a.last_name,
            name: a.name,
            phone: a.phone,
            province: a.province,
            zip: a.zip,
        }
    }
}

redacted_debug!(
    ShopifyOrder,
    OrderLineItem,
    OrderDiscountCode,
    OrderShippingAddress
);

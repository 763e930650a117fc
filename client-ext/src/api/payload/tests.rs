use std::collections::BTreeSet;

use mirai_voice_generated::types;
use serde_json::{Value, json};

use super::*;

fn money(amount: &str) -> Money {
    Money::new(amount).unwrap()
}

/// An abandoned cart with every field the spec names set.
fn full_cart() -> AbandonedCart {
    AbandonedCart::new(
        CartCustomer::new("John", "+919876543210")
            .last_name("Doe")
            .email("john@example.com"),
        [CartLineItem::new("Sample Product Name", 1).variant(
            "gid://shopify/ProductVariant/58523289485393",
            "Default / Standard / Regular",
        )],
        CartTotals {
            line_items: money("1895.0"),
            subtotal: money("1895.0"),
            discount: money("0.0"),
            total: money("1895.0"),
        },
    )
    .id("gid://shopify/AbandonedCheckout/66509168181329")
    .checkout_url("https://example-store.myshopify.com/checkouts/ac/abc123xyz/recover")
    .discount_code("WELCOME10")
    .taxes_included(true)
    .tax_line(
        TaxLine::new("IGST", money("90.24"))
            .rate(0.05)
            .rate_percentage(5.0)
            .source("Shopify"),
    )
    .billing_address(
        CartBillingAddress::new()
            .country("India")
            .phone("+919876543211"),
    )
    .shipping_address(
        CartShippingAddress::new()
            .address1("123 Sample Street, Sample Area")
            .address2("Apt 4B")
            .city("Delhi")
            .province("DL")
            .province_code("DL")
            .zip("110001")
            .country("India")
            .phone("+919876543211"),
    )
}

/// A Shopify order with every field the spec names set.
fn full_order() -> ShopifyOrder {
    ShopifyOrder::new(
        "#1093",
        Customer::new("John")
            .last_name("Doe")
            .email("john@example.com")
            .phone("+919876543210"),
        money("1895.00"),
        [OrderLineItem::new("Sample Product Name", 1)
            .variant_title("Default / Standard / Regular")],
    )
    .discount_code(OrderDiscountCode::new("WELCOME10", money("100.00")).kind("fixed_amount"))
    .financial_status("pending")
    .payment_gateway("cash_on_delivery")
    .shipping_address(
        OrderShippingAddress::new()
            .name("John Doe")
            .first_name("John")
            .last_name("Doe")
            .phone("+919876543210")
            .address1("123 Sample Street")
            .address2("Apt 4B")
            .city("Delhi")
            .zip("110001")
            .province("Delhi")
            .country("India"),
    )
}

/// An NDR follow-up with every field the spec names set.
fn full_ndr() -> NdrFollowup {
    NdrFollowup::new(
        "190123456789",
        "customer_unavailable",
        Customer::new("John")
            .last_name("Doe")
            .email("john@example.com")
            .phone("+919876543210"),
    )
    .courier_name("Delhivery")
    .ndr_remark("Customer not available")
    .attempt_count(2)
    .order_id("#1093")
    .order_items("one t-shirt")
    .cod_amount(money("1895.00"))
    .payment_method("COD")
    .next_attempt_date("2026-07-30")
    .shipping_address(
        NdrShippingAddress::new()
            .address1("123 Sample Street")
            .address2("Apt 4B")
            .city("Delhi")
            .zip("110001")
            .province("Delhi")
            .country("India"),
    )
}

fn wire(payload: impl Into<CallPayload>) -> Value {
    let generated = types::InitiateCallRequestPayload::try_from(payload.into()).unwrap();
    serde_json::to_value(generated).unwrap()
}

fn problems(payload: impl Into<CallPayload>) -> Vec<String> {
    types::InitiateCallRequestPayload::try_from(payload.into())
        .unwrap_err()
        .problems()
        .to_vec()
}

#[test]
fn wire_forms() {
    insta::assert_json_snapshot!("abandoned_cart", wire(full_cart()));
    insta::assert_json_snapshot!("shopify_order", wire(full_order()));
    insta::assert_json_snapshot!("ndr_followup", wire(full_ndr()));
    insta::assert_json_snapshot!(
        "custom",
        wire(CallPayload::custom_entries([
            ("orderId", json!("ORD-12345")),
            ("orderValue", json!(2500)),
        ]))
    );
}

/// The spec's schema of `name`, as JSON.
fn spec_schema(name: &str) -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/swagger.yaml"))
        .expect("the vendored spec");
    let spec: serde_norway::Value = serde_norway::from_str(&text).expect("the spec parses");
    let spec = serde_json::to_value(spec).expect("the spec is JSON-shaped");
    spec["components"]["schemas"][name].clone()
}

/// Asserts that `value` has exactly the keys `schema` names, at every level (objects and array items).
fn assert_every_property_set(schema: &Value, value: &Value, path: &str) {
    if let Some(properties) = schema["properties"].as_object() {
        let object = value
            .as_object()
            .unwrap_or_else(|| panic!("{path} is not an object: {value}"));
        let named: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
        let sent: BTreeSet<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(sent, named, "{path}: keys sent vs keys the spec names");
        for (key, property) in properties {
            assert_every_property_set(property, &object[key], &format!("{path}.{key}"));
        }
    } else if schema["type"] == "array" {
        let items = value
            .as_array()
            .unwrap_or_else(|| panic!("{path} is not an array: {value}"));
        assert!(
            !items.is_empty(),
            "{path} is empty, so its items are untested"
        );
        for (i, item) in items.iter().enumerate() {
            assert_every_property_set(&schema["items"], item, &format!("{path}[{i}]"));
        }
    }
}

#[test]
fn every_field_of_every_variant_is_reachable() {
    let cases = [
        ("AbandonedCartPayload", wire(full_cart())),
        ("ShopifyOrderPayload", wire(full_order())),
        ("NdrFollowupPayload", wire(full_ndr())),
    ];
    for (schema, value) in cases {
        assert_every_property_set(&spec_schema(schema), &value, schema);
    }
}

#[test]
fn the_key_check_can_fail() {
    // A cart without its optional fields must not pass the reachability check.
    let minimal = AbandonedCart::new(
        CartCustomer::new("John", "+919876543210"),
        [CartLineItem::new("Kurta", 1)],
        CartTotals {
            line_items: money("1"),
            subtotal: money("1"),
            discount: Money::zero(),
            total: money("1"),
        },
    );
    let result = std::panic::catch_unwind(|| {
        assert_every_property_set(&spec_schema("AbandonedCartPayload"), &wire(minimal), "cart")
    });
    assert!(result.is_err());
}

#[test]
fn the_wire_form_decodes_as_the_intended_variant() {
    // The union is untagged: a payload must not be read back as another variant.
    let cases: [(Value, &str); 3] = [
        (wire(full_cart()), "cart"),
        (wire(full_order()), "order"),
        (wire(full_ndr()), "ndr"),
    ];
    for (value, expected) in cases {
        let decoded: types::InitiateCallRequestPayload = serde_json::from_value(value).unwrap();
        let variant = match decoded {
            types::InitiateCallRequestPayload::AbandonedCartPayload(_) => "cart",
            types::InitiateCallRequestPayload::ShopifyOrderPayload(_) => "order",
            types::InitiateCallRequestPayload::NdrFollowupPayload(_) => "ndr",
            types::InitiateCallRequestPayload::CustomPayload(_) => "custom",
        };
        assert_eq!(variant, expected);
    }
}

#[test]
fn extra_keys_are_sent_next_to_the_typed_ones() {
    let order = wire(full_order().extra("storeRegion", "north"));
    assert_eq!(order["storeRegion"], "north");
    assert_eq!(order["name"], "#1093");
    let ndr = wire(full_ndr().extra("warehouseCode", json!({"id": 7})));
    assert_eq!(ndr["warehouseCode"], json!({"id": 7}));
}

#[test]
fn every_problem_is_reported_at_once() {
    let cart = AbandonedCart::new(
        CartCustomer::new(" ", ""),
        [CartLineItem::new("Kurta", 0), CartLineItem::new("", 2)],
        CartTotals {
            line_items: money("1"),
            subtotal: money("1"),
            discount: Money::zero(),
            total: money("1"),
        },
    )
    .tax_line(TaxLine::new("IGST", money("1")).rate(f64::NAN));
    assert_eq!(
        problems(cart),
        [
            "`customer.firstName` is empty",
            "`customer.phone` is empty",
            "`lineItems[0].quantity` is 0; the minimum is 1",
            "`lineItems[1].title` is empty",
            "`taxLines[0].rate` is NaN, not a finite number",
        ]
    );
}

#[test]
fn required_lists_and_maps_cannot_be_empty() {
    let totals = CartTotals {
        line_items: money("1"),
        subtotal: money("1"),
        discount: Money::zero(),
        total: money("1"),
    };
    let no_items: [CartLineItem; 0] = [];
    assert_eq!(
        problems(AbandonedCart::new(
            CartCustomer::new("A", "+1"),
            no_items,
            totals
        )),
        ["an abandoned cart needs at least one line item (`lineItems` has minItems 1)"]
    );
    let no_order_items: [OrderLineItem; 0] = [];
    assert_eq!(
        problems(ShopifyOrder::new(
            "#1",
            Customer::new("A"),
            money("1"),
            no_order_items
        )),
        ["a Shopify order needs at least one line item (`lineItems` has minItems 1)"]
    );
    assert_eq!(
        problems(CallPayload::custom(Map::new())),
        ["a custom payload has no keys: set at least one, or set no payload"]
    );
    assert_eq!(
        problems(NdrFollowup::new("", "", Customer::new("A"))),
        ["`awb` is empty", "`ndrReason` is empty"]
    );
}

#[test]
fn extra_keys_naming_typed_fields_are_refused() {
    assert_eq!(
        problems(full_order().extra("name", "#9999").extra("totalPrice", "1")),
        [
            "Shopify order extra key `name` names a typed field: use its setter instead",
            "Shopify order extra key `totalPrice` names a typed field: use its setter instead",
        ]
    );
    assert_eq!(
        problems(full_ndr().extra("awb", "1")),
        ["NDR follow-up extra key `awb` names a typed field: use its setter instead"]
    );
}

#[test]
fn web_calls_take_the_same_payload() {
    let web =
        types::InitiateWebCallRequestPayload::try_from(CallPayload::from(full_order())).unwrap();
    assert_eq!(serde_json::to_value(web).unwrap(), wire(full_order()));
    assert!(
        types::InitiateWebCallRequestPayload::try_from(CallPayload::custom(Map::new())).is_err()
    );
}

#[test]
fn debug_masks_credentials_and_keeps_the_rest() {
    let secret = "tok-5f1e9a2c77";
    let payload =
        CallPayload::custom_entries([("token", json!(secret)), ("orderId", json!("AC-1042"))]);
    let debug = format!("{payload:?}");
    assert!(!debug.contains(secret), "{debug}");
    assert!(
        debug.contains("AC-1042") && debug.contains(r#""token":"[redacted]""#),
        "{debug}"
    );

    let recovery_key = "recoverykey-3b9d";
    let cart = full_cart().checkout_url(format!("https://shop.example/recover?key={recovery_key}"));
    for debug in [
        format!("{cart:?}"),
        format!("{:?}", CallPayload::from(cart.clone())),
    ] {
        assert!(!debug.contains(recovery_key), "{debug}");
        assert!(debug.contains("Sample Product Name"), "{debug}");
    }

    let order = full_order().extra("apiKey", secret);
    let debug = format!("{:?}", CallPayload::from(order));
    assert!(!debug.contains(secret), "{debug}");
}

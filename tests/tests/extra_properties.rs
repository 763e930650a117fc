//! Nothing dropped on the way out: objects the spec leaves open (`additionalProperties: true` next
//! to named properties) keep the caller's keys in the generated types, in their builders, in the
//! payload union and on the wire; and the Shiprocket token never shows in a builder's `Debug`.
//! The wire checks use a plain loopback server (wiremock) that captures the raw request body.

use mirai_voice::api::InitiateCall;
use mirai_voice::api::payload::{Customer, Money, NdrFollowup, OrderLineItem, ShopifyOrder};
use mirai_voice::error::ValidationError;
use mirai_voice::{Client, Error};
use mirai_voice_generated::prelude::*;
use mirai_voice_generated::{ClientContext, Credentials, types};
use mirai_voice_tests::OBJECT_ID;
use serde_json::{Map, Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PUBLIC_KEY: &str = "pk_0123456789abcdef0123456789abcdef";
const PRIVATE_KEY: &str = "sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn object(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

fn shopify_json() -> Value {
    json!({
        "name": "#1093",
        "customer": {"firstName": "John", "phone": "+919876543210"},
        "totalPrice": "1895.00",
        "lineItems": [{"title": "T-shirt", "quantity": 1.0}],
        "storeRegion": "north",
        "loyalty": {"tier": "gold", "points": 120}
    })
}

/// The typed builder for [`shopify_json`].
fn shopify_order() -> ShopifyOrder {
    ShopifyOrder::new(
        "#1093",
        Customer::new("John").phone("+919876543210"),
        Money::new("1895.00").unwrap(),
        [OrderLineItem::new("T-shirt", 1)],
    )
    .extra("storeRegion", "north")
    .extra("loyalty", json!({"tier": "gold", "points": 120}))
}

fn ndr_json() -> Value {
    json!({
        "awb": "190123456789",
        "ndrReason": "customer_unavailable",
        "customer": {"firstName": "John"},
        "warehouseCode": "DEL-4",
        "escalation": [1, 2]
    })
}

fn abandoned_json() -> Value {
    json!({
        "customer": {"firstName": "Jane", "phone": "+15550100"},
        "lineItems": [{"title": "Cap", "quantity": 1}],
        "totalLineItemsPriceSet": {"shopMoney": {"amount": "10.0"}},
        "subtotalPriceSet": {"shopMoney": {"amount": "10.0"}},
        "totalDiscountSet": {"shopMoney": {"amount": "0.0"}},
        "totalPriceSet": {"shopMoney": {"amount": "10.0"}}
    })
}

#[test]
fn metadata_keeps_free_form_keys_next_to_the_typed_discount() {
    let wire = json!({
        "discount": {"code": "SAVE10", "value": 10.0, "applyAs": "additional"},
        "internalOrderId": "8842",
        "userId": "u_991",
        "nested": {"a": [1, 2, {"b": null}]}
    });
    let metadata: types::InitiateCallRequestMetadata =
        serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(
        metadata.discount.as_ref().and_then(|d| d.code.as_deref()),
        Some("SAVE10")
    );
    assert_eq!(metadata.extra["internalOrderId"], "8842");
    assert!(!metadata.extra.contains_key("discount"));
    assert_eq!(serde_json::to_value(&metadata).unwrap(), wire);
    assert_eq!(
        types::InitiateCallRequestMetadata::NAMED_PROPERTIES,
        ["discount"]
    );
}

#[test]
fn builders_carry_the_extra_map_and_default_it_to_empty() {
    // Without extra keys the builder needs nothing more than before.
    let plain: types::InitiateCallRequestMetadata = types::InitiateCallRequestMetadata::builder()
        .try_into()
        .expect("extra defaults to an empty map");
    assert!(plain.extra.is_empty());
    assert_eq!(serde_json::to_value(&plain).unwrap(), json!({}));
    assert!(
        types::InitiateCallRequestMetadata::default()
            .extra
            .is_empty()
    );

    let with_extra: types::InitiateCallRequestMetadata =
        types::InitiateCallRequestMetadata::builder()
            .extra(object(json!({"internalOrderId": "8842"})))
            .try_into()
            .unwrap();
    assert_eq!(
        serde_json::to_value(&with_extra).unwrap(),
        json!({"internalOrderId": "8842"})
    );

    let order: types::ShopifyOrderPayload = types::ShopifyOrderPayload::builder()
        .name("#1093")
        .customer(types::ShopifyOrderPayloadCustomer::builder().first_name("John"))
        .total_price("1895.00")
        .line_items(vec![types::ShopifyOrderPayloadLineItemsItem::new(
            "T-shirt", 1.0,
        )])
        .extra(object(json!({"storeRegion": "north"})))
        .try_into()
        .unwrap();
    let json = serde_json::to_value(&order).unwrap();
    assert_eq!(json["storeRegion"], "north");
    assert_eq!(json["name"], "#1093");
    // Builder from the struct and back keeps them too.
    let again: types::ShopifyOrderPayload = types::builder::ShopifyOrderPayload::from(order)
        .try_into()
        .unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), json);
}

#[test]
fn payload_types_round_trip_their_extra_keys() {
    for (wire, name) in [
        (shopify_json(), "ShopifyOrderPayload"),
        (ndr_json(), "NdrFollowupPayload"),
    ] {
        let round_trip = match name {
            "ShopifyOrderPayload" => {
                let p: types::ShopifyOrderPayload = serde_json::from_value(wire.clone()).unwrap();
                assert_eq!(p.extra.len(), 2, "{name}: {p:?}");
                serde_json::to_value(&p).unwrap()
            }
            _ => {
                let p: types::NdrFollowupPayload = serde_json::from_value(wire.clone()).unwrap();
                assert_eq!(p.extra.len(), 2, "{name}: {p:?}");
                serde_json::to_value(&p).unwrap()
            }
        };
        assert_eq!(round_trip, wire, "{name}");
    }
}

#[test]
fn the_payload_union_decodes_each_shape_as_its_own_variant_and_keeps_everything() {
    use types::InitiateCallRequestPayload as P;
    let custom = json!({"orderId": "ORD-12345", "customerName": "Jane Smith", "orderValue": 2500});
    let cases = [
        (shopify_json(), "shopify"),
        (ndr_json(), "ndr"),
        (abandoned_json(), "abandoned"),
        (custom.clone(), "custom"),
        // Missing a required Shopify field: not a Shopify order, kept whole as a custom payload.
        (
            json!({"name": "#1", "customer": {"firstName": "J"}, "mine": 1}),
            "custom",
        ),
        // One key the closed abandoned-cart shape does not know: kept whole, not emptied.
        (
            {
                let mut a = abandoned_json();
                a["mine"] = json!("x");
                a
            },
            "custom",
        ),
    ];
    for (wire, expected) in cases {
        let decoded: P = serde_json::from_value(wire.clone()).unwrap();
        let variant = match &decoded {
            P::ShopifyOrderPayload(p) => {
                assert!(p.extra.contains_key("storeRegion"));
                "shopify"
            }
            P::NdrFollowupPayload(p) => {
                assert!(p.extra.contains_key("warehouseCode"));
                "ndr"
            }
            P::AbandonedCartPayload(_) => "abandoned",
            P::CustomPayload(_) => "custom",
        };
        assert_eq!(variant, expected, "{wire}");
        // JSON → type → JSON loses nothing and duplicates nothing.
        assert_eq!(serde_json::to_value(&decoded).unwrap(), wire, "{expected}");
    }
}

fn raw_client(server: &MockServer) -> mirai_voice_generated::Client {
    let credentials = Credentials::new(PUBLIC_KEY, PRIVATE_KEY).unwrap();
    mirai_voice_generated::Client::new(&server.uri(), ClientContext::with_credentials(credentials))
}

#[tokio::test]
async fn the_shiprocket_token_is_sent_but_never_shown_by_debug() {
    const TOKEN: &str = "shp_tok_5ecret_9f8e7d6c";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/shiprocket/ndr-webhook/{OBJECT_ID}")))
        .and(header("x-api-key", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "queued"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = raw_client(&server);
    let builder = client
        .shiprocket_ndr_webhook()
        .assistant_id(OBJECT_ID)
        .x_api_key(TOKEN)
        .body(object(json!({"awb": "1"})));
    let shown = format!("{builder:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    // Everything else is still shown.
    assert!(shown.contains(OBJECT_ID), "{shown}");
    let pretty = format!("{builder:#?}");
    assert!(!pretty.contains(TOKEN), "{pretty}");
    // Unset, the field says so.
    let unset = format!("{:?}", client.shiprocket_ndr_webhook());
    assert!(unset.contains("x_api_key: Ok(None)"), "{unset}");

    // The rewrite did not change what goes over the wire.
    let response = builder.send().await.expect("the header reached the server");
    assert_eq!(response.status().as_u16(), 200);
}

async fn initiate_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/initiate"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "initiate", "callId": "c1"})),
        )
        .mount(&server)
        .await;
    server
}

fn sdk_client(server: &MockServer) -> Client {
    Client::builder()
        .public_key(PUBLIC_KEY)
        .private_key(PRIVATE_KEY)
        .workspace(OBJECT_ID)
        .base_url(server.uri())
        .build()
        .expect("valid configuration")
}

async fn sent_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
        .collect()
}

#[tokio::test]
async fn the_users_keys_are_in_the_raw_request_body() {
    let server = initiate_server().await;
    let client = sdk_client(&server);
    let discount = types::InitiateCallRequestMetadataDiscount {
        code: Some("SAVE10".into()),
        value: Some(10.0),
        apply_as: Some(types::InitiateCallRequestMetadataDiscountApplyAs::Override),
        ..Default::default()
    };
    let cases: [(InitiateCall, Value); 3] = [
        (
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID)
                .discount(discount)
                .metadata_entry("internalOrderId", "8842")
                .metadata_entries([("userId", json!("u_991")), ("attempt", json!(2))])
                .custom_payload(object(json!({"orderId": "1001"}))),
            json!({"orderId": "1001"}),
        ),
        (
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID)
                .metadata_entry("internalOrderId", "8842")
                .payload(shopify_order()),
            shopify_json(),
        ),
        (
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID)
                .metadata_entry("internalOrderId", "8842")
                .payload(
                    NdrFollowup::new(
                        "190123456789",
                        "customer_unavailable",
                        Customer::new("John"),
                    )
                    .extra("warehouseCode", "DEL-4")
                    .extra("escalation", json!([1, 2])),
                ),
            ndr_json(),
        ),
    ];
    let mut expected_payloads = Vec::new();
    for (call, payload) in cases {
        let accepted = client.calls().initiate(call).await.expect("accepted");
        assert_eq!(accepted.call_id, "c1");
        expected_payloads.push(payload);
    }
    let bodies = sent_bodies(&server).await;
    assert_eq!(bodies.len(), 3);
    assert_eq!(
        bodies[0]["metadata"],
        json!({
            "discount": {"code": "SAVE10", "value": 10.0, "applyAs": "override"},
            "internalOrderId": "8842", "userId": "u_991", "attempt": 2
        })
    );
    for (sent, payload) in bodies.iter().zip(&expected_payloads) {
        assert_eq!(&sent["payload"], payload);
        assert_eq!(sent["metadata"]["internalOrderId"], "8842");
    }
}

#[tokio::test]
async fn a_free_form_key_naming_a_typed_property_is_refused_before_sending() {
    let server = initiate_server().await;
    let client = sdk_client(&server);
    let shopify = shopify_order().extra("name", "#9999");
    let cases = [
        (
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID)
                .metadata_entry("discount", json!({"code": "X"})),
            "metadata key `discount`",
        ),
        (
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID).payload(shopify),
            "Shopify order extra key `name`",
        ),
    ];
    for (call, expected) in cases {
        let err = client.calls().initiate(call).await.unwrap_err();
        match &err {
            Error::Validation(ValidationError::InvalidRequest {
                operation_id,
                message,
            }) => {
                assert_eq!(*operation_id, Some("initiateCall"));
                assert!(message.contains(expected), "{message}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert!(sent_bodies(&server).await.is_empty(), "nothing was sent");
}

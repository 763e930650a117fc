//! The caller's own keys in `metadata` and in Shopify-order / NDR-follow-up payloads reach the
//! emulator exactly as sent (its request validation accepts them, as the spec does) and
//! `metadata` comes back on every webhook event of the call, received on a loopback endpoint
//! and checked with the SDK's verifier.

mod sdk_support;

use std::collections::BTreeMap;
use std::time::Duration;

use mirai_voice::Client;
use mirai_voice::api::payload::{Customer, Money, NdrFollowup, OrderLineItem, ShopifyOrder};
use mirai_voice::api::{AgentIdentity, CreateAssistant, InitiateCall};
use mirai_voice::ids::AssistantId;
use mirai_voice::types;
use mirai_voice::webhook::Verifier;
use mirai_voice_mock::MockServer;
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    sdk_support::emulator_client(server, &server.credentials(), Duration::from_secs(10))
}

async fn custom_assistant(client: &Client) -> AssistantId {
    let request = CreateAssistant::custom(
        "Extra keys",
        AgentIdentity::new("Asha"),
        "Confirm the order.",
    );
    let created = client.assistants().create(request).await.expect("created");
    created.id
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

#[tokio::test]
async fn extra_keys_reach_the_emulator_and_metadata_comes_back_on_every_event() {
    let server = MockServer::start().await;
    let client = client(&server);
    let assistant = custom_assistant(&client).await;
    let receiver = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let callback = format!("{}/hook", receiver.uri());

    let shopify = json!({
        "name": "#1093", "customer": {"firstName": "John"}, "totalPrice": "1895.00",
        "lineItems": [{"title": "T-shirt", "quantity": 1.0}],
        "storeRegion": "north", "loyalty": {"tier": "gold"}
    });
    let ndr = json!({
        "awb": "190123456789", "ndrReason": "customer_unavailable", "customer": {"firstName": "John"},
        "warehouseCode": "DEL-4"
    });
    let custom = json!({"orderId": "1001"});
    let calls = [
        (
            InitiateCall::new("+14155552671".parse().unwrap(), &assistant)
                .custom_payload(object(custom.clone()))
                .metadata_entry("internalOrderId", "8842")
                .metadata_entry("userId", "u_991"),
            custom,
            json!({"internalOrderId": "8842", "userId": "u_991"}),
        ),
        (
            InitiateCall::new("+14155552672".parse().unwrap(), &assistant)
                .payload(
                    ShopifyOrder::new(
                        "#1093",
                        Customer::new("John"),
                        Money::new("1895.00").unwrap(),
                        [OrderLineItem::new("T-shirt", 1)],
                    )
                    .extra("storeRegion", "north")
                    .extra("loyalty", json!({"tier": "gold"})),
                )
                .discount(types::InitiateCallRequestMetadataDiscount {
                    code: Some("SAVE10".into()),
                    ..Default::default()
                })
                .metadata_entry("internalOrderId", "8843"),
            shopify,
            json!({"discount": {"code": "SAVE10"}, "internalOrderId": "8843"}),
        ),
        (
            InitiateCall::new("+14155552673".parse().unwrap(), &assistant)
                .payload(
                    NdrFollowup::new(
                        "190123456789",
                        "customer_unavailable",
                        Customer::new("John"),
                    )
                    .extra("warehouseCode", "DEL-4"),
                )
                .metadata_entries([
                    ("internalOrderId", json!("8844")),
                    ("nested", json!({"n": [1]})),
                ]),
            ndr,
            json!({"internalOrderId": "8844", "nested": {"n": [1]}}),
        ),
    ];

    let mut expected_metadata = BTreeMap::new();
    for (call, payload, metadata) in calls {
        let call = call.callback_url(&callback);
        let accepted = client.calls().initiate(call).await.expect("accepted");
        // Kept exactly as received.
        let snapshot = server
            .control()
            .call(&accepted.call_id)
            .expect("known call");
        assert_eq!(snapshot.payload, payload);
        assert_eq!(snapshot.metadata, metadata);
        expected_metadata.insert(accepted.call_id, metadata);
    }

    let report = server.control().run_until_idle().await;
    assert!(report.deliveries_settled);

    let verifier = Verifier::with_secret(server.credentials().private_key);
    let mut events_per_call: BTreeMap<String, usize> = BTreeMap::new();
    for request in receiver.received_requests().await.unwrap_or_default() {
        let event = verifier
            .verify_and_parse(&request.headers, &request.body)
            .expect("a signed, well-formed event");
        let call_id = event
            .call_id()
            .expect("every event names its call")
            .to_owned();
        let expected = &expected_metadata[call_id.as_str()];
        assert_eq!(
            &Value::Object(event.metadata.clone()),
            expected,
            "{} of {call_id}",
            event.event_type()
        );
        *events_per_call.entry(call_id).or_default() += 1;
    }
    // Every call delivered its whole lifecycle, each event with the metadata.
    assert_eq!(events_per_call.len(), 3, "{events_per_call:?}");
    for (call_id, count) in &events_per_call {
        let history = server.control().call(call_id).unwrap().history.len();
        assert_eq!(*count, history, "{call_id}");
        assert!(*count >= 3, "{call_id}: {count}");
    }
}

//! Property tests: hostile input never panics; signatures verify exactly when
//! nothing was changed.

use http::{HeaderMap, HeaderName, HeaderValue};
use mirai_voice::webhook::{
    CallEventType, SIGNATURE_HEADER, StaticKeyStore, Verifier, VerifyError, WebhookEvent,
    WebhookSecret, testing,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x-signature".to_owned()),
        Just("x-public-key".to_owned()),
        Just("content-type".to_owned()),
        "[a-z][a-z0-9-]{0,20}",
    ]
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    prop::collection::vec(
        (header_name(), prop::collection::vec(any::<u8>(), 0..80)),
        0..6,
    )
    .prop_map(|pairs| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name), HeaderValue::from_bytes(&value))
            {
                headers.append(name, value);
            }
        }
        headers
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1_000_000i32..1_000_000).prop_map(|n| Value::from(f64::from(n) / 4.0)),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("completed"),
            Just("create_order"),
            Just("send_whatsapp"),
            Just("mark_prepaid"),
            Just("missing_address"),
            Just("2026-06-30T10:00:00.000Z"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("call".to_owned()),
            Just("id".to_owned()),
            Just("status".to_owned()),
            Just("action".to_owned()),
            Just("payload".to_owned()),
            Just("analysis".to_owned()),
            Just("insights".to_owned()),
            Just("report".to_owned()),
            Just("lineItems".to_owned()),
            Just("number".to_owned()),
            Just("reason".to_owned()),
            "[a-zA-Z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn event_type() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            CallEventType::ALL
                .map(|kind| kind.as_str().to_owned())
                .to_vec()
        ),
        Just("action".to_owned()),
        "[a-z.-]{0,16}",
    ]
}

/// `event.data`: anything, or shaped like action or call data so that the
/// typed parsers see plausible input.
fn event_data() -> impl Strategy<Value = Value> {
    let action = prop_oneof![
        Just("create_order"),
        Just("send_whatsapp"),
        Just("mark_prepaid"),
        Just("update_address"),
        Just("confirmed_address"),
        Just("something_new"),
    ];
    let reason = prop_oneof![
        Just(Value::Null),
        Just(Value::from("missing_address")),
        Just(Value::from("missing_first_name")),
        ".{0,8}".prop_map(Value::from),
    ];
    prop_oneof![
        json_value(),
        (action, reason, json_value(), "[a-z0-9_]{1,12}").prop_map(
            |(action, reason, payload, call_id)| {
                json!({ "action": action, "reason": reason, "payload": payload, "call": { "id": call_id } })
            }
        ),
        (json_value(), json_value(), json_value()).prop_map(|(call, analysis, report)| {
            json!({ "call": call, "analysis": analysis, "report": report })
        }),
    ]
}

/// Envelopes with a real event type and arbitrary data, so parsing gets past
/// the outer layer.
fn envelope() -> impl Strategy<Value = Vec<u8>> {
    (json_value(), event_type(), event_data(), any::<bool>()).prop_map(
        |(metadata, event_type, data, with_metadata)| {
            let mut body = json!({ "event": { "type": event_type, "data": data } });
            if with_metadata {
                body["metadata"] = metadata;
            }
            serde_json::to_vec(&body).unwrap()
        },
    )
}

fn secret() -> impl Strategy<Value = WebhookSecret> {
    ".{0,80}".prop_map(WebhookSecret::new)
}

proptest! {
    #[test]
    fn arbitrary_bytes_and_headers_never_panic(body in prop::collection::vec(any::<u8>(), 0..512), headers in headers()) {
        let verifier = Verifier::with_secret(testing::test_secret()).max_body_bytes(256);
        let multi = Verifier::new(StaticKeyStore::new().with_key(testing::TEST_PUBLIC_KEY, testing::test_secret()));
        // A forged body can only pass if the generator found an HMAC collision.
        prop_assert!(verifier.verify_and_parse(&headers, &body).is_err());
        prop_assert!(multi.verify_and_parse(&headers, &body).is_err());
        let _ = WebhookEvent::from_slice(&body);
    }

    #[test]
    fn arbitrary_envelopes_never_panic_and_round_trip(body in envelope()) {
        if let Ok(event) = WebhookEvent::from_slice(&body) {
            let again = WebhookEvent::from_slice(&event.to_vec()).unwrap();
            prop_assert_eq!(again, event);
        }
        // Signed correctly, the same body verifies and parses the same way.
        let secret = testing::test_secret();
        let delivery = testing::SignedDelivery::new(testing::TEST_PUBLIC_KEY, &secret, body.clone());
        let verified = Verifier::with_secret(secret).verify_and_parse(&delivery.headers, &delivery.body);
        prop_assert_eq!(verified.is_ok(), WebhookEvent::from_slice(&body).is_ok());
    }

    #[test]
    fn signed_bodies_verify(body in prop::collection::vec(any::<u8>(), 0..2048), secret in secret()) {
        let delivery = testing::SignedDelivery::new("pk_any", &secret, body);
        prop_assert_eq!(Verifier::with_secret(secret).verify(&delivery.headers, &delivery.body), Ok(()));
    }

    #[test]
    fn any_bit_flip_in_the_body_fails(
        body in prop::collection::vec(any::<u8>(), 1..2048),
        secret in secret(),
        index in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let delivery = testing::SignedDelivery::new("pk_any", &secret, body);
        let mut flipped = delivery.body.clone();
        flipped[index.index(delivery.body.len())] ^= 1 << bit;
        prop_assert_eq!(
            Verifier::with_secret(secret).verify(&delivery.headers, &flipped),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn any_bit_flip_in_the_signature_fails(
        body in prop::collection::vec(any::<u8>(), 0..512),
        secret in secret(),
        index in 0usize..64,
        bit in 0u8..8,
    ) {
        let signature = testing::sign(&secret, &body);
        let mut flipped = signature.clone().into_bytes();
        flipped[index] ^= 1 << bit;
        let verifier = Verifier::with_secret(secret);
        // As raw header bytes (any byte value)…
        prop_assert!(verifier.verify_parts(Some(&flipped), None, &body).is_err());
        // …and through a header map, whenever the flipped byte is still a
        // valid header value.
        if let Ok(value) = HeaderValue::from_bytes(&flipped) {
            let mut headers = HeaderMap::new();
            headers.insert(SIGNATURE_HEADER, value);
            prop_assert!(verifier.verify(&headers, &body).is_err());
        }
        // The original still verifies.
        prop_assert_eq!(verifier.verify_parts(Some(signature.as_bytes()), None, &body), Ok(()));
    }
}

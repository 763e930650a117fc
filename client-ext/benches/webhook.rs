//! Cost of receiving a webhook: verify + parse of a realistic 2 KiB
//! `end-of-call` delivery, against a bare HMAC-SHA256 of the same bytes.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use mirai_voice::webhook::{Verifier, WebhookEvent, testing};
use sha2::Sha256;

/// An `end-of-call` delivery shaped like the spec's example, with the kind of
/// insights, outcome and metadata a production assistant produces.
const BODY: &str = r#"{"metadata":{"internalOrderId":"8842","customerId":"cus_01J8ZK3Q9X","campaign":"abandoned-cart-recovery-2026-06","store":"acme-footwear.myshopify.com","locale":"en-IN","utmSource":"whatsapp","utmCampaign":"cart-recovery-june","assistantVersion":"v2.3.1","channel":"voice"},"event":{"type":"end-of-call","data":{"call":{"id":"call_6701abc123def4567890","status":"completed","startedAt":"2026-06-30T10:00:00.000Z","endedAt":"2026-06-30T10:05:32.000Z","recordingUrl":"https://storage.miraiminds.co/recordings/2026/06/30/call_6701abc123def4567890/recording.wav","detailUrl":"https://app.miraiminds.co/calls/call_6701abc123def4567890","durationSeconds":332},"analysis":{"success":true,"summary":"Customer called back about an abandoned cart with two pairs of running shoes. The assistant confirmed sizes, applied the SAVE10 recovery discount and explained cash on delivery charges. The customer confirmed the shipping address in Surat, asked for delivery before the weekend, and agreed to place the order with cash on delivery. No escalation was needed and the customer was satisfied with the call.","requiredActions":["create-order","send-whatsapp"],"insights":{"issueResolved":true,"escalationRequested":false,"customerSentiment":"positive","interested":true,"callback_requested":false,"preferredDeliveryWindow":"before Saturday","objections":["delivery time","cash on delivery fee"],"productsDiscussed":[{"title":"Trail Runner X2","size":"UK 9","quantity":1},{"title":"Road Runner Lite","size":"UK 9","quantity":1}],"discountOffered":"SAVE10","languageDetected":"en-IN","agentTalkRatio":0.46,"nextBestAction":"send order confirmation with delivery estimate"},"outcome":{"shouldUpdateAddress":true,"confirmAddress":false,"updatedAddressProvided":true,"updatedAddress":{"address1":"507, Nemli Complex","address2":"Near City Light Road","city":"Surat","province":"Gujarat","country":"India","zip":"395007"},"paymentMode":"cod","orderValue":4390,"currency":"INR"}},"credits":{"used":2.5,"available":97.5},"report":{"reAttemptCount":1,"rescheduledCount":0}}}}"#;

fn webhook(c: &mut Criterion) {
    let secret = testing::test_secret();
    let delivery = testing::SignedDelivery::new(testing::TEST_PUBLIC_KEY, &secret, BODY);
    let verifier = Verifier::with_secret(secret);
    assert!(
        verifier
            .verify_and_parse(&delivery.headers, &delivery.body)
            .is_ok()
    );
    let key = b"sk_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Bytes(BODY.len() as u64));
    group.bench_function("verify_and_parse_2KiB", |b| {
        b.iter(|| {
            verifier.verify_and_parse(black_box(&delivery.headers), black_box(&delivery.body))
        })
    });
    group.bench_function("bare_hmac_sha256_2KiB", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(key)).unwrap();
            mac.update(black_box(BODY.as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    // The two halves of verify_and_parse, to see where the time goes.
    group.bench_function("verify_only_2KiB", |b| {
        b.iter(|| verifier.verify(black_box(&delivery.headers), black_box(&delivery.body)))
    });
    group.bench_function("parse_only_2KiB", |b| {
        b.iter(|| WebhookEvent::from_slice(black_box(&delivery.body)))
    });
    // Reference point: the same bytes into an untyped `serde_json::Value`.
    group.bench_function("serde_json_value_2KiB", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&delivery.body)))
    });
    group.finish();
}

criterion_group!(benches, webhook);
criterion_main!(benches);

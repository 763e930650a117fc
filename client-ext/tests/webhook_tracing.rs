//! What the receiver logs: rejections are reported, without key material or
//! body content. Alone in its test binary because `tracing` caches per-callsite
//! interest, which a thread-local subscriber in a parallel test could disturb.

mod log_capture;

use log_capture::Captured;
use mirai_voice::webhook::testing::{self, EventBuilder, SignedDelivery};
use mirai_voice::webhook::{Received, Verifier, WebhookReceiver, WebhookSecret};

const SECRET: &str = "sk_5ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e7";

#[tokio::test]
async fn rejections_are_logged_without_secrets_or_body_content() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let secret = WebhookSecret::new(SECRET);
    let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()));
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    let mut tampered = delivery.clone();
    tampered.body.push(b' ');
    let mut unsigned = delivery.clone();
    unsigned.headers.remove("x-signature");
    let not_an_event = SignedDelivery::new(
        testing::TEST_PUBLIC_KEY,
        &secret,
        &br#"{"event":{"type":"call.ended","data":{"call":{"durationSeconds":"+919876543210"}}}}"#
            [..],
    );

    assert!(
        receiver
            .receive(&tampered.headers, &tampered.body)
            .await
            .is_err()
    );
    assert!(
        receiver
            .receive(&unsigned.headers, &unsigned.body)
            .await
            .is_err()
    );
    assert!(
        receiver
            .receive(&not_an_event.headers, &not_an_event.body)
            .await
            .is_err()
    );
    let Ok(Received::New(claim)) = receiver.receive(&delivery.headers, &delivery.body).await else {
        panic!("a signed delivery is new")
    };
    claim.commit().await.unwrap();
    assert!(matches!(
        receiver.receive(&delivery.headers, &delivery.body).await,
        Ok(Received::Duplicate(_))
    ));

    let logs = captured.text();
    assert!(logs.contains("webhook delivery rejected"), "{logs}");
    assert!(logs.contains("signature does not match"), "{logs}");
    assert!(logs.contains("x-signature header is missing"), "{logs}");
    assert!(logs.contains("not a valid event"), "{logs}");
    assert!(
        logs.contains("duplicate webhook delivery skipped"),
        "{logs}"
    );
    assert!(!logs.contains("5ec12e75ec12"), "secret in logs: {logs}");
    assert!(
        !logs.contains("+919876543210"),
        "body content in logs: {logs}"
    );
}

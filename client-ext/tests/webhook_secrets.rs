//! No formatted value of the webhook module shows key material.

use mirai_voice::webhook::{
    KeyLookupError, KeyStore, MemoryDeduper, SingleSecret, StaticKeyStore, Verifier, VerifyError,
    WebhookError, WebhookReceiver, WebhookSecret, testing,
};
use secrecy::SecretString;

const SECRET: &str = "sk_5ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e7";
/// A fragment long enough to be recognisable if any part of the secret leaked.
const FRAGMENT: &str = "5ec12e75ec12";

fn assert_redacted(label: &str, text: &str) {
    assert!(!text.contains(FRAGMENT), "{label} leaks the secret: {text}");
}

fn assert_all_formats_redacted<T: std::fmt::Debug>(label: &str, value: &T) {
    assert_redacted(label, &format!("{value:?}"));
    assert_redacted(label, &format!("{value:#?}"));
}

#[tokio::test]
async fn secret_never_appears_in_debug_or_display() {
    let secret = WebhookSecret::new(SECRET);
    assert_all_formats_redacted("WebhookSecret", &secret);
    assert_all_formats_redacted(
        "WebhookSecret from SecretString",
        &WebhookSecret::from(SecretString::from(SECRET)),
    );
    assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");

    let single = SingleSecret::new(secret.clone()).expect_public_key(testing::TEST_PUBLIC_KEY);
    assert_all_formats_redacted("SingleSecret", &single);
    let store = StaticKeyStore::new()
        .with_key(testing::TEST_PUBLIC_KEY, secret.clone())
        .with_key("pk_other", SECRET);
    assert_all_formats_redacted("StaticKeyStore", &store);
    assert!(
        format!("{store:?}").contains(testing::TEST_PUBLIC_KEY),
        "public keys stay visible"
    );
    assert_all_formats_redacted(
        "looked-up secret",
        &store.secret_for(Some("pk_other")).unwrap(),
    );

    let verifier = Verifier::new(store);
    assert_all_formats_redacted("Verifier", &verifier);
    let receiver = WebhookReceiver::new(verifier.clone()).with_deduper(MemoryDeduper::default());
    assert_all_formats_redacted("WebhookReceiver", &receiver);

    // Every error the verifier can produce, with Debug and Display.
    let delivery = testing::EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    let mut errors: Vec<WebhookError> = Vec::new();
    let mut tampered = delivery.body.clone();
    tampered.push(b' ');
    errors.push(
        verifier
            .verify(&delivery.headers, &tampered)
            .unwrap_err()
            .into(),
    );
    errors.push(
        verifier
            .verify(&http::HeaderMap::new(), &delivery.body)
            .unwrap_err()
            .into(),
    );
    errors.push(
        verifier
            .clone()
            .max_body_bytes(1)
            .verify(&delivery.headers, &delivery.body)
            .unwrap_err()
            .into(),
    );
    let signed_garbage =
        testing::SignedDelivery::new(testing::TEST_PUBLIC_KEY, &secret, &b"{not json"[..]);
    errors.push(
        verifier
            .verify_and_parse(&signed_garbage.headers, &signed_garbage.body)
            .unwrap_err(),
    );
    errors.extend([
        VerifyError::MissingPublicKey.into(),
        VerifyError::from(KeyLookupError::unknown("pk_x")).into(),
    ]);
    assert_eq!(errors.len(), 6);
    for error in &errors {
        assert_all_formats_redacted("WebhookError", error);
        assert_redacted("WebhookError Display", &error.to_string());
    }
}

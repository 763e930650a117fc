//! Signature verification: known-answer vectors and one error per failure.

use http::{HeaderMap, HeaderValue};
use mirai_voice::webhook::{
    PUBLIC_KEY_HEADER, SIGNATURE_HEADER, SignatureFormatError, SingleSecret, StaticKeyStore,
    Verifier, VerifyError, WebhookError, WebhookSecret, testing, verify_signature,
};

/// A key in the API's `sk_` + 64 hex format.
const SECRET: &str = "sk_4f1c2a9e8b7d6c5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877";
const PUBLIC_KEY: &str = "pk_00112233445566778899aabbccddeeff";

/// The v1 webhook guide's `call.completed` envelope, compacted.
const BODY: &str = r#"{"metadata":{"internalOrderId":"8842"},"event":{"type":"call.completed","data":{"call":{"id":"68f0a1b2c3d4e5f600000900","status":"completed","durationSeconds":96}}}}"#;

/// HMAC-SHA256 of `BODY` under `SECRET`, computed outside this crate with both
/// `openssl dgst -sha256 -hmac <SECRET>` and Python's `hmac.new(..).hexdigest()`.
const BODY_SIGNATURE: &str = "de2f8e0f749d0b1ec8ed47e5ab3b7a017ff96ac21fb0d430b9ad3d2dc99a7d26";

fn headers(signature: Option<&str>, public_key: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(signature) = signature {
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    }
    if let Some(public_key) = public_key {
        headers.insert(
            PUBLIC_KEY_HEADER,
            HeaderValue::from_str(public_key).unwrap(),
        );
    }
    headers
}

fn verifier() -> Verifier {
    Verifier::new(StaticKeyStore::new().with_key(PUBLIC_KEY, SECRET))
}

#[test]
fn independently_computed_signature_verifies() {
    let verifier = verifier();
    assert_eq!(
        verifier.verify(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            BODY.as_bytes()
        ),
        Ok(())
    );
    assert_eq!(
        verify_signature(&WebhookSecret::new(SECRET), BODY.as_bytes(), BODY_SIGNATURE),
        Ok(())
    );
}

#[test]
fn sign_matches_the_independent_implementation() {
    assert_eq!(
        testing::sign(&WebhookSecret::new(SECRET), BODY.as_bytes()),
        BODY_SIGNATURE
    );
    // RFC 4231, test case 2.
    assert_eq!(
        testing::sign(&WebhookSecret::new("Jefe"), b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn verified_body_parses_into_the_event() {
    let event = verifier()
        .verify_and_parse(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            BODY.as_bytes(),
        )
        .unwrap();
    assert_eq!(event.event_type(), "call.completed");
    assert_eq!(event.call_id(), Some("68f0a1b2c3d4e5f600000900"));
}

#[test]
fn tampered_body_is_a_mismatch() {
    let tampered = BODY.replace("\"durationSeconds\":96", "\"durationSeconds\":97");
    assert_eq!(
        verifier().verify(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            tampered.as_bytes()
        ),
        Err(VerifyError::SignatureMismatch)
    );
    // Re-serialising changes spacing, and with it the digest.
    let reformatted =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(BODY).unwrap())
            .unwrap();
    assert_eq!(
        verifier().verify(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            reformatted.as_bytes()
        ),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn tampered_signature_is_a_mismatch() {
    let mut tampered = BODY_SIGNATURE.to_owned();
    tampered.replace_range(63..64, "7");
    assert_ne!(tampered, BODY_SIGNATURE);
    assert_eq!(
        verifier().verify(&headers(Some(&tampered), Some(PUBLIC_KEY)), BODY.as_bytes()),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn wrong_key_is_a_mismatch() {
    let other =
        Verifier::new(StaticKeyStore::new().with_key(PUBLIC_KEY, "sk_another_organization"));
    assert_eq!(
        other.verify(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            BODY.as_bytes()
        ),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn missing_signature_header() {
    assert_eq!(
        verifier().verify(&headers(None, Some(PUBLIC_KEY)), BODY.as_bytes()),
        Err(VerifyError::MissingSignature)
    );
}

#[test]
fn missing_public_key_header() {
    assert_eq!(
        verifier().verify(&headers(Some(BODY_SIGNATURE), None), BODY.as_bytes()),
        Err(VerifyError::MissingPublicKey)
    );
    let pinned = Verifier::new(SingleSecret::new(SECRET).expect_public_key(PUBLIC_KEY));
    assert_eq!(
        pinned.verify(&headers(Some(BODY_SIGNATURE), None), BODY.as_bytes()),
        Err(VerifyError::MissingPublicKey)
    );
    // A single secret that is not pinned needs no public key.
    assert_eq!(
        Verifier::with_secret(SECRET).verify(&headers(Some(BODY_SIGNATURE), None), BODY.as_bytes()),
        Ok(())
    );
}

#[test]
fn unknown_public_key() {
    assert_eq!(
        verifier().verify(
            &headers(
                Some(BODY_SIGNATURE),
                Some("pk_ffffffffffffffffffffffffffffffff")
            ),
            BODY.as_bytes()
        ),
        Err(VerifyError::UnknownPublicKey {
            public_key: "pk_ffffffffffffffffffffffffffffffff".into()
        })
    );
}

#[test]
fn malformed_signatures() {
    let verify = |signature: &str| {
        verifier().verify(&headers(Some(signature), Some(PUBLIC_KEY)), BODY.as_bytes())
    };
    assert_eq!(
        verify(&BODY_SIGNATURE.to_uppercase()),
        Err(VerifyError::MalformedSignature(
            SignatureFormatError::NotLowercaseHex
        ))
    );
    assert_eq!(
        verify(&BODY_SIGNATURE[..40]),
        Err(VerifyError::MalformedSignature(
            SignatureFormatError::WrongLength(40)
        ))
    );
    assert_eq!(
        verify(&format!("sha256={BODY_SIGNATURE}")),
        Err(VerifyError::MalformedSignature(
            SignatureFormatError::WrongLength(71)
        ))
    );
    assert_eq!(
        verify(&"zz".repeat(32)),
        Err(VerifyError::MalformedSignature(
            SignatureFormatError::NotLowercaseHex
        ))
    );
    assert_eq!(
        verify(""),
        Err(VerifyError::MalformedSignature(
            SignatureFormatError::WrongLength(0)
        ))
    );
}

#[test]
fn repeated_signature_header_is_refused() {
    let mut headers = headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY));
    headers.append(SIGNATURE_HEADER, HeaderValue::from_static("00"));
    assert_eq!(
        verifier().verify(&headers, BODY.as_bytes()),
        Err(VerifyError::MalformedSignature(
            SignatureFormatError::Repeated
        ))
    );
}

#[test]
fn body_over_the_limit_is_refused_before_anything_else() {
    let small = verifier().max_body_bytes(BODY.len() - 1);
    assert_eq!(small.body_limit(), BODY.len() - 1);
    // Even a correct signature does not make an oversized body acceptable, and
    // the size is checked before the headers.
    assert_eq!(
        small.verify(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            BODY.as_bytes()
        ),
        Err(VerifyError::BodyTooLarge {
            limit: BODY.len() - 1
        })
    );
    assert_eq!(
        small.verify(&HeaderMap::new(), BODY.as_bytes()),
        Err(VerifyError::BodyTooLarge {
            limit: BODY.len() - 1
        })
    );
    let exact = verifier().max_body_bytes(BODY.len());
    assert_eq!(
        exact.verify(
            &headers(Some(BODY_SIGNATURE), Some(PUBLIC_KEY)),
            BODY.as_bytes()
        ),
        Ok(())
    );
}

#[test]
fn key_store_serves_several_organizations() {
    let secret_a = WebhookSecret::new("sk_aaaa");
    let secret_b = WebhookSecret::new("sk_bbbb");
    let verifier = Verifier::new(
        StaticKeyStore::new()
            .with_key("pk_a", secret_a.clone())
            .with_key("pk_b", secret_b.clone()),
    );
    let body = testing::EventBuilder::end_of_call().body();
    let from_a = testing::SignedDelivery::new("pk_a", &secret_a, body.clone());
    let from_b = testing::SignedDelivery::new("pk_b", &secret_b, body.clone());
    assert_eq!(verifier.verify(&from_a.headers, &from_a.body), Ok(()));
    assert_eq!(verifier.verify(&from_b.headers, &from_b.body), Ok(()));
    // Organization A's signature presented under B's public key.
    let mut forged = from_a.headers.clone();
    forged.insert(PUBLIC_KEY_HEADER, HeaderValue::from_static("pk_b"));
    assert_eq!(
        verifier.verify(&forged, &body),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn verify_parts_works_without_a_header_map() {
    let verifier = verifier();
    assert_eq!(
        verifier.verify_parts(
            Some(BODY_SIGNATURE.as_bytes()),
            Some(PUBLIC_KEY),
            BODY.as_bytes()
        ),
        Ok(())
    );
    assert_eq!(
        verifier.verify_parts(None, Some(PUBLIC_KEY), BODY.as_bytes()),
        Err(VerifyError::MissingSignature)
    );
}

#[test]
fn verified_garbage_is_a_parse_error_and_maps_to_400() {
    let secret = WebhookSecret::new(SECRET);
    let delivery = testing::SignedDelivery::new(PUBLIC_KEY, &secret, &b"{\"event\": 42"[..]);
    let error = verifier()
        .verify_and_parse(&delivery.headers, &delivery.body)
        .unwrap_err();
    assert!(matches!(error, WebhookError::Parse(_)), "{error:?}");
    assert_eq!(error.http_status(), 400);
}

#[test]
fn every_failure_maps_to_its_status() {
    let status = |error: VerifyError| WebhookError::from(error).http_status();
    assert_eq!(status(VerifyError::SignatureMismatch), 401);
    assert_eq!(status(VerifyError::MissingSignature), 401);
    assert_eq!(status(VerifyError::MissingPublicKey), 401);
    assert_eq!(status(VerifyError::BodyTooLarge { limit: 1 }), 413);
}

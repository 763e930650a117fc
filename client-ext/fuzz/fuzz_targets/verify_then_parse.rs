//! Verify-then-parse on hostile input, as a receiver runs it.
//!
//! The first input byte picks the mode. Even: the rest is a body signed with
//! the right key, so every input reaches the parser (an HMAC match would
//! otherwise never be found). Odd: the rest is split into an `x-signature`
//! value, an `x-public-key` value and a body, for the header checks.
#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use mirai_voice::webhook::{
    PUBLIC_KEY_HEADER, SIGNATURE_HEADER, Verifier, WebhookError, WebhookEvent, testing,
};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let secret = testing::test_secret();
    let verifier = Verifier::with_secret(secret.clone()).max_body_bytes(64 * 1024);

    if mode % 2 == 0 {
        let headers = testing::signed_headers(testing::TEST_PUBLIC_KEY, &secret, rest);
        match verifier.verify_and_parse(&headers, rest) {
            Ok(event) => {
                // What the SDK parsed, it can write back and read again unchanged.
                let again =
                    WebhookEvent::from_slice(&event.to_vec()).expect("a serialized event parses");
                assert_eq!(again, event);
            }
            Err(WebhookError::Parse(_)) => {}
            Err(WebhookError::Verify(_)) if rest.len() > verifier.body_limit() => {}
            Err(other) => panic!("a correctly signed body was refused: {other:?}"),
        }
    } else {
        let signature_len = usize::from(mode >> 1) % (rest.len() + 1);
        let (signature, rest) = rest.split_at(signature_len);
        let public_key_len = rest.first().map_or(0, |&n| usize::from(n)) % (rest.len() + 1);
        let (public_key, body) = rest.split_at(public_key_len);
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(signature) {
            headers.insert(SIGNATURE_HEADER, value);
        }
        if let Ok(value) = HeaderValue::from_bytes(public_key) {
            headers.insert(PUBLIC_KEY_HEADER, value);
        }
        let _ = verifier.verify_and_parse(&headers, body);
        let _ = WebhookEvent::from_slice(body);
    }
});

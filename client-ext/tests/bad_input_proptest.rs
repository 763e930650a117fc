//! Property tests over the parsers that take input from outside: error response bodies (any
//! bytes, and mutations of JSON error bodies) always become a typed error that keeps the status
//! and the body, and configuration (environment variables and builder settings of any content)
//! gives a configuration or a typed `ConfigError` that never echoes a key. Nothing panics.

use std::collections::HashMap;
use std::time::Duration;

use mirai_voice::config::{ClientBuilder, ClientConfig, ConfigError};
use mirai_voice::error::{MAX_KEPT_BODY_BYTES, RawBody, UnknownCause, parse_error_body};
use mirai_voice::operation::OperationContext;
use mirai_voice::{Environment, Error};
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

/// Cases per property.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- error bodies ----

/// The operations of each retry class: the mapping differs between them.
fn operation() -> impl Strategy<Value = OperationContext> {
    prop_oneof![
        Just(OperationContext::new(
            "adminListAssistants",
            "GET",
            "/v1/admin/assistant"
        )),
        Just(OperationContext::new("abortCall", "POST", "/v2/call/abort")),
        Just(OperationContext::new(
            "initiateCall",
            "POST",
            "/v2/call/initiate"
        )),
        Just(OperationContext::new(
            "initiateWebCall",
            "POST",
            "/v2/call/web"
        )),
    ]
}

fn status() -> impl Strategy<Value = StatusCode> {
    (200u16..600).prop_map(|code| StatusCode::from_u16(code).expect("a status in range"))
}

fn content_type() -> impl Strategy<Value = HeaderMap> {
    prop_oneof![
        Just("application/json"),
        Just("text/html"),
        Just("text/plain; charset=utf-8"),
        Just(""),
    ]
    .prop_map(|value| {
        let mut headers = HeaderMap::new();
        if !value.is_empty() {
            headers.insert("content-type", HeaderValue::from_static(value));
        }
        headers
    })
}

/// A JSON value in the shapes error bodies take, with the fields the parser looks for.
fn error_json() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        ".{0,24}".prop_map(Value::from),
        "[0-9 ]{0,6}".prop_map(Value::from),
    ];
    let value = scalar.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("code".to_owned()),
                    Just("message".to_owned()),
                    Just("status_code".to_owned()),
                    Just("statusCode".to_owned()),
                    Just("error".to_owned()),
                    Just("msg".to_owned()),
                    Just("detail".to_owned()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..5,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    prop_oneof![
        value.clone(),
        (value.clone(), value)
            .prop_map(|(code, message)| json!({"code": code, "message": message})),
    ]
}

/// Serialized JSON error bodies, then cut, with a byte flipped, or with bytes inserted.
fn mutated_json_body() -> impl Strategy<Value = Vec<u8>> {
    (error_json(), any::<usize>(), any::<u8>(), 0u8..4).prop_map(|(value, at, byte, how)| {
        let mut bytes = serde_json::to_vec(&value).expect("a JSON value serializes");
        let at = at % (bytes.len() + 1);
        match how {
            0 => {}
            1 => bytes.truncate(at),
            2 if at < bytes.len() => bytes[at] ^= byte.max(1),
            _ => bytes.insert(at, byte),
        }
        bytes
    })
}

fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        mutated_json_body(),
        ".{0,300}".prop_map(String::into_bytes),
        // Longer than what an error keeps.
        (MAX_KEPT_BODY_BYTES - 4..MAX_KEPT_BODY_BYTES + 64)
            .prop_map(|len| "é".repeat(len / 2).into_bytes()),
    ]
}

/// The body an error kept, wherever its variant keeps it.
fn kept_body(error: &Error) -> Option<&RawBody> {
    match error {
        Error::Api(api) => Some(api.body()),
        Error::Decode(decode) => Some(decode.body()),
        Error::OutcomeUnknown(unknown) => match unknown.cause() {
            UnknownCause::ServerError(api) => Some(api.body()),
            UnknownCause::ResponseBodyUndecodable { body, .. } => Some(body),
            _ => None,
        },
        _ => None,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_error_body_parses_without_panicking(body in any_body()) {
        let parsed = parse_error_body(&body);
        if let Some(message) = parsed.message {
            prop_assert!(!message.trim().is_empty(), "a message is never blank");
        }
    }

    #[test]
    fn any_response_becomes_a_typed_error_keeping_status_and_body(
        operation in operation(),
        status in status(),
        headers in content_type(),
        body in any_body(),
        already_truncated in any::<bool>(),
    ) {
        let error = Error::from_response(operation, status, &headers, &body, already_truncated);
        prop_assert_eq!(error.status(), Some(status));
        prop_assert_eq!(error.operation_id(), Some(operation.operation_id()));
        let kept = kept_body(&error);
        prop_assert!(kept.is_some(), "the body is kept: {:?}", error);
        let kept = kept.expect("checked above");
        let keep = body.len().min(MAX_KEPT_BODY_BYTES);
        prop_assert_eq!(kept.as_bytes(), &body[..keep]);
        prop_assert_eq!(kept.is_truncated(), already_truncated || body.len() > keep);
        // Every rendering works on any body.
        let (display, debug) = (error.to_string(), format!("{error:?}"));
        prop_assert!(!display.is_empty() && !debug.is_empty());
        let _ = kept.redacted();
        let _ = kept.text();
        // The API's own fields agree with the parser on the same bytes.
        if let Some(api) = error.api_error() {
            let parsed = parse_error_body(&body);
            prop_assert_eq!(api.code(), parsed.code);
        }
    }
}

// ---- configuration ----

/// A marker no message template contains, so finding the key's text in a message means the key
/// was echoed.
const PRIVATE_MARK: &str = "sk_Q7Zx";
const PUBLIC_MARK: &str = "pk_Q7Zx";

/// Keys of every kind: well-formed, with whitespace around, with control characters, non-ASCII.
fn key(mark: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{32,64}".prop_map(move |rest| format!("{mark}{rest}")),
        "\\PC{0,20}".prop_map(move |rest| format!("{mark}{rest}")),
        ".{0,20}".prop_map(move |rest| format!("  {mark}{rest}\n")),
        "[\\x00-\\x1f\\x7f]{1,3}".prop_map(move |rest| format!("{mark}{rest}")),
    ]
}

/// Values for the non-secret settings: plausible, empty, blank or garbage.
fn setting() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("  ".to_owned()),
        Just("production".to_owned()),
        Just("staging".to_owned()),
        Just("http://127.0.0.1:8080".to_owned()),
        Just("https://api.example.com/v1/".to_owned()),
        "[a-z0-9_-]{1,24}",
        "[a-z]{2,8}://[a-z.]{0,12}(:[0-9]{0,6})?(/.{0,8})?",
        ".{0,24}",
    ]
}

fn assert_no_key_in(text: &str, keys: &[&str]) -> Result<(), TestCaseError> {
    for key in keys {
        let key = key.trim();
        prop_assert!(!text.contains(key), "a key was echoed: {text}");
    }
    Ok(())
}

fn check_config(
    result: Result<ClientConfig, ConfigError>,
    keys: &[&str],
) -> Result<(), TestCaseError> {
    match result {
        Ok(config) => {
            assert_no_key_in(&format!("{config:?}"), keys)?;
            prop_assert!(config.base_url().starts_with("http"));
        }
        Err(error) => {
            assert_no_key_in(&error.to_string(), keys)?;
            assert_no_key_in(&format!("{error:?}"), keys)?;
            // And as the crate's error, which is what `Client::builder().build()` returns.
            let wrapped = Error::from(error);
            assert_no_key_in(&wrapped.to_string(), keys)?;
            assert_no_key_in(&format!("{wrapped:?}"), keys)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_environment_gives_a_config_or_a_typed_error_without_keys(
        public_key in prop::option::of(key(PUBLIC_MARK)),
        private_key in prop::option::of(key(PRIVATE_MARK)),
        workspace in prop::option::of(setting()),
        organization in prop::option::of(setting()),
        base_url in prop::option::of(setting()),
        environment in prop::option::of(setting()),
    ) {
        let mut vars = HashMap::new();
        for (name, value) in [
            ("MIRAI_PUBLIC_KEY", &public_key),
            ("MIRAI_PRIVATE_KEY", &private_key),
            ("MIRAI_WORKSPACE", &workspace),
            ("MIRAI_ORGANIZATION", &organization),
            ("MIRAI_BASE_URL", &base_url),
            ("MIRAI_ENVIRONMENT", &environment),
        ] {
            if let Some(value) = value {
                vars.insert(name, value.clone());
            }
        }
        let result = ClientConfig::from_env_source(|name| vars.get(name).cloned());
        let keys: Vec<&str> = [&public_key, &private_key].into_iter().flatten().map(String::as_str).collect();
        check_config(result, &keys)?;
    }

    #[test]
    fn any_builder_settings_give_a_config_or_a_typed_error_without_keys(
        public_key in key(PUBLIC_MARK),
        private_key in key(PRIVATE_MARK),
        workspace in prop::option::of(setting()),
        organization in prop::option::of(setting()),
        base_url in prop::option::of(setting()),
        staging in any::<bool>(),
        user_agent in prop::option::of(setting()),
        timeouts in (0u64..3, 0u64..3, 0u64..3),
    ) {
        let mut builder = ClientBuilder::new()
            .public_key(public_key.clone())
            .private_key(private_key.clone())
            .connect_timeout(Duration::from_millis(timeouts.0))
            .attempt_timeout(Duration::from_millis(timeouts.1))
            .total_deadline(Duration::from_millis(timeouts.2));
        if staging {
            builder = builder.environment(Environment::Staging);
        }
        if let Some(workspace) = workspace {
            builder = builder.workspace(workspace);
        }
        if let Some(organization) = organization {
            builder = builder.organization(organization);
        }
        if let Some(base_url) = base_url {
            builder = builder.base_url(base_url);
        }
        if let Some(user_agent) = user_agent {
            builder = builder.user_agent(user_agent);
        }
        assert_no_key_in(&format!("{builder:?}"), &[&public_key, &private_key])?;
        check_config(builder.build_config(), &[&public_key, &private_key])?;
    }
}

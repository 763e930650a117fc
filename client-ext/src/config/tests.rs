use std::collections::HashMap;

use super::*;
use crate::test_support::{LogCapture, PRIVATE_KEY, PUBLIC_KEY, assert_no_key_material};

fn vars(pairs: &[(&'static str, &str)]) -> HashMap<&'static str, String> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn with_keys(extra: &[(&'static str, &str)]) -> HashMap<&'static str, String> {
    let mut map = vars(&[(ENV_PUBLIC_KEY, PUBLIC_KEY), (ENV_PRIVATE_KEY, PRIVATE_KEY)]);
    map.extend(vars(extra));
    map
}

fn from(map: &HashMap<&'static str, String>) -> Result<ClientConfig, ConfigError> {
    ClientConfig::from_env_source(|name| map.get(name).cloned())
}

fn builder() -> ClientBuilder {
    ClientBuilder::new()
        .public_key(PUBLIC_KEY)
        .private_key(PRIVATE_KEY)
}

#[test]
fn env_with_only_keys_gives_the_defaults() {
    let config = from(&with_keys(&[])).unwrap();
    assert_eq!(config.public_key().expose_secret(), PUBLIC_KEY);
    assert_eq!(config.private_key().expose_secret(), PRIVATE_KEY);
    assert_eq!(config.base_url(), PRODUCTION_BASE_URL);
    assert_eq!(config.workspace(), None);
    assert_eq!(config.organization(), None);
    assert_eq!(config.connect_timeout(), Duration::from_secs(10));
    assert_eq!(config.attempt_timeout(), Duration::from_secs(30));
    assert_eq!(config.total_deadline(), Duration::from_secs(120));
    assert_eq!(config.retry(), &RetryConfig::default());
    assert_eq!(config.retry().max_retries(), 2);
    assert_eq!(
        config.user_agent(),
        concat!("mirai-voice-rust/", env!("CARGO_PKG_VERSION"))
    );
    assert!(config.custom_http_client().is_none());
}

#[test]
fn env_reads_scope_and_endpoint() {
    let config = from(&with_keys(&[
        (ENV_WORKSPACE, " 65f1c0ffee0123456789abcd "),
        (ENV_ORGANIZATION, "65f1c0ffee0123456789abce"),
        (ENV_BASE_URL, "http://127.0.0.1:8080/"),
    ]))
    .unwrap();
    assert_eq!(config.workspace(), Some("65f1c0ffee0123456789abcd"));
    assert_eq!(config.organization(), Some("65f1c0ffee0123456789abce"));
    assert_eq!(config.base_url(), "http://127.0.0.1:8080");

    let staging = from(&with_keys(&[(ENV_ENVIRONMENT, "STAGING")])).unwrap();
    assert_eq!(staging.base_url(), STAGING_BASE_URL);
    let production = from(&with_keys(&[(ENV_ENVIRONMENT, "production")])).unwrap();
    assert_eq!(production.base_url(), PRODUCTION_BASE_URL);
}

#[test]
fn empty_optional_variables_count_as_unset() {
    let config = from(&with_keys(&[
        (ENV_WORKSPACE, ""),
        (ENV_ORGANIZATION, "  "),
        (ENV_ENVIRONMENT, ""),
    ]))
    .unwrap();
    assert_eq!(config.workspace(), None);
    assert_eq!(config.organization(), None);
    assert_eq!(config.base_url(), PRODUCTION_BASE_URL);
}

#[test]
fn keys_with_a_trailing_newline_are_trimmed() {
    let config = from(&vars(&[
        (ENV_PUBLIC_KEY, &format!("{PUBLIC_KEY}\n")),
        (ENV_PRIVATE_KEY, &format!(" {PRIVATE_KEY}\r\n")),
    ]))
    .unwrap();
    assert_eq!(config.private_key().expose_secret(), PRIVATE_KEY);
}

#[test]
fn missing_and_malformed_variables_are_named_without_their_value() {
    let cases: Vec<(HashMap<&'static str, String>, ConfigError)> = vec![
        (
            vars(&[]),
            ConfigError::MissingVariable {
                name: ENV_PUBLIC_KEY,
            },
        ),
        (
            vars(&[(ENV_PUBLIC_KEY, PUBLIC_KEY)]),
            ConfigError::MissingVariable {
                name: ENV_PRIVATE_KEY,
            },
        ),
        (
            vars(&[(ENV_PUBLIC_KEY, PUBLIC_KEY), (ENV_PRIVATE_KEY, "  ")]),
            ConfigError::InvalidVariable {
                name: ENV_PRIVATE_KEY,
                reason: InvalidReason::Empty,
            },
        ),
        (
            vars(&[
                (ENV_PUBLIC_KEY, PUBLIC_KEY),
                (ENV_PRIVATE_KEY, &format!("{PRIVATE_KEY}\nX-Evil: 1")),
            ]),
            ConfigError::InvalidVariable {
                name: ENV_PRIVATE_KEY,
                reason: InvalidReason::NotHeaderSafe,
            },
        ),
        (
            vars(&[
                (ENV_PUBLIC_KEY, &format!("{PUBLIC_KEY}é")),
                (ENV_PRIVATE_KEY, PRIVATE_KEY),
            ]),
            ConfigError::InvalidVariable {
                name: ENV_PUBLIC_KEY,
                reason: InvalidReason::NotHeaderSafe,
            },
        ),
        (
            with_keys(&[(ENV_WORKSPACE, "ws\u{7f}")]),
            ConfigError::InvalidVariable {
                name: ENV_WORKSPACE,
                reason: InvalidReason::NotHeaderSafe,
            },
        ),
        (
            with_keys(&[(ENV_BASE_URL, &format!("ftp://{PRIVATE_KEY}@example.com"))]),
            ConfigError::InvalidVariable {
                name: ENV_BASE_URL,
                reason: InvalidReason::NotHttpUrl,
            },
        ),
        (
            with_keys(&[(ENV_BASE_URL, "https://example.com/?key=1")]),
            ConfigError::InvalidVariable {
                name: ENV_BASE_URL,
                reason: InvalidReason::NotHttpUrl,
            },
        ),
        (
            with_keys(&[(ENV_BASE_URL, "not a url")]),
            ConfigError::InvalidVariable {
                name: ENV_BASE_URL,
                reason: InvalidReason::NotHttpUrl,
            },
        ),
        (
            with_keys(&[(ENV_ENVIRONMENT, "prod")]),
            ConfigError::InvalidVariable {
                name: ENV_ENVIRONMENT,
                reason: InvalidReason::UnknownEnvironment,
            },
        ),
        (
            with_keys(&[
                (ENV_ENVIRONMENT, "staging"),
                (ENV_BASE_URL, "http://localhost:3000"),
            ]),
            ConfigError::ConflictingVariables {
                first: ENV_BASE_URL,
                second: ENV_ENVIRONMENT,
            },
        ),
    ];
    for (env, expected) in cases {
        let err = from(&env).unwrap_err();
        assert_eq!(err, expected);
        assert_no_key_material(&err.to_string());
        assert_no_key_material(&format!("{err:?}"));
    }
}

#[test]
fn error_messages_read_well() {
    assert_eq!(
        ConfigError::MissingVariable {
            name: ENV_PRIVATE_KEY
        }
        .to_string(),
        "environment variable MIRAI_PRIVATE_KEY is not set"
    );
    assert_eq!(
        ConfigError::InvalidVariable {
            name: ENV_ENVIRONMENT,
            reason: InvalidReason::UnknownEnvironment
        }
        .to_string(),
        "environment variable MIRAI_ENVIRONMENT must be `production` or `staging`"
    );
    assert_eq!(
        ConfigError::ConflictingVariables {
            first: ENV_BASE_URL,
            second: ENV_ENVIRONMENT
        }
        .to_string(),
        "environment variables MIRAI_BASE_URL and MIRAI_ENVIRONMENT are both set: set only one"
    );
    assert_eq!(
        ConfigError::MissingSetting {
            setting: "public_key"
        }
        .to_string(),
        "client configuration is missing `public_key`: call ClientBuilder::public_key"
    );
}

#[test]
fn process_environment_lookup_distinguishes_unset() {
    assert!(matches!(
        env::process_env("MIRAI_VOICE_TEST_SURELY_UNSET_VARIABLE"),
        env::Lookup::Unset
    ));
}

#[test]
fn builder_requires_keys_and_positive_durations() {
    assert_eq!(
        ClientBuilder::new()
            .private_key(PRIVATE_KEY)
            .build_config()
            .unwrap_err(),
        ConfigError::MissingSetting {
            setting: "public_key"
        }
    );
    assert_eq!(
        ClientBuilder::new()
            .public_key(PUBLIC_KEY)
            .build_config()
            .unwrap_err(),
        ConfigError::MissingSetting {
            setting: "private_key"
        }
    );
    for (setting, b) in [
        ("connect_timeout", builder().connect_timeout(Duration::ZERO)),
        ("attempt_timeout", builder().attempt_timeout(Duration::ZERO)),
        ("total_deadline", builder().total_deadline(Duration::ZERO)),
    ] {
        assert_eq!(
            b.build_config().unwrap_err(),
            ConfigError::InvalidSetting {
                setting,
                reason: InvalidReason::ZeroDuration
            }
        );
    }
    assert_eq!(
        builder()
            .user_agent("bad\nagent")
            .build_config()
            .unwrap_err(),
        ConfigError::InvalidSetting {
            setting: "user_agent",
            reason: InvalidReason::NotHeaderSafe
        }
    );
    assert_eq!(
        builder().organization("").build_config().unwrap_err(),
        ConfigError::InvalidSetting {
            setting: "organization",
            reason: InvalidReason::Empty
        }
    );
}

#[test]
fn builder_settings_are_kept() {
    let http = reqwest::Client::new();
    let config = builder()
        .workspace("ws")
        .organization("org")
        .environment(Environment::Staging)
        .base_url("http://127.0.0.1:9/api/")
        .connect_timeout(Duration::from_secs(1))
        .attempt_timeout(Duration::from_secs(2))
        .total_deadline(Duration::from_secs(3))
        .retry(RetryConfig::disabled())
        .max_retries(4)
        .user_agent("my-app/1.0")
        .http_client(http)
        .build_config()
        .unwrap();
    assert_eq!(
        config.base_url(),
        "http://127.0.0.1:9/api",
        "the last endpoint setting wins"
    );
    assert_eq!(config.workspace(), Some("ws"));
    assert_eq!(config.organization(), Some("org"));
    assert_eq!(config.connect_timeout(), Duration::from_secs(1));
    assert_eq!(config.retry().max_retries(), 4);
    assert_eq!(config.user_agent(), "my-app/1.0");
    assert!(config.custom_http_client().is_some());
    assert!(config.http_client().is_ok());

    let executor = config.executor();
    assert_eq!(
        executor.client_timeout(),
        None,
        "a caller's HTTP client keeps its own limits, so each attempt's is set on the request"
    );
    assert_eq!(executor.attempt_timeout(), Duration::from_secs(2));
    assert_eq!(executor.total_deadline(), Duration::from_secs(3));
    assert_eq!(executor.retry().max_retries(), 4);

    let environment_last = builder()
        .base_url("http://127.0.0.1:9")
        .environment(Environment::Staging)
        .build_config()
        .unwrap();
    assert_eq!(environment_last.base_url(), STAGING_BASE_URL);
}

#[test]
fn default_http_client_can_be_built() {
    let config = builder()
        .attempt_timeout(Duration::from_secs(7))
        .build_config()
        .unwrap();
    assert!(config.http_client().is_ok());
    assert_eq!(
        config.executor().client_timeout(),
        Some(Duration::from_secs(7)),
        "the client the configuration builds applies the attempt timeout itself"
    );
}

#[test]
fn debug_output_never_shows_keys() {
    let mut headers = reqwest::header::HeaderMap::new();
    // Even a caller-supplied client with the key as a default header must not leak through our Debug.
    headers.insert(
        "x-private-key",
        reqwest::header::HeaderValue::from_static(PRIVATE_KEY),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let b = builder().http_client(http).workspace("ws-1");
    let config = b.clone().build_config().unwrap();
    for text in [
        format!("{b:?}"),
        format!("{config:?}"),
        format!("{:#?}", config),
    ] {
        assert_no_key_material(&text);
        assert!(text.contains("[redacted]"), "{text}");
        assert!(text.contains("ws-1"), "{text}");
        assert!(text.contains("custom"), "{text}");
    }
    assert!(format!("{:?}", ClientBuilder::new()).contains("unset"));
}

#[test]
fn unusual_key_shapes_warn_without_printing_the_key() {
    let capture = LogCapture::start();
    let odd_public = "pk_not-hex-at-all";
    let odd_private = "private-key-in-the-wrong-format-0123456789abcdef";
    let config = ClientBuilder::new()
        .public_key(odd_public)
        .private_key(odd_private)
        .build_config();
    assert!(config.is_ok(), "unusual keys are accepted");
    let logs = capture.contents();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(
        logs.contains("public key does not look like `pk_`"),
        "{logs}"
    );
    assert!(
        logs.contains("private key does not look like `sk_`"),
        "{logs}"
    );
    assert!(!logs.contains(odd_public), "{logs}");
    assert!(!logs.contains(odd_private), "{logs}");
}

#[test]
fn well_formed_keys_do_not_warn() {
    let capture = LogCapture::start();
    builder().build_config().unwrap();
    assert_eq!(capture.contents(), "");
}

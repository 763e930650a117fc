//! Request URLs built from the base URL parsed once.
//!
//! progenitor formats each request's URL as text, `format!("{}/v1/…", client.baseurl, …)`, and reqwest parses
//! that text in full on every request: scheme, host (with IDNA processing), port and path. Only the path differs
//! between requests, so the `parsed-base-url` codegen rule makes each `send` call [`join`] instead, which parses
//! the base once per client and, per request, only the path.
//!
//! The result is the URL the full parse would give, or the full parse itself when that cannot be promised: a base
//! that does not serialize back to its own text (it would be normalized), one with a query or fragment, a path
//! that does not start with `/` or holds a character the parser treats specially (`?`, `#`, whitespace or a
//! control character; progenitor percent-encodes them in path parameters, so only an unusual template reaches
//! them). A base URL that does not parse gives the parser's message as an error.

use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use reqwest::Url;

/// The base URL of a client, parsed the first time a request is built.
#[derive(Clone, Default)]
pub(crate) struct BaseUrlCache(OnceLock<Option<ParsedBase>>);

impl fmt::Debug for BaseUrlCache {
    /// Says only whether the base was parsed: a base URL may carry a user name and password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.0.get() {
            None => "not parsed yet",
            Some(None) => "joined by a full parse",
            Some(Some(_)) => "parsed",
        };
        f.write_str(state)
    }
}

/// A base URL whose text is its own serialization (or that with `/` appended, for an empty path).
#[derive(Clone)]
struct ParsedBase {
    /// The text the client was given.
    text: Box<str>,
    url: Url,
    /// What precedes a request's path in the joined path: the base's path, or nothing when the text has none.
    stem_len: usize,
}

impl ParsedBase {
    /// `None` when joining onto `text` could differ from parsing the concatenated text.
    fn new(text: &str) -> Option<Self> {
        let url = Url::parse(text).ok()?;
        if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
            return None;
        }
        let serialized = url.as_str();
        let stem_len = if serialized == text {
            url.path().len()
        } else if url.path() == "/" && serialized.strip_suffix('/') == Some(text) {
            // `http://host:port` serializes as `http://host:port/`; text + path gives path alone.
            0
        } else {
            return None;
        };
        Some(Self {
            text: text.into(),
            url,
            stem_len,
        })
    }

    fn stem(&self) -> &str {
        &self.url.path()[..self.stem_len]
    }
}

/// Whether the parser reads `path` as one path and nothing else: it starts with `/` and holds nothing that ends a
/// path or that the parser strips or trims.
fn is_plain_path(path: &str) -> bool {
    path.starts_with('/')
        && !path
            .bytes()
            .any(|b| matches!(b, b'?' | b'#') || b <= b' ' || b == 0x7f)
}

/// The URL of `path` (a request path as the spec's template gives it, parameters filled in) under the client's
/// base URL: the same URL as parsing `format!("{base}{path}")`.
///
/// # Errors
///
/// The URL parser's message when the base URL (or the joined text) is not a valid URL.
pub(crate) fn join(client: &crate::Client, path: fmt::Arguments<'_>) -> Result<Url, String> {
    let base = client
        .inner
        .base_url
        .0
        .get_or_init(|| ParsedBase::new(&client.baseurl));
    join_onto(base.as_ref(), &client.baseurl, path)
}

fn join_onto(
    base: Option<&ParsedBase>,
    text: &str,
    path: fmt::Arguments<'_>,
) -> Result<Url, String> {
    // A context can be cloned into a client with another base URL; the cached one is then not used.
    if let Some(base) = base.filter(|base| *base.text == *text) {
        let mut joined = String::new();
        let path = match path.as_str() {
            Some(constant) if base.stem_len == 0 => constant,
            _ => {
                joined.push_str(base.stem());
                write_path(&mut joined, path)?;
                &joined[base.stem_len..]
            }
        };
        if is_plain_path(path) {
            let mut url = base.url.clone();
            if joined.is_empty() {
                url.set_path(path);
            } else {
                url.set_path(&joined);
            }
            return Ok(url);
        }
    }
    let mut full = String::from(text);
    write_path(&mut full, path)?;
    Url::parse(&full).map_err(|e| format!("the request URL is not valid: {e}"))
}

/// Appends `path` to `text`. Writing into a `String` only fails if a `Display` implementation does.
fn write_path(text: &mut String, path: fmt::Arguments<'_>) -> Result<(), String> {
    text.write_fmt(path)
        .map_err(|_| "a path parameter could not be formatted".to_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What progenitor's code did: parse the concatenated text.
    fn full_parse(text: &str, path: &str) -> Result<Url, String> {
        Url::parse(&format!("{text}{path}"))
            .map_err(|e| format!("the request URL is not valid: {e}"))
    }

    fn joined(text: &str, path: &str) -> Result<Url, String> {
        let base = ParsedBase::new(text);
        join_onto(base.as_ref(), text, format_args!("{path}"))
    }

    const BASES: &[&str] = &[
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/",
        "https://api.voice-agents.miraiminds.co",
        "https://api.example.com/api",
        "https://api.example.com/api/",
        "https://api.example.com/a/b/c",
        "HTTPS://API.Example.COM:443/a/../b",
        "https://user:secret@api.example.com/v",
        "http://[::1]:9000",
        "https://bücher.example/x",
        "https://api.example.com?x=1",
        "https://api.example.com#top",
        "https://api.example.com/%7euser",
        "ftp://files.example.com/pub",
        "file:///tmp",
        "mailto:someone@example.com",
        "http://",
        "not a url",
        "",
        " http://127.0.0.1:8080 ",
    ];

    const PATHS: &[&str] = &[
        "/health",
        "/v1/admin/assistant/get/6650f0c2a1b2c3d4e5f60718",
        "/v1/x/..",
        "/v1/x/../../..",
        "/v1/./x",
        "/v1/x\\y",
        "/v1/%2e%2e/x",
        "/v1/x%3Fy",
        "//double",
        "/v1/ümlaut/日本",
        "/v1/x?query",
        "/v1/x#fragment",
        "/v1/tab\there",
        "/v1/trailing ",
        "relative",
        "",
    ];

    #[test]
    fn every_base_and_path_joins_as_the_full_parse_would() {
        for base in BASES {
            for path in PATHS {
                assert_eq!(
                    joined(base, path),
                    full_parse(base, path),
                    "base {base:?}, path {path:?}"
                );
            }
        }
    }

    #[test]
    fn a_canonical_base_is_parsed_once_and_used() {
        for (text, stem) in [
            ("http://127.0.0.1:8080", ""),
            ("http://127.0.0.1:8080/", "/"),
            ("https://api.example.com/api", "/api"),
        ] {
            let base = ParsedBase::new(text).unwrap_or_else(|| panic!("{text} is joined onto"));
            assert_eq!(base.stem(), stem, "{text}");
        }
        for text in [
            "HTTPS://API.Example.COM:443/a/../b",
            "https://api.example.com?x=1",
            "https://api.example.com#top",
            "mailto:someone@example.com",
            "not a url",
        ] {
            assert!(
                ParsedBase::new(text).is_none(),
                "{text} needs the full parse"
            );
        }
    }

    #[test]
    fn a_cached_base_for_another_text_is_not_used() {
        let base = ParsedBase::new("https://one.example.com/api");
        let url = join_onto(
            base.as_ref(),
            "https://two.example.com",
            format_args!("/health"),
        );
        assert_eq!(
            url.map(String::from),
            Ok("https://two.example.com/health".to_owned())
        );
    }

    #[test]
    fn an_invalid_base_is_an_error_naming_the_parser_s_reason() {
        assert_eq!(
            joined("not a url", "/health"),
            Err("the request URL is not valid: relative URL without a base".to_owned())
        );
    }

    #[test]
    fn the_cache_s_debug_never_shows_the_url() {
        let cache = BaseUrlCache::default();
        assert_eq!(format!("{cache:?}"), "not parsed yet");
        let _ = cache
            .0
            .get_or_init(|| ParsedBase::new("https://user:secret@api.example.com"));
        let shown = format!("{cache:?}");
        assert_eq!(shown, "parsed");
        assert!(!shown.contains("secret"));
    }

    /// A client whose base has a path stem sends each request to the stem plus the operation's path, parameters
    /// percent-encoded, as the formatted URL did.
    #[tokio::test]
    async fn requests_reach_the_path_under_the_base_url() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};

        use crate::prelude::*;

        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"status":"ok"}"#))
            .mount(&server)
            .await;
        let credentials = crate::Credentials::new("pk", "sk")
            .and_then(|c| c.with_workspace("65f1c0ffee0123456789abcd"))
            .expect("valid credentials");
        let client = crate::Client::new(
            &format!("{}/api", server.uri()),
            crate::ClientContext::with_credentials(credentials),
        );
        let _ = client.get_health_monitor().send().await;
        let _ = client
            .admin_get_assistant()
            .assistant_id("a b/c?d")
            .send()
            .await;
        let paths: Vec<String> = server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|request| request.url.path().to_owned())
            .collect();
        assert_eq!(
            paths,
            ["/api/health", "/api/v1/admin/assistant/get/a%20b%2Fc%3Fd"]
        );
    }

    #[tokio::test]
    async fn an_invalid_base_url_is_an_invalid_request_before_anything_is_sent() {
        use crate::prelude::*;

        let client = crate::Client::new(
            "not a url",
            crate::ClientContext::with_credentials(
                crate::Credentials::new("pk", "sk").expect("valid credentials"),
            ),
        );
        match client.get_health_monitor().send().await {
            Err(progenitor_client::Error::InvalidRequest(message)) => assert_eq!(
                message,
                "the request URL is not valid: relative URL without a base"
            ),
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    proptest! {
        /// Any path parameter, percent-encoded as progenitor does, under any of the bases.
        #[test]
        fn any_encoded_parameter_joins_as_the_full_parse_would(
            base in proptest::sample::select(BASES),
            prefix in proptest::sample::select(&["/v1/admin/assistant/get/", "/v1/", "/", "/v2/call/"][..]),
            parameter in any::<String>(),
            suffix in proptest::sample::select(&["", "/files", "/.."][..]),
        ) {
            let path = format!("{prefix}{}{suffix}", progenitor_client::encode_path(&parameter));
            prop_assert_eq!(joined(base, &path), full_parse(base, &path));
        }

        /// Any text at all as the path, encoded or not.
        #[test]
        fn any_path_text_joins_as_the_full_parse_would(
            base in proptest::sample::select(BASES),
            path in "/?[ -~\\t\\n\\u{80}-\\u{10ffff}]{0,40}",
        ) {
            prop_assert_eq!(joined(base, &path), full_parse(base, &path));
        }
    }
}

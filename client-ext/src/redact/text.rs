//! Masking credentials in free text: URLs, `Authorization` schemes, `name: value` and `"name":"value"` pairs.
//!
//! Every delimiter this scanner stops at is ASCII, so every index it slices at is a char boundary.

use std::borrow::Cow;
use std::ops::Range;

use super::REDACTED;
use super::json::is_credential_key;

/// Bytes that end an unquoted token (a URL, a bearer token, a value after `token=`).
fn ends_token(byte: u8) -> bool {
    byte.is_ascii_whitespace()
        || matches!(
            byte,
            b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\' | b',' | b';' | b')' | b']' | b'}'
        )
}

/// Replaces each of `ranges` (sorted, not overlapping) of `text` by [`REDACTED`].
fn replace_ranges<'a>(text: &'a str, ranges: &[Range<usize>]) -> Cow<'a, str> {
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for range in ranges {
        out.push_str(&text[copied..range.start]);
        out.push_str(REDACTED);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Bytes that end a URL: brackets, commas and parentheses may be part of one.
fn ends_url(byte: u8) -> bool {
    byte.is_ascii_whitespace() || matches!(byte, b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\')
}

/// The end of the URL starting at `start`.
fn url_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| ends_url(*b))
        .map_or(bytes.len(), |n| start + n)
}

/// The end of the token starting at `start`.
fn token_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| ends_token(*b))
        .map_or(bytes.len(), |n| start + n)
}

/// Whether `range` starts with an earlier pass's [`REDACTED`] (which a token scan may cut at its `]`).
fn already_redacted(text: &str, range: &Range<usize>) -> bool {
    text[range.start..].starts_with(REDACTED)
}

/// Masks the user-info, every query value and the fragment of every `http://`/`https://` URL in `text`; the
/// scheme, host and path stay.
pub(crate) fn redact_url(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(found) = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| lower[from..].find(scheme).map(|i| (from + i, scheme.len())))
        .min()
    {
        let (start, scheme_len) = found;
        let end = url_end(bytes, start);
        url_ranges(text, start + scheme_len, end, &mut ranges);
        from = end.max(start + scheme_len);
    }
    ranges.retain(|r| !already_redacted(text, r));
    replace_ranges(text, &ranges)
}

/// Collects the ranges to mask in the URL whose authority starts at `start` and which ends at `end`.
fn url_ranges(text: &str, start: usize, end: usize, ranges: &mut Vec<Range<usize>>) {
    let url = &text[start..end];
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    if let Some(at) = url[..authority_end].rfind('@') {
        ranges.push(start..start + at);
    }
    let fragment = url.find('#').unwrap_or(url.len());
    if let Some(query) = url[..fragment].find('?') {
        let mut pos = start + query + 1;
        for part in url[query + 1..fragment].split('&') {
            let value = match part.find('=') {
                Some(eq) => pos + eq + 1..pos + part.len(),
                None => pos..pos + part.len(),
            };
            if !value.is_empty() {
                ranges.push(value);
            }
            pos += part.len() + 1;
        }
    }
    if fragment + 1 < url.len() {
        ranges.push(start + fragment + 1..end);
    }
}

/// Masks URLs (as [`redact_url`]), the credential after `Bearer`/`Basic`, and the value after a credential-named
/// word followed by `:` or `=` (quoted or not), including `"value":"…"` pairs.
pub(crate) fn redact_credentials(text: &str) -> Cow<'_, str> {
    let urls = redact_url(text);
    let schemes = match redact_schemes(&urls) {
        Cow::Borrowed(_) => urls,
        Cow::Owned(owned) => Cow::Owned(owned),
    };
    match redact_named_values(&schemes) {
        Cow::Borrowed(_) => schemes,
        Cow::Owned(owned) => Cow::Owned(owned),
    }
}

const SCHEMES: &[&str] = &["bearer", "basic"];

fn redact_schemes(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    for (start, word) in words(bytes) {
        if !SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(word)) {
            continue;
        }
        let after = start + word.len();
        let token_start = after + bytes[after..].iter().take_while(|b| **b == b' ').count();
        if token_start == after {
            continue;
        }
        let range = token_start..token_end(bytes, token_start);
        if !range.is_empty() && !already_redacted(text, &range) {
            ranges.push(range);
        }
    }
    replace_ranges(text, &ranges)
}

fn redact_named_values(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (start, word) in words(bytes) {
        if ranges.last().is_some_and(|last| start < last.end) {
            continue;
        }
        let quoted_name = start > 0 && matches!(bytes[start - 1], b'"' | b'\'');
        if !(is_credential_key(word) || (quoted_name && word.eq_ignore_ascii_case("value"))) {
            continue;
        }
        let mut pos = start + word.len();
        if quoted_name && bytes.get(pos) == Some(&bytes[start - 1]) {
            pos += 1;
        }
        pos += count_spaces(&bytes[pos..]);
        if !matches!(bytes.get(pos), Some(b':' | b'=')) {
            continue;
        }
        pos += 1;
        pos += count_spaces(&bytes[pos..]);
        let range = match bytes.get(pos) {
            Some(quote @ (b'"' | b'\'')) => pos + 1..quoted_end(bytes, pos + 1, *quote),
            Some(_) => {
                // A value after `name=` also ends where the next query parameter starts.
                let end = token_end(bytes, pos).min(
                    bytes[pos..]
                        .iter()
                        .position(|b| *b == b'&')
                        .map_or(bytes.len(), |n| pos + n),
                );
                let value = &text[pos..end];
                if SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(value)) {
                    continue;
                }
                pos..end
            }
            None => continue,
        };
        if !range.is_empty() && !already_redacted(text, &range) {
            ranges.push(range);
        }
    }
    replace_ranges(text, &ranges)
}

fn count_spaces(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| **b == b' ').count()
}

/// The index of the closing `quote` of a quoted string whose content starts at `start` (the text's end when it is
/// unterminated); a backslash escapes the next byte.
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The words of `bytes` (runs of ASCII letters, digits, `-` and `_`) with their start index.
fn words(bytes: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    let is_word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !is_word(&bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() && is_word(&bytes[i]) {
            i += 1;
        }
        // Word bytes are ASCII, so this slice is valid UTF-8.
        std::str::from_utf8(&bytes[start..i])
            .ok()
            .map(|word| (start, word))
    })
}

/// Masks the content of every `"…"` and `` `…` `` in `text`.
pub(crate) fn mask_quoted(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let quote = bytes[i];
        if quote == b'"' || quote == b'`' {
            let end = quoted_end(bytes, i + 1, quote).min(bytes.len());
            if end > i + 1 {
                ranges.push(i + 1..end);
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    replace_ranges(text, &ranges).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_host_and_path() {
        let cases = [
            ("https://x.test/a/b", "https://x.test/a/b"),
            (
                "see HTTPS://u:p@x.test:8443/a?k=v&flag&e= now",
                "see HTTPS://[redacted]@x.test:8443/a?k=[redacted]&[redacted]&e= now",
            ),
            (
                "\"http://x.test/cb#access_token=t\" and http://y.test?q=1",
                "\"http://x.test/cb#[redacted]\" and http://y.test?q=[redacted]",
            ),
            ("https://x.test/a?", "https://x.test/a?"),
            ("no url here, just http:", "no url here, just http:"),
            (
                "https://x.test/a?k=[redacted]",
                "https://x.test/a?k=[redacted]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact_url(text), expected, "{text}");
        }
        assert!(matches!(redact_url("https://x.test/a"), Cow::Borrowed(_)));
    }

    #[test]
    fn credentials_after_markers_are_masked() {
        let cases = [
            (
                "Invalid header Authorization: Bearer abc.def",
                "Invalid header Authorization: Bearer [redacted]",
            ),
            ("basic dXNlcjpw, retry", "basic [redacted], retry"),
            ("token=t0k&next=1", "token=[redacted]&next=1"),
            ("x-api-key: k1; other", "x-api-key: [redacted]; other"),
            (
                r#"{"key":"Authorization","value":"Bearer s\"q"}"#,
                r#"{"key":"Authorization","value":"[redacted]"}"#,
            ),
            (
                r#"{'webhookToken': 'shh'}"#,
                r#"{'webhookToken': '[redacted]'}"#,
            ),
            ("Invalid webhook token", "Invalid webhook token"),
            ("the value: 5 is too big", "the value: 5 is too big"),
            ("Bearer", "Bearer"),
            ("ünïcödé token=é", "ünïcödé token=[redacted]"),
            (
                "https://x.test/a?api_key=k Bearer b",
                "https://x.test/a?api_key=[redacted] Bearer [redacted]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact_credentials(text), expected, "{text}");
        }
    }

    #[test]
    fn quoted_values_are_masked() {
        assert_eq!(
            mask_quoted(r#"string "a\"b", expected `x` or "#),
            r#"string "[redacted]", expected `[redacted]` or "#
        );
        assert_eq!(mask_quoted("open \"tail"), "open \"[redacted]");
        assert_eq!(mask_quoted("empty \"\" ok"), "empty \"\" ok");
    }
}

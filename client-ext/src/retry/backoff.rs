//! Delays between attempts: exponential backoff with full jitter, and `Retry-After` with a little jitter on top.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};

use super::RetryConfig;

/// The largest extra wait added to a `Retry-After`, as a fraction of it.
const RETRY_AFTER_JITTER_FRACTION: f64 = 0.1;

/// The computed delay before retry number `retry` (1 for the first retry), with "full jitter".
///
/// `random(0, min(max_backoff, initial_backoff × 2^(retry−1)))`: `jitter` is the random number, in `[0, 1]`
/// (values outside are clamped, a non-finite one counts as 1). Full jitter (as in the AWS SDKs) spreads clients
/// that failed together over the whole interval, so they neither retry in lockstep nor all wait the longest.
///
/// ```
/// use std::time::Duration;
/// use mirai_voice::retry::{RetryConfig, backoff_delay};
///
/// let cfg = RetryConfig::default();
/// assert_eq!(backoff_delay(1, &cfg, 1.0), Duration::from_millis(500));
/// assert_eq!(backoff_delay(2, &cfg, 1.0), Duration::from_secs(1));
/// assert_eq!(backoff_delay(10, &cfg, 1.0), Duration::from_secs(8));
/// assert_eq!(backoff_delay(2, &cfg, 0.5), Duration::from_millis(500));
/// assert_eq!(backoff_delay(2, &cfg, 0.0), Duration::ZERO);
/// ```
pub fn backoff_delay(retry: u32, cfg: &RetryConfig, jitter: f64) -> Duration {
    let exponent = retry.saturating_sub(1).min(31);
    let uncapped = cfg.initial_backoff().saturating_mul(1u32 << exponent);
    let capped = uncapped.min(cfg.max_backoff());
    capped.mul_f64(unit(jitter))
}

/// The wait before retrying after the server asked for `asked` (`Retry-After`): `asked + random(0, 10 % ×
/// asked)`, with `jitter` the random number in `[0, 1]`. Never shorter than what the server asked; the extra
/// keeps clients that were all told the same time from returning at the same instant.
///
/// ```
/// use std::time::Duration;
/// use mirai_voice::retry::retry_after_delay;
///
/// assert_eq!(retry_after_delay(Duration::from_secs(2), 0.0), Duration::from_secs(2));
/// assert_eq!(retry_after_delay(Duration::from_secs(2), 1.0), Duration::from_millis(2200));
/// assert_eq!(retry_after_delay(Duration::ZERO, 1.0), Duration::ZERO);
/// ```
pub fn retry_after_delay(asked: Duration, jitter: f64) -> Duration {
    asked.saturating_add(asked.mul_f64(RETRY_AFTER_JITTER_FRACTION * unit(jitter)))
}

/// A random draw clamped to `[0, 1]`; a non-finite one counts as 1 (the plain, unjittered delay).
fn unit(jitter: f64) -> f64 {
    if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// Reads how long the server asked the client to wait, from `retry-after-ms` (milliseconds) or `Retry-After`
/// (seconds, or an HTTP date compared with `now`).
///
/// Returns `None` when neither header is present or parseable. A date in the past means "now" (zero). Negative
/// or non-finite numbers are ignored.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use reqwest::header::{HeaderMap, HeaderValue};
/// use mirai_voice::retry::parse_retry_after;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", HeaderValue::from_static("3"));
/// assert_eq!(parse_retry_after(&headers, SystemTime::now()), Some(Duration::from_secs(3)));
/// ```
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    // Read on every response: names as constants, not parsed from `&str` per lookup.
    const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
    let text = |name: &HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text(&RETRY_AFTER_MS).and_then(parse_non_negative) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text(&RETRY_AFTER)?;
    if let Some(seconds) = parse_non_negative(value) {
        return Some(Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Largest number of seconds accepted, so that `Duration::from_secs_f64` cannot overflow.
const MAX_SECONDS: f64 = 1.0e9;

fn parse_non_negative(text: &str) -> Option<f64> {
    let value: f64 = text.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value.min(MAX_SECONDS))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_backoff_ceiling_doubles_then_caps() {
        let cfg = RetryConfig::default();
        let delays: Vec<_> = (1..=6).map(|n| backoff_delay(n, &cfg, 1.0)).collect();
        assert_eq!(
            delays,
            [500, 1000, 2000, 4000, 8000, 8000].map(Duration::from_millis)
        );
        assert_eq!(backoff_delay(u32::MAX, &cfg, 1.0), Duration::from_secs(8));
        assert_eq!(backoff_delay(0, &cfg, 1.0), Duration::from_millis(500));
    }

    #[test]
    fn full_jitter_spans_zero_to_the_ceiling() {
        let cfg = RetryConfig::default();
        let table = [
            (0.0, 0),
            (0.25, 2000),
            (0.5, 4000),
            (0.999, 7992),
            (1.0, 8000),
            (7.0, 8000),
            (-1.0, 0),
            (f64::NAN, 8000),
            (f64::INFINITY, 8000),
        ];
        for (jitter, millis) in table {
            assert_eq!(
                backoff_delay(5, &cfg, jitter),
                Duration::from_millis(millis),
                "{jitter}"
            );
        }
        // An injected sequence of draws gives exactly the delays it implies, each within [0, ceiling].
        let draws = [0.1, 0.9, 0.3, 0.6];
        let delays: Vec<_> = draws
            .iter()
            .zip(1..)
            .map(|(&draw, retry)| backoff_delay(retry, &cfg, draw))
            .collect();
        assert_eq!(delays, [50, 900, 600, 2400].map(Duration::from_millis));
    }

    #[test]
    fn retry_after_jitter_only_adds() {
        let asked = Duration::from_secs(10);
        for (jitter, millis) in [
            (0.0, 10_000),
            (0.5, 10_500),
            (1.0, 11_000),
            (3.0, 11_000),
            (-3.0, 10_000),
            (f64::NAN, 11_000),
        ] {
            let wait = retry_after_delay(asked, jitter);
            assert_eq!(wait, Duration::from_millis(millis), "{jitter}");
            assert!(wait >= asked, "never less than the server asked");
        }
        assert_eq!(
            retry_after_delay(Duration::MAX, 1.0),
            Duration::MAX,
            "saturates"
        );
    }

    #[test]
    fn retry_after_seconds_milliseconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", " 7 ")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(
                &headers(&[("retry-after-ms", "250"), ("retry-after", "9")]),
                now
            ),
            Some(Duration::from_millis(250)),
            "retry-after-ms wins"
        );
        let in_ten = httpdate::fmt_http_date(now + Duration::from_secs(10));
        let mut map = HeaderMap::new();
        map.insert("retry-after", HeaderValue::from_str(&in_ten).unwrap());
        assert_eq!(parse_retry_after(&map, now), Some(Duration::from_secs(10)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(10));
        map.insert("retry-after", HeaderValue::from_str(&past).unwrap());
        assert_eq!(parse_retry_after(&map, now), Some(Duration::ZERO));
    }

    #[test]
    fn unusable_retry_after_is_ignored() {
        let now = SystemTime::now();
        for bad in ["-1", "soon", "NaN", "inf", ""] {
            assert_eq!(
                parse_retry_after(&headers(&[("retry-after", bad)]), now),
                None,
                "{bad}"
            );
        }
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "99999999999999")]), now),
            Some(Duration::from_secs(1_000_000_000))
        );
    }
}

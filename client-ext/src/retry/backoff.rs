//! Delays between attempts: exponential backoff with jitter, and `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::RetryConfig;

/// The largest fraction of a computed delay that jitter removes.
const MAX_JITTER_FRACTION: f64 = 0.25;

/// The computed delay before retry number `retry` (1 for the first retry).
///
/// `initial_backoff × 2^(retry−1)`, capped at `max_backoff`, then shortened by up to 25 %: `jitter` is a random
/// number in `[0, 1]` (values outside are clamped) and removes `25 % × jitter` of the delay. Jitter spreads out
/// clients that failed together so they do not retry in lockstep.
///
/// ```
/// use std::time::Duration;
/// use mirai_voice::retry::{RetryConfig, backoff_delay};
///
/// let cfg = RetryConfig::default();
/// assert_eq!(backoff_delay(1, &cfg, 0.0), Duration::from_millis(500));
/// assert_eq!(backoff_delay(2, &cfg, 0.0), Duration::from_secs(1));
/// assert_eq!(backoff_delay(10, &cfg, 0.0), Duration::from_secs(8));
/// assert_eq!(backoff_delay(1, &cfg, 1.0), Duration::from_millis(375));
/// ```
pub fn backoff_delay(retry: u32, cfg: &RetryConfig, jitter: f64) -> Duration {
    let exponent = retry.saturating_sub(1).min(31);
    let uncapped = cfg.initial_backoff().saturating_mul(1u32 << exponent);
    let capped = uncapped.min(cfg.max_backoff());
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    capped.mul_f64(1.0 - MAX_JITTER_FRACTION * jitter)
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
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(parse_non_negative) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
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
    fn backoff_doubles_then_caps() {
        let cfg = RetryConfig::default();
        let delays: Vec<_> = (1..=6).map(|n| backoff_delay(n, &cfg, 0.0)).collect();
        assert_eq!(
            delays,
            [500, 1000, 2000, 4000, 8000, 8000].map(Duration::from_millis)
        );
        assert_eq!(backoff_delay(u32::MAX, &cfg, 0.0), Duration::from_secs(8));
        assert_eq!(backoff_delay(0, &cfg, 0.0), Duration::from_millis(500));
    }

    #[test]
    fn jitter_shortens_by_at_most_a_quarter() {
        let cfg = RetryConfig::default();
        assert_eq!(backoff_delay(5, &cfg, 0.5), Duration::from_secs(7));
        assert_eq!(backoff_delay(5, &cfg, 1.0), Duration::from_secs(6));
        assert_eq!(
            backoff_delay(5, &cfg, 7.0),
            Duration::from_secs(6),
            "clamped"
        );
        assert_eq!(
            backoff_delay(5, &cfg, -1.0),
            Duration::from_secs(8),
            "clamped"
        );
        assert_eq!(backoff_delay(5, &cfg, f64::NAN), Duration::from_secs(8));
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

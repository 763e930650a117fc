//! The rate limit: calls start at most at a given rate, evenly spaced.
//!
//! A schedule of start slots one interval apart (a token bucket holding one token): each call takes the next
//! free slot, no earlier than now. A slot taken for a row that turned out to be claimed elsewhere is given back,
//! so workers sharing a campaign do not spend their rate on each other's rows. The schedule is a pure value
//! ([`Schedule`]) driven by the times it is given, so it is tested without sleeping.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A rate of calls, e.g. `5/s`, `120/m`, `0.5/s`, or a plain number of calls per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    per_second: f64,
}

/// A rate that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a rate: write calls per second or minute, e.g. `5/s`, `120/m` or `2` (per second), above 0"
)]
pub struct InvalidRate(pub String);

impl Rate {
    /// `calls` per second; `None` unless it is finite and above zero.
    pub fn per_second(calls: f64) -> Option<Self> {
        (calls.is_finite() && calls > 0.0).then_some(Rate { per_second: calls })
    }

    /// The time between two starts.
    pub fn interval(&self) -> Duration {
        // At most one call a day: a longer interval is a typo, and `from_secs_f64` must not overflow.
        Duration::from_secs_f64((1.0 / self.per_second).min(86_400.0))
    }

    /// Calls per second.
    pub fn calls_per_second(&self) -> f64 {
        self.per_second
    }
}

impl FromStr for Rate {
    type Err = InvalidRate;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || InvalidRate(text.to_owned());
        let trimmed = text.trim();
        let (count, unit) = trimmed.split_once('/').unwrap_or((trimmed, "s"));
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            _ => return Err(fail()),
        };
        let count: f64 = count.trim().parse().map_err(|_| fail())?;
        Rate::per_second(count / seconds).ok_or_else(fail)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_second)
    }
}

/// The start slots handed out so far: the next free one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    next: Option<Instant>,
}

impl Schedule {
    /// Takes the next slot at `now` for calls `interval` apart: the time to start at (`now` or later).
    pub fn reserve(&mut self, now: Instant, interval: Duration) -> Instant {
        let slot = self.next.map_or(now, |next| next.max(now));
        self.next = Some(slot + interval);
        slot
    }

    /// Gives back the latest slot, unused: the next caller may start one interval earlier, never before `now`.
    pub fn refund(&mut self, now: Instant, interval: Duration) {
        if let Some(next) = self.next {
            self.next = Some(next.checked_sub(interval).unwrap_or(now).max(now));
        }
    }
}

/// Spaces out call starts at a [`Rate`], or lets them through when there is none.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    schedule: Mutex<Schedule>,
}

impl Pacer {
    /// A pacer for `rate` (`None`: no limit).
    pub fn new(rate: Option<Rate>) -> Self {
        Pacer {
            interval: rate.map(|r| r.interval()),
            schedule: Mutex::new(Schedule::default()),
        }
    }

    /// Waits for the next start slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = self.lock().reserve(Instant::now(), interval);
        tokio::time::sleep_until(slot).await;
    }

    /// Gives back a slot that was not used to send anything.
    pub fn refund(&self) {
        if let Some(interval) = self.interval {
            self.lock().refund(Instant::now(), interval);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const MILLISECOND: Duration = Duration::from_millis(1);

    #[test]
    fn rates_parse_per_second_minute_and_hour() {
        assert_eq!("5/s".parse::<Rate>().unwrap().calls_per_second(), 5.0);
        assert_eq!("2".parse::<Rate>().unwrap().calls_per_second(), 2.0);
        assert_eq!("120/m".parse::<Rate>().unwrap().calls_per_second(), 2.0);
        assert_eq!(" 0.5 / s ".parse::<Rate>().unwrap().interval(), 2 * SECOND);
        assert_eq!("3600/h".parse::<Rate>().unwrap().interval(), SECOND);
        for bad in ["", "0", "-1/s", "x/s", "5/d", "NaN", "inf", "5/s/s"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "1e-9".parse::<Rate>().unwrap().interval(),
            Duration::from_secs(86_400)
        );
    }

    #[test]
    fn slots_are_one_interval_apart_and_never_in_the_past() {
        let start = Instant::now();
        let mut schedule = Schedule::default();
        let interval = SECOND / 4;
        let slots: Vec<_> = (0..4).map(|_| schedule.reserve(start, interval)).collect();
        assert_eq!(
            slots,
            vec![
                start,
                start + interval,
                start + 2 * interval,
                start + 3 * interval
            ]
        );
        // After an idle spell, the next slot is now: no burst to catch up.
        let later = start + 10 * SECOND;
        assert_eq!(schedule.reserve(later, interval), later);
        assert_eq!(schedule.reserve(later, interval), later + interval);
    }

    #[test]
    fn a_refunded_slot_is_taken_by_the_next_caller() {
        let start = Instant::now();
        let mut schedule = Schedule::default();
        schedule.reserve(start, SECOND);
        let unused = schedule.reserve(start, SECOND);
        schedule.refund(start, SECOND);
        assert_eq!(schedule.reserve(start, SECOND), unused);
        // A refund never moves the schedule before now.
        let mut fresh = Schedule::default();
        fresh.refund(start, SECOND);
        assert_eq!(fresh, Schedule::default());
        let later = start + 5 * SECOND;
        schedule.refund(later, SECOND);
        assert_eq!(schedule.reserve(later, SECOND), later);
    }

    // Real time: a paused clock needs tokio's `test-util`, which would also slow every timer of the request-path
    // benchmark built with this crate's dev-dependencies. The rate is a floor, so only the lower bound is exact;
    // the upper bound only catches a pacer that waits far longer than the rate asks.
    #[tokio::test]
    async fn the_pacer_holds_callers_to_the_rate() {
        let pacer = Pacer::new(Some("100/s".parse().unwrap()));
        let start = Instant::now();
        for _ in 0..21 {
            pacer.acquire().await;
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= 200 * MILLISECOND, "{elapsed:?}");
        assert!(elapsed < 2 * SECOND, "{elapsed:?}");
        let unlimited = Pacer::new(None);
        let start = Instant::now();
        for _ in 0..1000 {
            unlimited.acquire().await;
        }
        assert!(start.elapsed() < 500 * MILLISECOND, "{:?}", start.elapsed());
    }
}

//! The virtual clock: time moves only when the control API advances it.

use chrono::{DateTime, TimeZone, Utc};

/// Unix time at which every emulator's clock starts: 2026-06-01T10:00:00Z.
pub const CLOCK_START_UNIX: i64 = 1_780_308_000;

/// Seconds elapsed on the virtual clock since [`CLOCK_START_UNIX`].
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct VirtualClock {
    elapsed: u64,
}

impl VirtualClock {
    /// Seconds since the clock started.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Moves the clock forward to `elapsed`; the clock never runs backwards.
    pub(crate) fn move_to(&mut self, elapsed: u64) {
        self.elapsed = self.elapsed.max(elapsed);
    }

    /// The current instant as Unix seconds.
    pub(crate) fn unix_now(&self) -> i64 {
        unix_at(self.elapsed)
    }

    /// The current instant formatted like the service formats timestamps.
    pub(crate) fn now_rfc3339(&self) -> String {
        rfc3339_at(self.elapsed)
    }
}

/// Unix seconds of a virtual instant.
pub(crate) fn unix_at(elapsed: u64) -> i64 {
    CLOCK_START_UNIX.saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX / 2))
}

/// A virtual instant as `2026-06-01T10:00:00.000Z`.
pub(crate) fn rfc3339_at(elapsed: u64) -> String {
    datetime_at(elapsed)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A virtual instant as a `DateTime`.
pub(crate) fn datetime_at(elapsed: u64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix_at(elapsed), 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_virtual_instants() {
        assert_eq!(rfc3339_at(0), "2026-06-01T10:00:00.000Z");
        assert_eq!(rfc3339_at(61), "2026-06-01T10:01:01.000Z");
    }

    #[test]
    fn never_runs_backwards() {
        let mut clock = VirtualClock::default();
        clock.move_to(10);
        clock.move_to(5);
        assert_eq!(clock.elapsed(), 10);
        assert_eq!(clock.unix_now(), CLOCK_START_UNIX + 10);
        assert_eq!(clock.now_rfc3339(), "2026-06-01T10:00:10.000Z");
    }
}

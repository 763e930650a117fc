//! Moves the clock: step by step for the control API (the world is unlocked between due
//! instants, so requests are served during a long run) and, in real-time mode, on its own.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::Shared;

/// How often the real-time clock moves.
const TICK: Duration = Duration::from_millis(100);
/// The fastest real-time speed accepted: one virtual day per real second, roughly.
const MAX_SPEED: f64 = 100_000.0;

/// How the emulator's clock moves.
///
/// In-process servers ([`crate::MockServer::start`]) default to [`ClockMode::Virtual`], so
/// tests decide when time passes; the standalone binary defaults to real time, so calls placed
/// from any language progress on their own. The control API can move either clock forward.
///
/// ```
/// use mirai_voice_mock::ClockMode;
///
/// assert_eq!("virtual".parse::<ClockMode>(), Ok(ClockMode::Virtual));
/// assert_eq!("realtime".parse::<ClockMode>(), Ok(ClockMode::Realtime { speed: 1.0 }));
/// assert_eq!("realtime=60".parse::<ClockMode>(), Ok(ClockMode::Realtime { speed: 60.0 }));
/// assert!("realtime=0".parse::<ClockMode>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum ClockMode {
    /// Time moves only when the control API advances it.
    #[default]
    Virtual,
    /// Virtual time follows the wall clock, `speed` virtual seconds per real second.
    Realtime {
        /// Virtual seconds per real second (greater than 0).
        speed: f64,
    },
}

impl FromStr for ClockMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            None if text == "virtual" => Ok(Self::Virtual),
            None if text == "realtime" => Ok(Self::Realtime { speed: 1.0 }),
            Some(("realtime", speed)) => match speed.parse::<f64>() {
                Ok(speed) if speed > 0.0 && speed <= MAX_SPEED => Ok(Self::Realtime { speed }),
                _ => Err(format!(
                    "the real-time speed must be a number above 0 and at most {MAX_SPEED}, not `{speed}`"
                )),
            },
            _ => Err(format!(
                "unknown clock `{text}`: expected `virtual`, `realtime` or `realtime=SPEED`"
            )),
        }
    }
}

/// Runs every call transition due up to `target`, one due instant per lock, then sets the
/// clock to `target`. Returns how many transitions ran.
pub(crate) async fn advance_to(shared: &Shared, target: u64) -> usize {
    let mut transitions = 0;
    loop {
        let (ran, done) = shared.with_world(|w| match w.next_due() {
            Some(due) if due < target => (w.advance_to(due), false),
            _ => (w.advance_to(target), true),
        });
        transitions += ran;
        if done {
            return transitions;
        }
        // Lets requests and the control API in between two instants of a long run.
        tokio::task::yield_now().await;
    }
}

/// Moves the clock from due instant to due instant until nothing is scheduled before
/// `horizon_secs` from now. Returns the transitions run and the clock's final reading.
pub(crate) async fn run_until_idle(shared: &Shared, horizon_secs: u64) -> (usize, u64) {
    let horizon = shared.with_world(|w| w.now()).saturating_add(horizon_secs);
    let mut transitions = 0;
    loop {
        let step = shared.with_world(|w| {
            w.next_due()
                .filter(|due| *due <= horizon)
                .map(|due| w.advance_to(due))
        });
        match step {
            Some(ran) => transitions += ran,
            None => return (transitions, shared.with_world(|w| w.now())),
        }
        tokio::task::yield_now().await;
    }
}

/// Moves the clock `speed` virtual seconds per real second, forever (the server aborts it).
pub(crate) async fn run_realtime(shared: Arc<Shared>, speed: f64) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    // Fractions of a virtual second carried to the next tick, so slow speeds still move.
    let mut carry = 0.0_f64;
    loop {
        ticks.tick().await;
        let now = Instant::now();
        carry += now.duration_since(last).as_secs_f64() * speed;
        last = now;
        let whole = carry.floor();
        if whole >= 1.0 {
            carry -= whole;
            // `whole` is at most MAX_SPEED times a tick's length: far within u64.
            let step = whole as u64;
            let target = shared.with_world(|w| w.now()).saturating_add(step);
            advance_to(&shared, target).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_modes_parse_or_say_what_is_wrong() {
        assert_eq!(
            "realtime=0.5".parse::<ClockMode>(),
            Ok(ClockMode::Realtime { speed: 0.5 })
        );
        for bad in [
            "realtime=-1",
            "realtime=fast",
            "realtime=1e9",
            "wallclock",
            "virtual=2",
        ] {
            let error = bad.parse::<ClockMode>().unwrap_err();
            assert!(!error.is_empty(), "{bad}");
        }
        assert!(
            "realtime=NaN"
                .parse::<ClockMode>()
                .unwrap_err()
                .contains("above 0")
        );
    }
}

//! [`MockServerBuilder`]: an emulator with a log cap, a clock mode, seeded data or saved state.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use crate::clock_driver::ClockMode;
use crate::logs::DEFAULT_LOG_CAP;
use crate::server::MockServer;
use crate::state::World;

/// What [`MockServer::launch`] needs besides the address.
pub(crate) struct Launch {
    pub(crate) log_cap: usize,
    pub(crate) clock: ClockMode,
    /// The world to start from instead of the seeded one.
    pub(crate) world: Option<World>,
}

impl Default for Launch {
    fn default() -> Self {
        Self {
            log_cap: DEFAULT_LOG_CAP,
            clock: ClockMode::Virtual,
            world: None,
        }
    }
}

/// Configures an emulator before starting it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use mirai_voice_mock::{ClockMode, MockServer};
///
/// let server = MockServer::builder()
///     .log_cap(100)
///     .clock(ClockMode::Realtime { speed: 60.0 })
///     .start()
///     .await
///     .unwrap();
/// assert_eq!(server.control().logs().requests.cap, 100);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MockServerBuilder {
    log_cap: Option<usize>,
    clock: Option<ClockMode>,
}

impl MockServerBuilder {
    /// Keeps at most `cap` entries in each log (requests, finished deliveries, received
    /// events), dropping the oldest and counting them (default 10 000).
    pub fn log_cap(mut self, cap: usize) -> Self {
        self.log_cap = Some(cap);
        self
    }

    /// How the clock moves (default [`ClockMode::Virtual`]).
    pub fn clock(mut self, clock: ClockMode) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts the emulator on `127.0.0.1` and a free port.
    ///
    /// # Errors
    ///
    /// See [`MockServerBuilder::start_on`].
    pub async fn start(self) -> io::Result<MockServer> {
        self.start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
    }

    /// Starts the emulator on `addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn start_on(self, addr: SocketAddr) -> io::Result<MockServer> {
        let launch = Launch {
            log_cap: self.log_cap.unwrap_or(DEFAULT_LOG_CAP),
            clock: self.clock.unwrap_or_default(),
            world: None,
        };
        MockServer::launch(addr, launch).await
    }
}

//! [`MockServerBuilder`]: an emulator with a log cap, a clock mode, seeded data or saved state.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::app::seeded_world;
use crate::clock_driver::ClockMode;
use crate::logs::DEFAULT_LOG_CAP;
use crate::seed::{Seed, SeedError};
use crate::server::MockServer;
use crate::state_file::{self, Saved, StateFileError};

/// What [`MockServer::launch`] needs besides the address.
pub(crate) struct Launch {
    pub(crate) log_cap: usize,
    pub(crate) clock: ClockMode,
    /// Applied on top of the built-in data at start and on every reset.
    pub(crate) seed: Option<Seed>,
    /// A restored state file, to start from instead of the seeded world.
    pub(crate) restored: Option<Saved>,
    /// Where the state is saved, and how often besides on request.
    pub(crate) state_file: Option<(PathBuf, Option<Duration>)>,
}

impl Default for Launch {
    fn default() -> Self {
        Self {
            log_cap: DEFAULT_LOG_CAP,
            clock: ClockMode::Virtual,
            seed: None,
            restored: None,
            state_file: None,
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
    seed: Option<Seed>,
    state_file: Option<PathBuf>,
    save_every: Option<Duration>,
    lenient_content_type: bool,
}

/// Why an emulator did not start.
#[derive(Debug)]
pub enum StartError {
    /// The address could not be bound.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The seed names something impossible.
    Seed(SeedError),
    /// The state file exists but cannot be restored.
    State(StateFileError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Self::Seed(e) => e.fmt(f),
            Self::State(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind { source, .. } => Some(source),
            Self::Seed(e) => Some(e),
            Self::State(e) => Some(e),
        }
    }
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

    /// Loads organizations, workspaces, assistants and numbers at start, and again on every
    /// reset (see [`Seed`]).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Restores the state saved in `path` at start, when the file exists, and saves to it on
    /// [`MockServer::save_state`], on `POST /__control/state/save` and every
    /// [`MockServerBuilder::save_every`]. The file holds the organizations' private keys.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Saves the state file this often as well (only with [`MockServerBuilder::state_file`]).
    pub fn save_every(mut self, period: Duration) -> Self {
        self.save_every = Some(period);
        self
    }

    /// Whether JSON operations accept a body whatever its `Content-Type` says. Off by default:
    /// like the service, the emulator then answers `415` to a body that is not declared as
    /// JSON. The chunk upload always needs `multipart/form-data`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use mirai_voice_mock::MockServer;
    ///
    /// let server = MockServer::builder()
    ///     .lenient_content_type(true)
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let status = reqwest::Client::new()
    ///     .post(format!("{}/v2/call/abort", server.base_url()))
    ///     .header("content-type", "text/plain")
    ///     .body(r#"{"callId": "6690a1b2c3d4e5f6000000ff"}"#)
    ///     .send()
    ///     .await
    ///     .unwrap()
    ///     .status();
    /// assert_eq!(status, 401, "read as JSON; refused for want of keys, not for its content type");
    /// # }
    /// ```
    pub fn lenient_content_type(mut self, lenient: bool) -> Self {
        self.lenient_content_type = lenient;
        self
    }

    /// Starts the emulator on `127.0.0.1` and a free port.
    ///
    /// # Errors
    ///
    /// See [`MockServerBuilder::start_on`].
    pub async fn start(self) -> Result<MockServer, StartError> {
        self.start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
    }

    /// Starts the emulator on `addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// When the seed cannot be applied, the state file cannot be restored or the address
    /// cannot be bound.
    pub async fn start_on(self, addr: SocketAddr) -> Result<MockServer, StartError> {
        // Applying the seed once here reports its problems before anything listens.
        seeded_world(self.seed.as_ref()).map_err(StartError::Seed)?;
        let restored = match &self.state_file {
            Some(path) => state_file::load(path).map_err(StartError::State)?,
            None => None,
        };
        let lenient_content_type = self.lenient_content_type;
        let launch = Launch {
            log_cap: self.log_cap.unwrap_or(DEFAULT_LOG_CAP),
            clock: self.clock.unwrap_or_default(),
            seed: self.seed,
            restored,
            state_file: self.state_file.map(|path| (path, self.save_every)),
        };
        let server = MockServer::launch(addr, launch)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        server
            .shared()
            .lenient_content_type
            .store(lenient_content_type, std::sync::atomic::Ordering::Relaxed);
        Ok(server)
    }
}

//! The options of a standalone emulator, shared by the `mirai-voice-mock` binary and
//! `mirai mock`, and what they do at start and shutdown.

use std::path::PathBuf;
use std::time::Duration;

use crate::builder::MockServerBuilder;
use crate::clock_driver::ClockMode;
use crate::logs::DEFAULT_LOG_CAP;
use crate::seed::{Seed, SeedError};
use crate::server::MockServer;
use crate::state_file::StateFileError;

/// Command-line options of a standalone emulator (flatten them into a `clap` parser).
#[derive(Debug, Clone, clap::Args)]
pub struct StandaloneOptions {
    /// How the clock moves: `realtime[=SPEED]` (virtual seconds per real second) or `virtual`
    /// (only the control API moves it).
    #[arg(
        long,
        default_value = "realtime",
        env = "MIRAI_MOCK_CLOCK",
        value_name = "MODE"
    )]
    pub clock: ClockMode,
    /// Entries kept in each log (requests, deliveries, received events); the oldest are dropped
    /// and counted in `GET /__control/logs`.
    #[arg(long, default_value_t = DEFAULT_LOG_CAP, env = "MIRAI_MOCK_LOG_CAP", value_name = "N")]
    pub log_cap: usize,
    /// Organizations, workspaces, assistants and numbers to load at start and on every reset
    /// (JSON when the name ends in .json, YAML otherwise).
    #[arg(long, env = "MIRAI_MOCK_SEED_FILE", value_name = "PATH")]
    pub seed_file: Option<PathBuf>,
    /// Restore the state from this file at start (when it exists) and save it there on
    /// shutdown (Ctrl-C or SIGTERM) and on POST /__control/state/save. It holds private keys.
    #[arg(long, env = "MIRAI_MOCK_STATE_FILE", value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// With --state-file, also save every SECS seconds.
    #[arg(long, requires = "state_file", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub save_every: Option<u64>,
    /// Accept JSON request bodies whatever their Content-Type (by default anything but
    /// application/json gets 415).
    #[arg(long, env = "MIRAI_MOCK_LENIENT_CONTENT_TYPE")]
    pub lenient_content_type: bool,
}

impl StandaloneOptions {
    /// A builder configured from these options (the seed file is read now).
    ///
    /// # Errors
    ///
    /// When the seed file cannot be read or is not a seed.
    pub fn builder(&self) -> Result<MockServerBuilder, SeedError> {
        let mut builder = MockServer::builder()
            .log_cap(self.log_cap)
            .clock(self.clock)
            .lenient_content_type(self.lenient_content_type);
        if let Some(path) = &self.seed_file {
            builder = builder.seed(Seed::from_file(path)?);
        }
        if let Some(path) = &self.state_file {
            builder = builder.state_file(path);
            if let Some(secs) = self.save_every {
                builder = builder.save_every(Duration::from_secs(secs));
            }
        }
        Ok(builder)
    }

    /// A line describing the clock, for start-up banners.
    pub fn clock_description(&self) -> String {
        match self.clock {
            ClockMode::Virtual => "virtual (POST /__control/clock/advance moves it)".to_owned(),
            ClockMode::Realtime { speed } => format!("real time x{speed}"),
        }
    }

    /// Saves the state file, when one was given; returns where it was saved.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn save_on_shutdown(&self, server: &MockServer) -> Result<Option<PathBuf>, StateFileError> {
        match &self.state_file {
            Some(_) => server.save_state().map(Some),
            None => Ok(None),
        }
    }
}

/// Waits for Ctrl-C, or SIGTERM (what container runtimes and service managers send).
///
/// # Errors
///
/// When the signal handlers cannot be installed.
pub async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

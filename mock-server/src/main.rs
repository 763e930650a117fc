//! `mirai-voice-mock`: runs the Voice Agent API emulator until interrupted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use mirai_voice_mock::{ClockMode, DEFAULT_LOG_CAP, MockServer, Seed};

/// Emulator of the Mirai Minds Voice Agent API, with a control API under /__control.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4010, env = "MIRAI_MOCK_PORT")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), env = "MIRAI_MOCK_HOST")]
    host: IpAddr,
    /// How the clock moves: `realtime[=SPEED]` (virtual seconds per real second) or `virtual`
    /// (only the control API moves it).
    #[arg(
        long,
        default_value = "realtime",
        env = "MIRAI_MOCK_CLOCK",
        value_name = "MODE"
    )]
    clock: ClockMode,
    /// Entries kept in each log (requests, deliveries, received events); the oldest are dropped
    /// and counted in `GET /__control/logs`.
    #[arg(long, default_value_t = DEFAULT_LOG_CAP, env = "MIRAI_MOCK_LOG_CAP", value_name = "N")]
    log_cap: usize,
    /// Organizations, workspaces, assistants and numbers to load at start and on every reset
    /// (JSON when the name ends in .json, YAML otherwise).
    #[arg(long, env = "MIRAI_MOCK_SEED_FILE", value_name = "PATH")]
    seed_file: Option<PathBuf>,
    /// Restore the state from this file at start (when it exists) and save it there on
    /// shutdown (Ctrl-C or SIGTERM) and on POST /__control/state/save. It holds private keys.
    #[arg(long, env = "MIRAI_MOCK_STATE_FILE", value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// With --state-file, also save every SECS seconds.
    #[arg(long, requires = "state_file", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    save_every: Option<u64>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut builder = MockServer::builder()
        .log_cap(args.log_cap)
        .clock(args.clock);
    if let Some(path) = &args.seed_file {
        match Seed::from_file(path) {
            Ok(seed) => builder = builder.seed(seed),
            Err(e) => {
                eprintln!("mirai-voice-mock: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &args.state_file {
        builder = builder.state_file(path);
        if let Some(secs) = args.save_every {
            builder = builder.save_every(Duration::from_secs(secs));
        }
    }
    let server = match builder
        .start_on(SocketAddr::new(args.host, args.port))
        .await
    {
        Ok(server) => server,
        Err(e) => {
            eprintln!("mirai-voice-mock: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let creds = server.credentials();
    println!("mirai-voice-mock listening on {}", server.base_url());
    println!("  control API:      {}/__control", server.base_url());
    println!("  dashboard:        {}/__dashboard", server.base_url());
    match args.clock {
        ClockMode::Virtual => {
            println!("  clock:            virtual (POST /__control/clock/advance)")
        }
        ClockMode::Realtime { speed } => println!("  clock:            real time x{speed}"),
    }
    println!("  x-public-key:     {}", creds.public_key);
    // The seeded key is a published test constant, not a secret.
    println!("  x-private-key:    {}", creds.private_key);
    println!("  organization:     {}", creds.organization_id);
    println!("  workspace:        {}", creds.workspace_id);
    if let Err(e) = shutdown_signal().await {
        eprintln!("mirai-voice-mock: cannot wait for a shutdown signal: {e}");
        return std::process::ExitCode::FAILURE;
    }
    if args.state_file.is_some() {
        match server.save_state() {
            Ok(path) => eprintln!("mirai-voice-mock: state saved to {}", path.display()),
            Err(e) => {
                eprintln!("mirai-voice-mock: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}

/// Waits for Ctrl-C, or SIGTERM (what container runtimes and service managers send).
async fn shutdown_signal() -> std::io::Result<()> {
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

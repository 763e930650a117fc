//! `mirai-voice-mock`: runs the Voice Agent API emulator until interrupted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;
use mirai_voice_mock::{StandaloneOptions, shutdown_signal};

/// Emulator of the Mirai Minds Voice Agent API, with a control API under /__control and a
/// dashboard at /__dashboard.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4010, env = "MIRAI_MOCK_PORT")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), env = "MIRAI_MOCK_HOST")]
    host: IpAddr,
    #[command(flatten)]
    standalone: StandaloneOptions,
    /// Instead of serving, check every status record in this directory (written by emulators
    /// run with MIRAI_MOCK_STATUS_LOG set) against the spec and exit non-zero on a violation.
    #[arg(long, value_name = "DIR")]
    check_status_log: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(dir) = &args.check_status_log {
        return check_status_log(dir);
    }
    let builder = match args.standalone.builder() {
        Ok(builder) => builder,
        Err(e) => {
            eprintln!("mirai-voice-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match builder
        .start_on(SocketAddr::new(args.host, args.port))
        .await
    {
        Ok(server) => server,
        Err(e) => {
            eprintln!("mirai-voice-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let creds = server.credentials();
    println!("mirai-voice-mock listening on {}", server.base_url());
    println!("  control API:      {}/__control", server.base_url());
    println!("  dashboard:        {}/__dashboard", server.base_url());
    println!(
        "  clock:            {}",
        args.standalone.clock_description()
    );
    println!("  x-public-key:     {}", creds.public_key);
    // The seeded key is a published test constant, not a secret.
    println!("  x-private-key:    {}", creds.private_key);
    println!("  organization:     {}", creds.organization_id);
    println!("  workspace:        {}", creds.workspace_id);
    if let Err(e) = shutdown_signal().await {
        eprintln!("mirai-voice-mock: cannot wait for a shutdown signal: {e}");
        return ExitCode::FAILURE;
    }
    match args.standalone.save_on_shutdown(&server) {
        Ok(Some(path)) => eprintln!("mirai-voice-mock: state saved to {}", path.display()),
        Ok(None) => {}
        Err(e) => {
            eprintln!("mirai-voice-mock: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Checks a status-log directory, printing a summary or every violation.
fn check_status_log(dir: &std::path::Path) -> std::process::ExitCode {
    match mirai_voice_mock::conformance::check_status_log(dir) {
        Ok(summary) => {
            println!(
                "status log: {} responses of {} operations in {} files, all statuses allowed",
                summary.records, summary.operations, summary.files
            );
            std::process::ExitCode::SUCCESS
        }
        Err(violations) => {
            eprintln!("status log: {} violations", violations.len());
            for violation in violations {
                eprintln!("  {violation}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

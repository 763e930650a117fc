//! `mirai-voice-mock`: runs the Voice Agent API emulator until interrupted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::Parser;
use mirai_voice_mock::MockServer;

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
    /// Accept JSON request bodies whatever their Content-Type (by default anything but
    /// application/json gets 415).
    #[arg(long, env = "MIRAI_MOCK_LENIENT_CONTENT_TYPE")]
    lenient_content_type: bool,
    /// Instead of serving, check every status record in this directory (written by emulators
    /// run with MIRAI_MOCK_STATUS_LOG set) against the spec and exit non-zero on a violation.
    #[arg(long, value_name = "DIR")]
    check_status_log: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(dir) = &args.check_status_log {
        return check_status_log(dir);
    }
    let server = match MockServer::builder()
        .addr(SocketAddr::new(args.host, args.port))
        .lenient_content_type(args.lenient_content_type)
        .start()
        .await
    {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "mirai-voice-mock: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    let creds = server.credentials();
    println!("mirai-voice-mock listening on {}", server.base_url());
    println!("  control API:      {}/__control", server.base_url());
    println!("  x-public-key:     {}", creds.public_key);
    // The seeded key is a published test constant, not a secret.
    println!("  x-private-key:    {}", creds.private_key);
    println!("  organization:     {}", creds.organization_id);
    println!("  workspace:        {}", creds.workspace_id);
    match tokio::signal::ctrl_c().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mirai-voice-mock: cannot wait for Ctrl-C: {e}");
            std::process::ExitCode::FAILURE
        }
    }
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

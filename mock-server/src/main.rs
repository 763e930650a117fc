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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let server = match MockServer::start_on(SocketAddr::new(args.host, args.port)).await {
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

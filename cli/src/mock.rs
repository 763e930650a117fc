//! `mirai mock`: runs the API emulator and prints how to reach it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::Args;
use mirai_voice_mock::MockServer;

use crate::failure::Failure;
use crate::output;

/// The flags of `mirai mock`.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, short, value_name = "P", default_value_t = 4010)]
    pub port: u16,
}

/// Serves the emulator until interrupted (Ctrl-C), after printing its URL and seeded keys as shell exports.
pub async fn run(args: MockArgs) -> Result<(), Failure> {
    let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), args.port);
    let server = MockServer::start_on(address)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {address}: {e}")))?;
    let credentials = server.credentials();
    eprintln!(
        "emulator listening on {} (control API: {}/__control); Ctrl-C stops it",
        server.base_url(),
        server.base_url()
    );
    // The seeded keys are published test constants of the emulator, not secrets.
    output::line(&format!(
        "export MIRAI_BASE_URL={}\nexport MIRAI_PUBLIC_KEY={}\nexport MIRAI_PRIVATE_KEY={}\n\
         export MIRAI_ORGANIZATION={}\nexport MIRAI_WORKSPACE={}",
        server.base_url(),
        credentials.public_key,
        credentials.private_key,
        credentials.organization_id,
        credentials.workspace_id
    ));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::usage(format!("cannot wait for Ctrl-C: {e}")))
}

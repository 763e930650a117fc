//! `mirai mock`: runs the API emulator and prints how to reach it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::Args;
use mirai_voice_mock::{StandaloneOptions, shutdown_signal};

use crate::failure::Failure;
use crate::output;

/// The flags of `mirai mock`.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, short, value_name = "P", default_value_t = 4010)]
    pub port: u16,
    /// Clock, seed file, state file and log cap, as for `mirai-voice-mock`.
    #[command(flatten)]
    pub standalone: StandaloneOptions,
}

/// Serves the emulator until interrupted (Ctrl-C or SIGTERM), after printing its URL and seeded keys as shell
/// exports; saves the state file on the way out when one was given.
pub async fn run(args: MockArgs) -> Result<(), Failure> {
    let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), args.port);
    let builder = args
        .standalone
        .builder()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let server = builder
        .start_on(address)
        .await
        .map_err(|e| Failure::usage(e.to_string()))?;
    let credentials = server.credentials();
    eprintln!(
        "emulator listening on {} (control API: {}/__control, dashboard: {}/__dashboard, clock: {}); Ctrl-C stops it",
        server.base_url(),
        server.base_url(),
        server.base_url(),
        args.standalone.clock_description()
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
    shutdown_signal()
        .await
        .map_err(|e| Failure::usage(format!("cannot wait for Ctrl-C: {e}")))?;
    if let Some(path) = args
        .standalone
        .save_on_shutdown(&server)
        .map_err(|e| Failure::usage(e.to_string()))?
    {
        eprintln!("emulator state saved to {}", path.display());
    }
    Ok(())
}

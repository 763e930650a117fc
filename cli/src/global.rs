//! The flags every command accepts, and the SDK client they configure.

use clap::Args;
use mirai_voice::config::{ClientBuilder, ConfigError, Environment};
use mirai_voice::{Client, ClientConfig};

/// Where requests go and on whose behalf. Each flag overrides the `MIRAI_*` variable of the same meaning; the
/// keys come only from `MIRAI_PUBLIC_KEY` and `MIRAI_PRIVATE_KEY`, never from the command line (where they
/// would land in shell history and process listings).
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// API base URL (overrides MIRAI_BASE_URL and MIRAI_ENVIRONMENT).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// `production` or `staging` (overrides MIRAI_ENVIRONMENT).
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_environment, conflicts_with = "base_url")]
    pub environment: Option<Environment>,
    /// Workspace id sent to workspace-scoped operations (overrides MIRAI_WORKSPACE).
    #[arg(long, global = true, value_name = "ID")]
    pub workspace: Option<String>,
    /// Organization id sent to the number-pool operations (overrides MIRAI_ORGANIZATION).
    #[arg(long, global = true, value_name = "ID")]
    pub organization: Option<String>,
    /// Print the exact request (method, URL, headers with keys redacted, body) and send nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
}

fn parse_environment(name: &str) -> Result<Environment, String> {
    Environment::from_name(name).ok_or_else(|| format!("`{name}` is not `production` or `staging`"))
}

impl GlobalArgs {
    /// The SDK configuration: the `MIRAI_*` variables, overridden by these flags.
    pub fn config(&self) -> Result<ClientConfig, ConfigError> {
        self.apply(ClientBuilder::from_env()?).build_config()
    }

    /// An SDK client for [`config`](Self::config).
    pub fn client(&self) -> mirai_voice::Result<Client> {
        Client::new(self.config()?)
    }

    fn apply(&self, mut builder: ClientBuilder) -> ClientBuilder {
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        if let Some(environment) = self.environment {
            builder = builder.environment(environment);
        }
        if let Some(workspace) = &self.workspace {
            builder = builder.workspace(workspace);
        }
        if let Some(organization) = &self.organization {
            builder = builder.organization(organization);
        }
        builder
    }
}

//! Reading the configuration from environment variables.

use super::error::{ConfigError, InvalidReason};
use super::{ClientBuilder, Environment, check_header_value};

/// Environment variable holding the organization's public key (`pk_` + 32 hex).
pub const ENV_PUBLIC_KEY: &str = "MIRAI_PUBLIC_KEY";
/// Environment variable holding the organization's private key (`sk_` + 64 hex).
pub const ENV_PRIVATE_KEY: &str = "MIRAI_PRIVATE_KEY";
/// Environment variable holding the workspace id sent as the `workspace` header.
pub const ENV_WORKSPACE: &str = "MIRAI_WORKSPACE";
/// Environment variable holding the organization id sent as the `organization` header.
pub const ENV_ORGANIZATION: &str = "MIRAI_ORGANIZATION";
/// Environment variable overriding the API base URL.
pub const ENV_BASE_URL: &str = "MIRAI_BASE_URL";
/// Environment variable choosing `production` or `staging` (excludes [`ENV_BASE_URL`]).
pub const ENV_ENVIRONMENT: &str = "MIRAI_ENVIRONMENT";

/// What looking up one variable gave.
pub(super) enum Lookup {
    Unset,
    NotUnicode,
    Value(String),
}

pub(super) fn process_env(name: &str) -> Lookup {
    match std::env::var(name) {
        Ok(value) => Lookup::Value(value),
        Err(std::env::VarError::NotPresent) => Lookup::Unset,
        Err(std::env::VarError::NotUnicode(_)) => Lookup::NotUnicode,
    }
}

/// Reads an optional variable: unset and empty both mean "not given".
fn optional(
    lookup: &impl Fn(&str) -> Lookup,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    match lookup(name) {
        Lookup::Unset => Ok(None),
        Lookup::NotUnicode => Err(ConfigError::InvalidVariable {
            name,
            reason: InvalidReason::NotUnicode,
        }),
        Lookup::Value(value) if value.trim().is_empty() => Ok(None),
        Lookup::Value(value) => Ok(Some(value.trim().to_owned())),
    }
}

/// Reads a required header value: it must be set, non-empty and sendable as a header.
fn required_header(
    lookup: &impl Fn(&str) -> Lookup,
    name: &'static str,
) -> Result<String, ConfigError> {
    match lookup(name) {
        Lookup::Unset => Err(ConfigError::MissingVariable { name }),
        Lookup::NotUnicode => Err(ConfigError::InvalidVariable {
            name,
            reason: InvalidReason::NotUnicode,
        }),
        Lookup::Value(value) => {
            // Keys pasted from a file often carry a trailing newline; it is never part of a key.
            let value = value.trim();
            check_header_value(value)
                .map_err(|reason| ConfigError::InvalidVariable { name, reason })?;
            Ok(value.to_owned())
        }
    }
}

fn optional_header(
    lookup: &impl Fn(&str) -> Lookup,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    let value = optional(lookup, name)?;
    if let Some(value) = &value {
        check_header_value(value)
            .map_err(|reason| ConfigError::InvalidVariable { name, reason })?;
    }
    Ok(value)
}

pub(super) fn builder_from(lookup: impl Fn(&str) -> Lookup) -> Result<ClientBuilder, ConfigError> {
    let public_key = required_header(&lookup, ENV_PUBLIC_KEY)?;
    let private_key = required_header(&lookup, ENV_PRIVATE_KEY)?;
    let workspace = optional_header(&lookup, ENV_WORKSPACE)?;
    let organization = optional_header(&lookup, ENV_ORGANIZATION)?;
    let base_url = optional(&lookup, ENV_BASE_URL)?;
    let environment = optional(&lookup, ENV_ENVIRONMENT)?;

    let mut builder = ClientBuilder::new()
        .public_key(public_key)
        .private_key(private_key);
    if let Some(workspace) = workspace {
        builder = builder.workspace(workspace);
    }
    if let Some(organization) = organization {
        builder = builder.organization(organization);
    }
    match (base_url, environment) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::ConflictingVariables {
                first: ENV_BASE_URL,
                second: ENV_ENVIRONMENT,
            });
        }
        (Some(url), None) => {
            let url =
                super::normalize_base_url(&url).map_err(|reason| ConfigError::InvalidVariable {
                    name: ENV_BASE_URL,
                    reason,
                })?;
            builder = builder.base_url(url);
        }
        (None, Some(name)) => {
            let environment =
                Environment::from_name(&name).ok_or(ConfigError::InvalidVariable {
                    name: ENV_ENVIRONMENT,
                    reason: InvalidReason::UnknownEnvironment,
                })?;
            builder = builder.environment(environment);
        }
        (None, None) => {}
    }
    Ok(builder)
}

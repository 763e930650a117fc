//! `mirai doctor`: which part of the configuration is wrong, instead of a bare 401 or 403.
//!
//! The checks run in order, each with real requests that change nothing:
//!
//! 1. reachability: `GET /health` without keys (any HTTP answer counts);
//! 2. the public key alone, then the private key alone: `GET /v1/admin/voice-gallery` accepts either key and
//!    answers `401` for a key it does not know;
//! 3. the pair: both keys must belong to one organization (an authenticated request answering `401` when each
//!    key is valid on its own means they do not);
//! 4. the workspace (`listApiTools`): `404` unknown, `403` another organization's;
//! 5. the organization (`searchAvailableNumbers`): `404` unknown, `403` not the keys' organization.
//!    These operations declare no `404`, so a service that keeps to its spec (as the emulator does) answers an
//!    unknown id with `403` too; its message (`… not found`) then tells the two apart;
//! 6. the role: `archiveOrganizationOrWorkspace` with an empty body, which the role check answers `403` before
//!    the body is validated (`400`), so nothing is archived.

use mirai_voice::error::{Error, ErrorKind};
use mirai_voice::generated::prelude::*;
use mirai_voice::secret::redact_key_material;
use mirai_voice::{Client, ClientConfig};
use reqwest::StatusCode;
use secrecy::ExposeSecret;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::global::GlobalArgs;
use crate::output;

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Ok(String),
    Wrong(String),
    Skipped(String),
}

struct Report {
    failures: usize,
}

impl Report {
    fn print(&mut self, what: &str, verdict: Verdict) {
        let (mark, text) = match verdict {
            Verdict::Ok(text) => ("ok  ", text),
            Verdict::Wrong(text) => {
                self.failures += 1;
                ("FAIL", text)
            }
            Verdict::Skipped(text) => ("skip", text),
        };
        output::line(&format!("{mark} {what}: {text}"));
    }
}

/// Runs every check, printing one line each; fails (exit 1) when a credential is wrong, 3 when the API cannot
/// be reached.
pub async fn run(global: &GlobalArgs) -> Result<(), Failure> {
    let config = global.config()?;
    let client = Client::new(config.clone())?;
    let http = config.http_client()?;
    let base = config.base_url().to_owned();
    let mut report = Report { failures: 0 };

    match http.get(format!("{base}/health")).send().await {
        Ok(response) => report.print(
            "reachability",
            Verdict::Ok(format!("{base} answered {}", response.status())),
        ),
        Err(error) => {
            report.print(
                "reachability",
                Verdict::Wrong(format!("{base} cannot be reached: {}", chain(&error))),
            );
            return Err(Failure::Other {
                exit: Exit::Transport,
                message: format!("the API at {base} cannot be reached"),
            });
        }
    }

    let public_ok = single_key(
        &http,
        &base,
        "x-public-key",
        config.public_key().expose_secret(),
    )
    .await;
    report.print(
        "public key (MIRAI_PUBLIC_KEY)",
        key_verdict(&public_ok, "public"),
    );
    let private_ok = single_key(
        &http,
        &base,
        "x-private-key",
        config.private_key().expose_secret(),
    )
    .await;
    report.print(
        "private key (MIRAI_PRIVATE_KEY)",
        key_verdict(&private_ok, "private"),
    );
    let keys_ok = matches!(public_ok, Ok(true)) && matches!(private_ok, Ok(true));

    let role = role_probe(&http, &config).await;
    let pair = match (&role, keys_ok) {
        (_, false) => Verdict::Skipped("a key is wrong".into()),
        (Ok(StatusCode::UNAUTHORIZED), true) => Verdict::Wrong(
            "each key is valid, but they belong to different organizations: take both from the same organization"
                .into(),
        ),
        (Ok(_), true) => Verdict::Ok("both keys belong to one organization".into()),
        (Err(error), true) => Verdict::Skipped(format!("could not be checked: {error}")),
    };
    let pair_ok = matches!(pair, Verdict::Ok(_));
    report.print("key pair", pair);

    let workspace = match config.workspace() {
        None => Verdict::Skipped(
            "not set (MIRAI_WORKSPACE or --workspace); workspace-scoped commands will fail".into(),
        ),
        Some(_) if !pair_ok => Verdict::Skipped("the keys are wrong".into()),
        Some(id) => scoped_verdict(
            client.send(client.raw().list_api_tools()).await.err(),
            "workspace",
            id,
        ),
    };
    report.print("workspace", workspace);

    let organization = match config.organization() {
        None => Verdict::Skipped(
            "not set (MIRAI_ORGANIZATION or --organization); number-pool commands will fail".into(),
        ),
        Some(_) if !pair_ok => Verdict::Skipped("the keys are wrong".into()),
        Some(id) => {
            let search = client.raw().search_available_numbers().country_code("US");
            scoped_verdict(client.send(search).await.err(), "organization", id)
        }
    };
    report.print("organization", organization);

    let role = match role {
        _ if !pair_ok => Verdict::Skipped("the keys are wrong".into()),
        Ok(StatusCode::FORBIDDEN) => Verdict::Wrong(
            "the keys' organization lacks the admin or organization_admin role: archive and unarchive will answer 403"
                .into(),
        ),
        Ok(_) => Verdict::Ok("may archive and unarchive".into()),
        Err(error) => Verdict::Skipped(format!("could not be checked: {error}")),
    };
    report.print("role", role);

    if report.failures == 0 {
        Ok(())
    } else {
        Err(Failure::Other {
            exit: Exit::Api,
            message: format!("{} check(s) failed", report.failures),
        })
    }
}

/// Whether the API knows `key` when it is the only key sent.
async fn single_key(
    http: &reqwest::Client,
    base: &str,
    header: &'static str,
    key: &str,
) -> Result<bool, String> {
    let response = http
        .get(format!("{base}/v1/admin/voice-gallery"))
        .header(header, key)
        .send()
        .await
        .map_err(|e| chain(&e))?;
    match response.status() {
        StatusCode::UNAUTHORIZED => Ok(false),
        status if status.is_success() => Ok(true),
        status => Err(format!("unexpected answer {status}")),
    }
}

fn key_verdict(result: &Result<bool, String>, which: &str) -> Verdict {
    match result {
        Ok(true) => Verdict::Ok("accepted".into()),
        Ok(false) => Verdict::Wrong(format!(
            "rejected (401): the API does not know this {which} key; copy it again from the dashboard"
        )),
        Err(error) => Verdict::Skipped(format!("could not be checked: {error}")),
    }
}

/// The status the archive route answers for an empty body: `403` without the role, `400` with it.
async fn role_probe(http: &reqwest::Client, config: &ClientConfig) -> Result<StatusCode, String> {
    let response = http
        .post(format!(
            "{}/v1/admin/organization/archive",
            config.base_url()
        ))
        .header("x-public-key", config.public_key().expose_secret())
        .header("x-private-key", config.private_key().expose_secret())
        .json(&serde_json::json!({}))
        .send()
        .await
        .map_err(|e| chain(&e))?;
    Ok(response.status())
}

fn scoped_verdict(error: Option<Error>, what: &str, id: &str) -> Verdict {
    let Some(error) = error else {
        return Verdict::Ok(format!("{id} is accessible"));
    };
    match error.kind() {
        Some(ErrorKind::NotFound) => Verdict::Wrong(format!("{id} does not exist (404)")),
        Some(ErrorKind::Forbidden) if says_not_found(&error) => {
            Verdict::Wrong(format!("{id} does not exist (403)"))
        }
        Some(ErrorKind::Forbidden) => Verdict::Wrong(format!(
            "{id} belongs to another organization than the keys (403)"
        )),
        Some(ErrorKind::Unauthorized) => Verdict::Wrong(format!(
            "the keys were refused when using {what} {id} (401)"
        )),
        _ => Verdict::Skipped(format!("could not be checked: {error}")),
    }
}

/// Whether a refusal's message says the id is unknown rather than someone else's.
fn says_not_found(error: &Error) -> bool {
    error
        .api_error()
        .and_then(|api| api.message())
        .is_some_and(|message| message.to_ascii_lowercase().contains("not found"))
}

fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    redact_key_material(&text).into_owned()
}

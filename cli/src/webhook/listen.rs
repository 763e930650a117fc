//! `mirai webhook listen`: a local receiver for webhook development.
//!
//! Each delivery is verified, parsed and claimed once ([`WebhookReceiver`]); a new one is printed and, with
//! `--forward`, sent on to the developer's server with its original headers. The receiver answers the sender
//! with what that server answered, so a delivery your server refuses is released and retried, never marked
//! handled.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clap::Args;
use mirai_voice::webhook::{Received, WebhookReceiver};

use crate::failure::Failure;
use crate::output;

/// The flags of `mirai webhook listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the address is printed on stderr).
    #[arg(long, short, value_name = "P", default_value_t = 4242)]
    pub port: u16,
    /// Forward each verified, new delivery to this URL (e.g. http://localhost:3000/webhooks) and report its
    /// answer.
    #[arg(long, value_name = "URL")]
    pub forward: Option<reqwest::Url>,
    /// Print each event as its raw JSON (one line each) instead of a readable line.
    #[arg(long)]
    pub json: bool,
}

struct Listener {
    receiver: WebhookReceiver,
    forward: Option<reqwest::Url>,
    http: reqwest::Client,
    json: bool,
}

/// Headers not forwarded: they describe this hop's connection, not the delivery.
const HOP_HEADERS: [HeaderName; 4] = [
    header::HOST,
    header::CONTENT_LENGTH,
    header::CONNECTION,
    header::TRANSFER_ENCODING,
];

/// Serves until interrupted (Ctrl-C).
pub async fn run(args: ListenArgs) -> Result<(), Failure> {
    let verifier = super::verifier_from_env()?;
    let listener = Arc::new(Listener {
        receiver: WebhookReceiver::new(verifier),
        forward: args.forward,
        http: reqwest::Client::new(),
        json: args.json,
    });
    let socket = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    let address = socket
        .local_addr()
        .map_err(|e| Failure::usage(format!("cannot read the listening address: {e}")))?;
    eprintln!("listening on http://{address}/ (any path)");
    if let Some(forward) = &listener.forward {
        eprintln!("forwarding verified deliveries to {forward}");
    }
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(listener);
    axum::serve(socket, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::usage(format!("the receiver stopped: {e}")))
}

async fn receive(
    State(listener): State<Arc<Listener>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let claim = match listener.receiver.receive(&headers, &body).await {
        Ok(Received::New(claim)) => claim,
        Ok(Received::Duplicate(key)) => {
            eprintln!("duplicate delivery {key}: acknowledged, not forwarded");
            return StatusCode::OK.into_response();
        }
        Ok(Received::InProgress(key)) => {
            eprintln!("delivery {key} is being handled: asked the sender to retry");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
            )
                .into_response();
        }
        Err(error) => {
            eprintln!("rejected delivery: {error}");
            let status =
                StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
            return status.into_response();
        }
    };
    let summary = super::summary(&claim.event);
    if listener.json {
        output::line(&String::from_utf8_lossy(&body));
    }
    let Some(target) = &listener.forward else {
        if !listener.json {
            output::line(&summary);
        }
        // A commit error only means a repeat may be handled again, which is the safe side.
        let _ = claim.commit().await;
        return StatusCode::OK.into_response();
    };
    let answer = forward(&listener.http, target, &headers, body).await;
    let report = match &answer {
        Ok(status) => format!("{summary} -> {target} answered {status}"),
        Err(error) => format!("{summary} -> {target} failed: {error}"),
    };
    if listener.json {
        eprintln!("{report}");
    } else {
        output::line(&report);
    }
    match answer {
        Ok(status) if status.is_success() => {
            let _ = claim.commit().await;
            StatusCode::OK.into_response()
        }
        Ok(status) => {
            // Your server refused it: released, so the sender's retry is handled again.
            let _ = claim.release().await;
            status.into_response()
        }
        Err(_) => {
            let _ = claim.release().await;
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

/// Sends the delivery on with its original headers (signature, public key, content type, ...).
async fn forward(
    http: &reqwest::Client,
    target: &reqwest::Url,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<StatusCode, String> {
    let mut forwarded = headers.clone();
    for name in &HOP_HEADERS {
        forwarded.remove(name);
    }
    let response = http
        .post(target.clone())
        .headers(forwarded)
        .body(body)
        .send()
        .await
        .map_err(|e| mirai_voice::secret::redact_key_material(&error_chain(&e)).into_owned())?;
    Ok(response.status())
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

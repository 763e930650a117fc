//! Checks a captured webhook delivery and prints the event it carries.
//!
//! ```text
//! MIRAI_PRIVATE_KEY=sk_… cargo run -p mirai-voice --example verify_webhook -- --signature HEX FILE
//! ```
//!
//! `FILE` holds the raw request body exactly as received and `HEX` the value of
//! its `x-signature` header. The secret is read from `MIRAI_PRIVATE_KEY` only,
//! never from the command line, where it would end up in shell history.
//!
//! Exit status: `0` the signature is valid (the event is printed), `1` it is
//! not, `2` bad arguments, no secret or an unreadable file, `3` the signature is
//! valid but the body is not a webhook event.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mirai_voice::webhook::{WebhookEvent, WebhookSecret, verify_signature};

/// Verify a captured Mirai webhook delivery.
#[derive(Debug, Parser)]
#[command(name = "verify_webhook")]
struct Args {
    /// The delivery's `x-signature` header (64 lowercase hex digits).
    #[arg(long)]
    signature: String,
    /// File with the raw request body, byte for byte.
    file: PathBuf,
}

/// Environment variable holding the organization's private key.
const SECRET_VAR: &str = "MIRAI_PRIVATE_KEY";

fn main() -> ExitCode {
    let code = run(
        std::env::args_os(),
        std::env::var(SECRET_VAR).ok(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}

/// The whole program, with its inputs and outputs passed in (the tests call it
/// directly).
pub(crate) fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    secret: Option<String>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = if error.use_stderr() {
                write!(err, "{}", error.render())
            } else {
                write!(out, "{}", error.render())
            };
            return code;
        }
    };
    let Some(secret) = secret.filter(|secret| !secret.is_empty()) else {
        let _ = writeln!(
            err,
            "error: set {SECRET_VAR} to the organization's private key (sk_…)"
        );
        return 2;
    };
    let secret = WebhookSecret::new(secret);
    let body = match std::fs::read(&args.file) {
        Ok(body) => body,
        Err(error) => {
            let _ = writeln!(err, "error: cannot read {}: {error}", args.file.display());
            return 2;
        }
    };
    if let Err(error) = verify_signature(&secret, &body, args.signature.trim()) {
        let _ = writeln!(out, "signature: INVALID ({error})");
        return 1;
    }
    let _ = writeln!(out, "signature: valid");
    match WebhookEvent::from_slice(&body) {
        Ok(event) => {
            let _ = writeln!(out, "type: {}", event.event_type());
            let _ = writeln!(out, "call: {}", event.call_id().unwrap_or("-"));
            let _ = writeln!(out, "{event:#?}");
            0
        }
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            3
        }
    }
}

//! `mirai webhook verify`: checks one delivery's signature and prints its event.

use std::path::PathBuf;

use clap::Args;
use mirai_voice::webhook::{VerifyError, WebhookEvent};

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output;

/// The flags of `mirai webhook verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The delivery's `x-signature` header (64 lowercase hex digits).
    #[arg(long, value_name = "SIG")]
    pub signature: String,
    /// The delivery's `x-public-key` header; must equal MIRAI_PUBLIC_KEY when that is set.
    #[arg(long, value_name = "PK")]
    pub public_key: Option<String>,
    /// The raw body, byte for byte as received (`-` or nothing reads stdin).
    #[arg(value_name = "FILE|-", default_value = "-")]
    pub file: PathBuf,
}

/// Verifies the body and prints the parsed event as JSON; an invalid signature exits 1.
pub fn run(args: VerifyArgs) -> Result<(), Failure> {
    let verifier = super::verifier_from_env()?;
    let body = read_body(&args.file)?;
    let invalid = |message: String| Failure::Other {
        exit: Exit::Api,
        message,
    };
    verifier
        .verify_parts(
            Some(args.signature.trim().as_bytes()),
            args.public_key.as_deref(),
            &body,
        )
        .map_err(|error| invalid(format!("invalid webhook delivery: {}", explain(&error))))?;
    let event = WebhookEvent::from_slice(&body).map_err(|error| {
        invalid(format!(
            "the signature is valid but the body is not a webhook event: {error}"
        ))
    })?;
    eprintln!("valid signature: {}", super::summary(&event));
    output::json(&event);
    Ok(())
}

fn explain(error: &VerifyError) -> String {
    match error {
        VerifyError::SignatureMismatch => "the signature does not match the body under MIRAI_PRIVATE_KEY \
             (a different key, or a body changed since it was signed: verify the raw bytes, not re-serialized JSON)"
            .to_owned(),
        other => other.to_string(),
    }
}

fn read_body(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    if path == std::path::Path::new("-") {
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut body)
            .map_err(|e| Failure::usage(format!("cannot read the body from stdin: {e}")))?;
        Ok(body)
    } else {
        std::fs::read(path)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
    }
}

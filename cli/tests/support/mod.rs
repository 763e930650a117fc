//! Running the `mirai` binary against an in-process emulator.

#![allow(dead_code)]

use std::process::Output;

use assert_cmd::Command;
use mirai_voice_mock::{Credentials, MockServer};

/// The `MIRAI_*` variables a test must control: cleared from the inherited environment first.
const VARIABLES: [&str; 6] = [
    "MIRAI_PUBLIC_KEY",
    "MIRAI_PRIVATE_KEY",
    "MIRAI_WORKSPACE",
    "MIRAI_ORGANIZATION",
    "MIRAI_BASE_URL",
    "MIRAI_ENVIRONMENT",
];

/// `mirai` with no `MIRAI_*` variables set.
pub fn bare() -> Command {
    let mut command = Command::cargo_bin("mirai").expect("the mirai binary is built for its tests");
    for name in VARIABLES {
        command.env_remove(name);
    }
    command
}

/// `mirai` configured for `credentials` on `server` (workspace set, organization not).
pub fn mirai(server: &MockServer, credentials: &Credentials) -> Command {
    let mut command = bare();
    command
        .env("MIRAI_BASE_URL", server.base_url())
        .env("MIRAI_PUBLIC_KEY", &credentials.public_key)
        .env("MIRAI_PRIVATE_KEY", &credentials.private_key)
        .env("MIRAI_WORKSPACE", &credentials.workspace_id);
    command
}

/// Runs `command` off the async runtime (the emulator runs on it), returning its output.
pub async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("mirai runs"))
        .await
        .expect("the blocking task completes")
}

/// stdout and stderr as text.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

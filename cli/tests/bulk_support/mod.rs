//! Campaign runs of the `mirai` binary against an in-process emulator: commands, files and what the emulator
//! saw.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use mirai_voice::Client;
use mirai_voice::api::{AgentIdentity, CreateAssistant};
use mirai_voice_mock::MockServer;
use serde_json::Value;

/// The `MIRAI_*` variables a test must control: cleared from the inherited environment first.
const VARIABLES: [&str; 6] = [
    "MIRAI_PUBLIC_KEY",
    "MIRAI_PRIVATE_KEY",
    "MIRAI_WORKSPACE",
    "MIRAI_ORGANIZATION",
    "MIRAI_BASE_URL",
    "MIRAI_ENVIRONMENT",
];

/// `mirai calls bulk` for the emulator's seeded workspace, with `args` after it.
pub fn bulk(server: &MockServer, args: &[&str]) -> Command {
    let creds = server.credentials();
    let mut command = Command::new(env!("CARGO_BIN_EXE_mirai"));
    for name in VARIABLES {
        command.env_remove(name);
    }
    command
        .env("MIRAI_BASE_URL", server.base_url())
        .env("MIRAI_PUBLIC_KEY", &creds.public_key)
        .env("MIRAI_PRIVATE_KEY", &creds.private_key)
        .env("MIRAI_WORKSPACE", &creds.workspace_id)
        .args(["calls", "bulk"])
        .args(args)
        .stdin(Stdio::null());
    command
}

/// Runs `command` to the end off the async runtime (the emulator runs on it).
pub async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("mirai runs"))
        .await
        .expect("the blocking task completes")
}

/// Starts `command` with its output discarded (it is killed, not read).
pub fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mirai starts")
}

/// The JSON report on stdout, and stderr as text.
pub fn report(output: &Output) -> (Value, String) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is one JSON report ({e}): {stdout}\nstderr: {stderr}"));
    (json, stderr)
}

/// An SDK client for the emulator's seeded workspace.
pub fn client(server: &MockServer) -> Client {
    let creds = server.credentials();
    Client::builder()
        .public_key(&creds.public_key)
        .private_key(&creds.private_key)
        .workspace(&creds.workspace_id)
        .base_url(server.base_url())
        .build()
        .expect("valid configuration")
}

/// Creates a custom assistant and returns its id.
pub async fn assistant(server: &MockServer) -> String {
    let request =
        CreateAssistant::custom("Campaign", AgentIdentity::new("Asha"), "Confirm the order.");
    client(server)
        .assistants()
        .create(request)
        .await
        .expect("assistant created")
        .id
        .to_string()
}

/// The number of data row `n` (1-based), distinct per row; none ends in 0001-0009 (all answer).
pub fn phone(n: usize) -> String {
    format!("+1415{:07}", 1_000_000 + n * 10)
}

/// Writes a campaign file of `rows` rows to `path`.
pub fn write_csv(path: &Path, rows: usize) {
    let mut text = String::from("phone,payload.orderId,metadata.shop\n");
    for n in 1..=rows {
        text.push_str(&format!("{},{n},north\n", phone(n)));
    }
    std::fs::write(path, text).expect("csv written");
}

/// How many calls the emulator holds for each number.
pub fn calls_per_phone(server: &MockServer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for call in server.control().calls() {
        *counts.entry(call.phone_number).or_insert(0) += 1;
    }
    counts
}

/// How many `initiateCall` requests reached the emulator.
pub fn initiate_requests(server: &MockServer) -> usize {
    server
        .control()
        .requests()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some("initiateCall"))
        .count()
}

/// Waits until the emulator has seen `count` `initiateCall` requests, then kills `child` with SIGKILL.
/// Returns the count at the kill. Fails if the child ends first or nothing happens for a minute.
pub async fn kill_after(server: &MockServer, child: &mut Child, count: usize) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if initiate_requests(server) >= count {
            break;
        }
        if let Some(status) = child.try_wait().expect("child state") {
            panic!("mirai ended ({status}) before it could be killed");
        }
        assert!(tokio::time::Instant::now() < deadline, "no progress");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // `Child::kill` is SIGKILL on Unix: no handler runs, nothing is flushed.
    child.kill().expect("SIGKILL sent");
    child.wait().expect("child reaped");
    initiate_requests(server)
}

/// The rows a report lists in `needsCheck`, as (row, phone, state).
pub fn needs_check(report: &Value) -> Vec<(String, String, String)> {
    report["needsCheck"]
        .as_array()
        .expect("needsCheck is a list")
        .iter()
        .map(|row| {
            (
                row["row"].as_str().unwrap().to_owned(),
                row["phone"].as_str().unwrap().to_owned(),
                row["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

//! The standalone binary: starts, prints its URL and the seeded keys, serves requests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mirai_voice_mock::{DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, DEFAULT_WORKSPACE_ID};
use serde_json::Value;

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args` on a free port; returns it with its URL and banner.
async fn start(args: &[&str]) -> (KillOnDrop, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mirai-voice-mock"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let guard = KillOnDrop(child);
    // Read until the last banner line, bounded so a changed banner fails instead of hanging.
    let reader = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let last = line.trim_start().starts_with("workspace:");
            lines.push(line);
            if last {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(Duration::from_secs(20), reader)
        .await
        .expect("the banner is printed")
        .unwrap();
    let banner = lines.join("\n");
    let url = lines[0]
        .strip_prefix("mirai-voice-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected banner: {banner}"))
        .to_owned();
    (guard, url, banner)
}

#[tokio::test]
async fn the_binary_prints_its_url_and_keys_and_serves() {
    let (_guard, url, banner) = start(&[]).await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(banner.contains("/__dashboard"), "{banner}");
    for expected in [
        DEFAULT_PUBLIC_KEY,
        DEFAULT_PRIVATE_KEY,
        DEFAULT_WORKSPACE_ID,
    ] {
        assert!(banner.contains(expected), "{banner}");
    }
    let health: Value = reqwest::get(format!("{url}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["data"]["status"], "healthy");
}

#[test]
fn a_busy_port_is_reported_not_panicked() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_mirai-voice-mock"))
        .args(["--port", &port])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

async fn post(url: &str, keys: (&str, &str), workspace: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(url)
        .header("x-public-key", keys.0)
        .header("x-private-key", keys.1)
        .header("workspace", workspace)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

#[tokio::test]
async fn calls_progress_on_their_own_with_the_default_real_time_clock() {
    let (_guard, url, banner) = start(&[]).await;
    assert!(banner.contains("real time"), "{banner}");
    let keys = (DEFAULT_PUBLIC_KEY, DEFAULT_PRIVATE_KEY);
    let assistant = post(
        &format!("{url}/v1/admin/assistant/create"),
        keys,
        DEFAULT_WORKSPACE_ID,
        serde_json::json!({
            "name": "Support",
            "variant": { "type": "custom" },
            "agent": { "identity": { "name": "Priya" }, "systemPrompt": "Be helpful." },
        }),
    )
    .await["data"]["assistantId"]
        .as_str()
        .unwrap()
        .to_owned();
    let call = post(
        &format!("{url}/v2/call/initiate"),
        keys,
        DEFAULT_WORKSPACE_ID,
        serde_json::json!({ "phoneNumber": "+14155550123", "assistant": assistant }),
    )
    .await["callId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Dialled one second after it was placed, though nobody moves the clock.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let snapshot: Value = reqwest::get(format!("{url}/__control/calls/{call}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if snapshot["status"] == "initiate" {
            assert_eq!(snapshot["history"][0]["event"], "call.initiate");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the call did not progress: {snapshot}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_seed_file_loads_organizations_that_answer_with_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(
        &path,
        serde_json::json!({ "organizations": [{
            "name": "Acme",
            "id": "6690a1b2c3d4e5f6000000aa",
            "publicKey": "pk_acme_bin",
            "privateKey": "sk_acme_bin",
            "workspaces": [{ "id": "6690a1b2c3d4e5f6000000ab", "name": "Support", "assistants": [{
                "name": "Priya",
                "variant": { "type": "custom" },
                "agent": { "identity": { "name": "Priya" }, "systemPrompt": "Be helpful." },
            }]}],
        }]})
        .to_string(),
    )
    .unwrap();
    let (_guard, url, _) = start(&[
        "--clock",
        "virtual",
        "--log-cap",
        "1",
        "--seed-file",
        path.to_str().unwrap(),
    ])
    .await;
    let listed: Value = reqwest::Client::new()
        .get(format!("{url}/v1/admin/assistant/list"))
        .header("x-public-key", "pk_acme_bin")
        .header("x-private-key", "sk_acme_bin")
        .header("workspace", "6690a1b2c3d4e5f6000000ab")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed.to_string().contains("Priya"), "{listed}");
    // --log-cap reached the server: a second request pushes the first out, counted.
    reqwest::get(format!("{url}/health")).await.unwrap();
    let logs: Value = reqwest::get(format!("{url}/__control/logs"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        logs["requests"],
        serde_json::json!({ "cap": 1, "held": 1, "dropped": 1 })
    );
}

#[test]
fn a_bad_seed_file_is_reported_by_name_and_problem_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad.yaml",
            "organizations:\n  - name: A\n    credit: 5\n",
            "unknown field `credit`",
        ),
        ("bad.json", "{\"organizations\": [", "EOF"),
        ("missing.yaml", "", "cannot read it"),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        if !text.is_empty() {
            std::fs::write(&path, text).unwrap();
        }
        let output = Command::new(env!("CARGO_BIN_EXE_mirai-voice-mock"))
            .args(["--port", "0", "--seed-file", path.to_str().unwrap()])
            .output()
            .expect("the binary runs");
        assert!(!output.status.success(), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn the_state_file_is_saved_on_sigterm_and_restored_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let state_file = path.to_str().unwrap();
    let (mut guard, url, _) = start(&["--clock", "virtual", "--state-file", state_file]).await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{url}/__control/organizations"))
        .json(&serde_json::json!({ "name": "Survivor", "creditBalance": 7.5 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["organizationId"].as_str().unwrap().to_owned();
    // On demand first…
    let saved: Value = http
        .post(format!("{url}/__control/state/save"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["savedTo"], state_file);
    // Changed after that save: only the save on shutdown keeps it.
    http.post(format!("{url}/__control/clock/advance"))
        .json(&serde_json::json!({ "seconds": 90 }))
        .send()
        .await
        .unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &guard.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = guard.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");

    let (_guard, url, _) = start(&["--clock", "virtual", "--state-file", state_file]).await;
    let organization: Value = reqwest::get(format!("{url}/__control/organizations/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(organization["name"], "Survivor");
    assert_eq!(organization["creditBalance"], 7.5);
    let clock: Value = reqwest::get(format!("{url}/__control/clock"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["elapsedSeconds"], 90);
}

#[test]
fn a_bad_state_file_stops_the_binary_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, "[1, 2]").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mirai-voice-mock"))
        .args(["--port", "0", "--state-file", path.to_str().unwrap()])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("state.json"), "{stderr}");
    assert!(stderr.contains("not a JSON state file"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

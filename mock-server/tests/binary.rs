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

#[tokio::test]
async fn the_binary_prints_its_url_and_keys_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mirai-voice-mock"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let _guard = KillOnDrop(child);
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
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
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

//! `mirai mock` and `mirai completions`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use support::bare;

#[test]
fn mock_serves_the_emulator_and_prints_its_keys() {
    let binary = assert_cmd::cargo::cargo_bin("mirai");
    let mut child = std::process::Command::new(binary)
        .args(["mock", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mirai starts");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let exports: Vec<(String, String)> = stdout
        .lines()
        .take(5)
        .map(|line| {
            let line = line.expect("readable");
            let (name, value) = line
                .strip_prefix("export ")
                .and_then(|rest| rest.split_once('='))
                .unwrap_or_else(|| panic!("not an export: {line}"));
            (name.to_owned(), value.to_owned())
        })
        .collect();
    let names: Vec<&str> = exports.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "MIRAI_BASE_URL",
            "MIRAI_PUBLIC_KEY",
            "MIRAI_PRIVATE_KEY",
            "MIRAI_ORGANIZATION",
            "MIRAI_WORKSPACE"
        ]
    );
    // The printed settings work: a generated subcommand runs against it.
    let output = bare()
        .envs(
            exports
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        )
        .arg("list-api-tools")
        .output()
        .expect("mirai runs");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn completions_cover_the_generated_and_hand_written_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let output = bare()
            .args(["completions", shell])
            .output()
            .expect("mirai runs");
        assert!(output.status.success());
        let script = String::from_utf8_lossy(&output.stdout);
        for command in ["initiate-call", "list-api-tools", "webhook", "doctor"] {
            assert!(
                script.contains(command),
                "{shell} completions lack {command}"
            );
        }
    }
    let output = bare()
        .args(["completions", "no-such-shell"])
        .output()
        .expect("mirai runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn mock_takes_the_standalone_flags_and_names_a_bad_seed_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, "organizations:\n  - name: A\n    colour: red\n").expect("written");
    let output = bare()
        .args([
            "mock",
            "--port",
            "0",
            "--clock",
            "realtime=5",
            "--seed-file",
        ])
        .arg(&seed)
        .output()
        .expect("mirai runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("seed.yaml"), "{stderr}");
    assert!(stderr.contains("unknown field `colour`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let output = bare()
        .args(["mock", "--clock", "sundial"])
        .output()
        .expect("mirai runs");
    assert_eq!(output.status.code(), Some(2), "a usage error");
}

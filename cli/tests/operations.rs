//! The generated operation subcommands against the emulator: every operation of the spec is listed, results
//! are JSON on stdout, errors map to the documented exit codes, and `--dry-run` sends nothing and never shows a
//! key.

mod support;

use mirai_voice_mock::{FaultKind, FaultMatch, FaultRule, MockServer};
use support::{bare, mirai, output, texts};

/// Every `operationId` of swagger.yaml.
fn spec_operation_ids() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../swagger.yaml");
    let text = std::fs::read_to_string(path).expect("swagger.yaml is readable");
    let spec: serde_json::Value = serde_norway::from_str(&text).expect("swagger.yaml parses");
    let mut ids = Vec::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("path item").values() {
            if let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

fn kebab(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn help_lists_every_operation_of_the_spec_and_the_exit_codes() {
    let output = bare().arg("--help").output().expect("mirai runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    let ids = spec_operation_ids();
    assert_eq!(ids.len(), 33, "the spec's operations");
    let commands: Vec<&str> = help
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for id in &ids {
        // Generated: a subcommand of that name. The two the client has no method for are named by the
        // hand-written commands that cover them.
        let listed = commands.contains(&kebab(id).as_str()) || help.contains(id.as_str());
        assert!(listed, "`mirai --help` does not list {id}:\n{help}");
    }
    for (code, meaning) in [
        ("0", "success"),
        ("1", "API error"),
        ("2", "usage"),
        ("3", "transport"),
        ("4", "outcome unknown"),
    ] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(code) && line.contains(meaning)),
            "exit code {code} ({meaning}) is not documented in --help"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_subcommands_print_json_and_exit_by_error_kind() {
    let server = MockServer::start().await;
    let credentials = server.credentials();

    // A public read.
    let mut health = mirai(&server, &credentials);
    health.arg("get-health-monitor");
    let out = output(health).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).expect("stdout is JSON");
    assert_eq!(json["data"]["status"], "healthy");
    assert_eq!(
        stdout.trim().lines().count(),
        1,
        "compact JSON when stdout is not a terminal"
    );

    // A body from a file plus a flag that overrides one of its fields.
    let dir = tempfile::tempdir().expect("temp dir");
    let body = dir.path().join("tool.json");
    std::fs::write(
        &body,
        r#"{"name":"lookup_order","description":"Looks an order up","method":"get","url":"https://example.com/orders"}"#,
    )
    .expect("body written");
    let mut create = mirai(&server, &credentials);
    create
        .args(["create-api-tool", "--body"])
        .arg(&body)
        .args(["--name", "find_order"]);
    let out = output(create).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(
        stdout.contains("find_order"),
        "the flag overrides the body: {stdout}"
    );

    // The tool is there, read back with a workspace-scoped list.
    let mut list = mirai(&server, &credentials);
    list.arg("list-api-tools");
    let out = output(list).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).expect("stdout is JSON");
    assert_eq!(json["data"].as_array().map(Vec::len), Some(1), "{json}");

    // A body from stdin; the API answers 404 for an unknown assistant: exit 1, the API's message on stderr.
    let mut call = mirai(&server, &credentials);
    call.args(["initiate-call", "--body", "-"])
        .write_stdin(r#"{"phoneNumber":"+15550100","assistant":"6650f0c2a1b2c3d4e5f60718"}"#);
    let out = output(call).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("404") && stderr.contains("initiateCall"),
        "{stderr}"
    );

    // Every one of those was one request to the emulator.
    let logged: Vec<_> = server
        .control()
        .requests()
        .into_iter()
        .filter_map(|r| r.operation_id)
        .collect();
    assert_eq!(
        logged,
        [
            "getHealthMonitor",
            "createApiTool",
            "listApiTools",
            "initiateCall"
        ]
    );

    // A workspace-scoped operation without a workspace: refused before sending, exit 2.
    let mut no_workspace = mirai(&server, &credentials);
    no_workspace
        .env_remove("MIRAI_WORKSPACE")
        .arg("list-api-tools");
    let out = output(no_workspace).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("workspace"), "{stderr}");
    assert_eq!(server.control().requests().len(), 4, "nothing was sent");

    // A body that is not JSON: exit 2.
    let mut bad_body = mirai(&server, &credentials);
    bad_body
        .args(["initiate-call", "--body", "-"])
        .write_stdin("not json");
    let out = output(bad_body).await;
    assert_eq!(out.status.code(), Some(2));

    // Nothing listening: exit 3.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let mut unreachable = mirai(&server, &credentials);
    unreachable.args(["--base-url", &closed_url, "get-health-monitor"]);
    let out = output(unreachable).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_request_with_keys_redacted_and_sends_nothing() {
    let server = MockServer::start().await;
    let credentials = server.credentials();
    let mut command = mirai(&server, &credentials);
    command
        .args([
            "initiate-call",
            "--dry-run",
            "--phone-number",
            "+15550100",
            "--assistant",
            "6650f0c2a1b2c3d4e5f60718",
        ])
        .args(["--workspace", "6650f0c2a1b2c3d4e5f60001"]);
    let out = output(command).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("POST {}/v2/call/initiate", server.base_url()).as_str())
    );
    for header in [
        "x-public-key: [redacted]",
        "x-private-key: [redacted]",
        "workspace: 6650f0c2a1b2c3d4e5f60001",
        "content-type: application/json",
        "api-version: ",
        "user-agent: mirai-voice-rust/",
    ] {
        assert!(stdout.contains(header), "missing `{header}` in:\n{stdout}");
    }
    assert!(stdout.contains(r#""phoneNumber": "+15550100""#), "{stdout}");
    for secret in [&credentials.private_key, &credentials.public_key] {
        assert!(!stdout.contains(secret.as_str()), "a key leaked to stdout");
        assert!(!stderr.contains(secret.as_str()), "a key leaked to stderr");
    }
    assert!(
        server.control().requests().is_empty(),
        "a dry run sends nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_a_side_effecting_request_exits_4_after_one_attempt() {
    let server = MockServer::start().await;
    let credentials = server.credentials();
    server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation("createApiTool"),
            fault: FaultKind::ConnectionReset {
                after_handler: true,
            },
            count: 1,
        })
        .expect("fault registered");
    let mut create = mirai(&server, &credentials);
    create.args([
        "create-api-tool",
        "--name",
        "lookup_order",
        "--description",
        "Looks an order up",
        "--method",
        "get",
        "--url",
        "https://example.com/orders",
    ]);
    let out = output(create).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(4),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let attempts = server
        .control()
        .requests()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some("createApiTool"))
        .count();
    assert_eq!(attempts, 1, "a side-effecting request is never sent twice");
}

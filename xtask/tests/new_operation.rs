//! An operation added to the spec is reachable through the SDK's generic path with no hand code.
//!
//! The test copies `swagger.yaml` into a scratch directory, adds `getWidget` (`GET /v2/widgets/{widgetId}`) and
//! `activateWidget` (`POST /v2/widgets/{widgetId}/activate`), both workspace-scoped like the spec's own operations,
//! and regenerates with `xtask codegen --spec --out` into scratch copies of `generated-client` and `client-ext`.
//! A small binary depending on the scratch `mirai-voice` alone (fixture `new-operation-probe/main.rs`) then sends
//! both operations with `Client::send` to a loopback server and checks the credential headers, the retry of the
//! `GET` after a `503`, the typed `404`, and that the side-effecting `POST` is sent once.
//!
//! The scratch workspace lives in `<target>/new-operation-scratch` and builds `--offline` from the workspace's
//! `Cargo.lock`, into this build's target directory, so registry crates compiled before are reused.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The target directory this test binary was built into (`<target>/debug/deps/new_operation-…`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// The two operations the test adds, written as the spec writes its own.
fn add_widget_operations(spec: &mut Value) {
    let credentials = json!([
        { "$ref": "#/components/parameters/PublicKeyHeader" },
        { "$ref": "#/components/parameters/PrivateKeyHeader" },
        { "$ref": "#/components/parameters/WorkspaceHeader" },
        { "name": "widgetId", "in": "path", "required": true, "schema": { "type": "string" } },
    ]);
    let paths = spec["paths"].as_object_mut().expect("the spec has paths");
    assert!(!paths.contains_key("/v2/widgets/{widgetId}"));
    paths.insert(
        "/v2/widgets/{widgetId}".into(),
        json!({ "get": {
            "summary": "Get a widget",
            "operationId": "getWidget",
            "tags": ["Widgets"],
            "parameters": credentials,
            "responses": {
                "200": {
                    "description": "The widget",
                    "content": { "application/json": { "schema": {
                        "type": "object",
                        "required": ["message", "data"],
                        "properties": {
                            "message": { "type": "string" },
                            "data": {
                                "type": "object",
                                "required": ["id", "name"],
                                "properties": {
                                    "id": { "type": "string" },
                                    "name": { "type": "string" },
                                },
                            },
                        },
                    } } },
                },
                "404": { "description": "Widget not found" },
            },
        } }),
    );
    paths.insert(
        "/v2/widgets/{widgetId}/activate".into(),
        json!({ "post": {
            "summary": "Activate a widget",
            "operationId": "activateWidget",
            "tags": ["Widgets"],
            "parameters": credentials,
            "responses": {
                "200": {
                    "description": "Activated",
                    "content": { "application/json": { "schema": {
                        "type": "object",
                        "properties": { "message": { "type": "string" } },
                    } } },
                },
            },
        } }),
    );
}

/// `manifest` with only the sections listed in `keep` (`[package]`, `[dependencies]`, ...): the scratch copies
/// need no tests, examples, benches or dev-dependencies.
fn keep_sections(manifest: &str, keep: &[&str]) -> String {
    let mut kept = String::new();
    let mut keeping = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            keeping = keep.contains(&line.trim());
        }
        if keeping {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// The workspace manifest for the scratch workspace: the same dependency versions and profiles, other members.
fn scratch_workspace_manifest(manifest: &str) -> String {
    manifest
        .lines()
        .filter(|line| !line.starts_with("exclude") && !line.starts_with("mirai-voice-mock"))
        .map(|line| {
            if line.starts_with("members") {
                r#"members = ["generated-client", "client-ext", "new-operation-probe"]"#
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes `contents` to `path` unless it already holds them, so an unchanged file keeps its modification time
/// and cargo does not rebuild the scratch crates on every run.
fn write_if_changed(path: &Path, contents: &[u8]) {
    if fs::read(path).ok().as_deref() != Some(contents) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
}

/// Makes `to` a copy of `from`: changed files rewritten, files `from` lacks removed.
fn sync_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(to).unwrap() {
        let entry = entry.unwrap();
        if !from.join(entry.file_name()).exists() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                fs::remove_dir_all(path).unwrap();
            } else {
                fs::remove_file(path).unwrap();
            }
        }
    }
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            sync_dir(&entry.path(), &target);
        } else {
            write_if_changed(&target, &fs::read(entry.path()).unwrap());
        }
    }
}

fn copy_crate(name: &str, scratch: &Path, sections: &[&str]) {
    let manifest = fs::read_to_string(root().join(name).join("Cargo.toml")).unwrap();
    write_if_changed(
        &scratch.join(name).join("Cargo.toml"),
        keep_sections(&manifest, sections).as_bytes(),
    );
    sync_dir(
        &root().join(name).join("src"),
        &scratch.join(name).join("src"),
    );
}

fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("the command starts");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn an_operation_added_to_the_spec_is_sent_through_the_generic_path() {
    let started = Instant::now();
    // A fixed place in the target directory (not a fresh temp dir), so a rerun rebuilds only what changed
    // instead of compiling the scratch crates again under a new path.
    let scratch = &target_dir().join("new-operation-scratch");
    fs::create_dir_all(scratch).unwrap();

    // The spec, copied and given two operations.
    write_if_changed(
        &scratch.join("swagger.yaml"),
        &fs::read(root().join("swagger.yaml")).unwrap(),
    );
    let mut spec = xtask::spec::load(&scratch.join("swagger.yaml")).unwrap();
    add_widget_operations(&mut spec);
    let edited = scratch.join("swagger-with-widgets.json");
    write_if_changed(
        &edited,
        serde_json::to_string_pretty(&spec).unwrap().as_bytes(),
    );

    // Scratch copies of the two SDK crates and a workspace around them.
    let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    write_if_changed(
        &scratch.join("Cargo.toml"),
        scratch_workspace_manifest(&manifest).as_bytes(),
    );
    write_if_changed(
        &scratch.join("Cargo.lock"),
        &fs::read(root().join("Cargo.lock")).unwrap(),
    );
    copy_crate(
        "generated-client",
        scratch,
        &["[package]", "[dependencies]"],
    );
    copy_crate(
        "client-ext",
        scratch,
        &["[package]", "[dependencies]", "[features]"],
    );
    let probe = scratch.join("new-operation-probe");
    write_if_changed(
        &probe.join("Cargo.toml"),
        b"[package]\nname = \"new-operation-probe\"\nversion = \"0.0.0\"\nedition.workspace = true\n\
          publish = false\n\n[dependencies]\nmirai-voice.workspace = true\ntokio = { workspace = true, features = [\"full\"] }\n",
    );
    write_if_changed(
        &probe.join("src/main.rs"),
        &fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/new-operation-probe/main.rs"),
        )
        .unwrap(),
    );

    // Regenerate, exactly as `cargo xtask codegen --spec … --out …`.
    let out = scratch.join("generated.rs");
    let (ok, text) = run(Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--spec"])
        .arg(&edited)
        .arg("--out")
        .arg(&out));
    assert!(ok, "codegen failed:\n{text}");
    // `sync_dir` copied the workspace's own generated.rs; replace it with the regenerated one.
    write_if_changed(
        &scratch.join("generated-client/src/generated.rs"),
        &fs::read(&out).unwrap(),
    );
    assert!(
        text.contains("operations: 35 in the spec, 33 generated"),
        "{text}"
    );
    let generated = fs::read_to_string(&out).unwrap();
    for expected in [
        "fn get_widget(&self) -> builder::GetWidget<'_>",
        "impl<'a> crate::Operation for GetWidget<'a>",
        "const OPERATION_ID: &'static str = \"getWidget\";",
        "impl<'a> crate::Operation for ActivateWidget<'a>",
    ] {
        assert!(
            generated.contains(expected),
            "the regenerated client lacks `{expected}`"
        );
    }
    let regenerated = started.elapsed();

    // Build and run the probe against the scratch SDK, reusing this build's compiled dependencies.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let (ok, text) = run(Command::new(cargo)
        .args(["run", "--offline", "--quiet", "-p", "new-operation-probe"])
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", target_dir()));
    assert!(ok, "the probe failed:\n{text}");
    assert!(
        text.contains("new-operation probe: 7 checks passed"),
        "{text}"
    );
    eprintln!(
        "new-operation test: regenerated in {:.1} s, built and ran the probe in {:.1} s",
        regenerated.as_secs_f64(),
        (started.elapsed() - regenerated).as_secs_f64()
    );
}

//! The compiled xtask works on the workspace it is run in, not the one it was compiled in: a second checkout
//! sharing a target directory reuses the binary, and must not read or write the first checkout's files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn this_checkout() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// A second "checkout" holding only what `codegen --check` reads.
fn second_checkout(dir: &Path) {
    let source = this_checkout();
    for file in [
        "Cargo.toml",
        "swagger.yaml",
        "xtask/Cargo.toml",
        "generated-client/src/generated.rs",
        "cli/src/generated.rs",
    ] {
        let to = dir.join(file);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(source.join(file), &to).unwrap();
    }
}

fn codegen_check(current_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check", "--quiet"])
        .current_dir(current_dir)
        // As when the binary is run directly rather than through `cargo xtask`.
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("running the xtask binary")
}

#[test]
fn codegen_check_reads_the_checkout_it_runs_in() {
    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().join("second");
    second_checkout(&copy);

    let fresh = codegen_check(&copy.join("generated-client/src"));
    assert!(
        fresh.status.success(),
        "an identical copy is up to date: {}",
        String::from_utf8_lossy(&fresh.stderr)
    );

    // Only the copy goes stale; a binary fixed to this checkout would still pass.
    let generated = copy.join("generated-client/src/generated.rs");
    let mut text = fs::read_to_string(&generated).unwrap();
    text.push_str("// edited in the second checkout\n");
    fs::write(&generated, text).unwrap();
    let stale = codegen_check(&copy);
    assert!(!stale.status.success(), "the copy's edit must be seen");
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(
        stderr.contains(&*copy.to_string_lossy()) && stderr.contains("stale"),
        "the error names the copy's file: {stderr}"
    );
}

#[test]
fn outside_a_workspace_the_xtask_says_so_instead_of_using_its_build_location() {
    let temp = tempfile::tempdir().unwrap();
    let output = codegen_check(temp.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot find the workspace root"),
        "{stderr}"
    );
}

fn xtask(current_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(current_dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("running the xtask binary")
}

#[test]
fn codegen_reports_the_spec_diff_and_drafts_the_changelog() {
    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().join("second");
    second_checkout(&copy);
    let older = this_checkout().join("xtask/tests/fixtures/swagger-1.0.0.yaml");
    let older = older.to_string_lossy();

    let output = xtask(&copy, &["codegen", "--base", &older]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("operation removed: `getCallRecording`"),
        "{stdout}"
    );
    assert!(stdout.contains("semver: major"), "{stdout}");

    let changelog = fs::read_to_string(copy.join("CHANGELOG.md")).expect("a drafted CHANGELOG.md");
    assert!(
        changelog.starts_with("# Changelog\n\n## Unreleased\n"),
        "{changelog}"
    );
    assert!(
        changelog.contains("### API changes: spec 1.0.0 → 1.1.0"),
        "{changelog}"
    );
    assert!(
        changelog.contains("#### Breaking") && changelog.contains("#### Added"),
        "{changelog}"
    );

    // `--check` reports against a named base but never writes the changelog.
    fs::remove_file(copy.join("CHANGELOG.md")).unwrap();
    let output = xtask(
        &copy,
        &["codegen", "--check", "--base", &older, "--format", "json"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the report is JSON");
    assert_eq!(json["semver"], "major");
    assert!(!copy.join("CHANGELOG.md").exists());
}

#[test]
fn spec_diff_defaults_to_the_committed_spec() {
    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().join("second");
    second_checkout(&copy);
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&copy)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    fs::copy(
        this_checkout().join("xtask/tests/fixtures/swagger-1.0.0.yaml"),
        copy.join("swagger.yaml"),
    )
    .unwrap();
    git(&["init", "-q"]);
    git(&["add", "swagger.yaml"]);
    git(&["commit", "-q", "-m", "spec 1.0.0"]);
    // A new spec copied over the committed one, as users follow the API.
    fs::copy(
        this_checkout().join("swagger.yaml"),
        copy.join("swagger.yaml"),
    )
    .unwrap();

    let output = xtask(&copy, &["spec-diff", "--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the report is JSON");
    assert_eq!(json["base_version"], "1.0.0");
    assert_eq!(json["new_version"], "1.1.0");
    assert_eq!(json["semver"], "major");
    assert_eq!(json["next_crate_version"], "0.2.0");
}

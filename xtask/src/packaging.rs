//! Checks that each publishable crate packages: `cargo package --no-verify` in dependency order (manifests,
//! metadata, versions on path dependencies, the file list), then a check that every file a packaged source embeds
//! with `include_str!`/`include_bytes!` is itself in the package, which is what a crates.io build would fail on.
//! `cargo xtask package --verify` also compiles each packaged crate from its `.crate` (slow: every dependency is
//! built again with the crate's default features).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The publishable crates, in dependency order.
pub const PUBLISHABLE: &[(&str, &str)] = &[
    ("mirai-voice-generated", "generated-client"),
    ("mirai-voice", "client-ext"),
    ("mirai-voice-mock", "mock-server"),
    ("mirai-voice-cli", "cli"),
];

/// Files every package must carry.
pub const REQUIRED_FILES: &[&str] = &["README.md", "LICENSE-MIT", "LICENSE-APACHE", "Cargo.toml"];

/// The paths `include_str!("…")` / `include_bytes!("…")` name in `source`.
pub fn included_paths(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for macro_name in ["include_str!(", "include_bytes!("] {
        let mut rest = source;
        while let Some(at) = rest.find(macro_name) {
            rest = &rest[at + macro_name.len()..];
            let trimmed = rest.trim_start();
            if let Some(literal) = trimmed.strip_prefix('"')
                && let Some(end) = literal.find('"')
            {
                out.push(literal[..end].to_owned());
            }
        }
    }
    out
}

/// `path` relative to the package root, with `.` and `..` resolved; `None` when it leaves the package.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(part) => parts.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

/// Problems of one package: required files missing, and embedded files that are not in the package.
/// `files` is the package's file list (as `cargo package --list` prints it); `read` reads a listed file.
pub fn package_problems(files: &[String], read: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let listed: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let mut problems: Vec<String> = REQUIRED_FILES
        .iter()
        .filter(|file| !listed.contains(**file))
        .map(|file| format!("{file} is not in the package"))
        .collect();
    for file in files.iter().filter(|f| f.ends_with(".rs")) {
        let Some(source) = read(file) else { continue };
        let dir = Path::new(file).parent().unwrap_or(Path::new(""));
        for included in included_paths(&source) {
            match normalize(&dir.join(&included)) {
                None => problems.push(format!("{file} embeds {included:?}, outside the package")),
                Some(path) if !listed.contains(path.to_string_lossy().as_ref()) => {
                    problems.push(format!(
                        "{file} embeds {included:?} ({}), which is not in the package",
                        path.display()
                    ))
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// Runs the check for every publishable crate of the workspace at `root`.
pub fn check(root: &Path, cargo: impl Fn(&[&str]) -> Result<String>, verify: bool) -> Result<()> {
    let mut args = vec!["package", "--quiet", "--allow-dirty"];
    if !verify {
        args.push("--no-verify");
    }
    for (name, _) in PUBLISHABLE {
        args.extend(["-p", name]);
    }
    cargo(&args).context("cargo package")?;
    let mut problems = Vec::new();
    for (name, dir) in PUBLISHABLE {
        let list = cargo(&["package", "--list", "--allow-dirty", "-p", name])?;
        let files: Vec<String> = list.lines().map(str::to_owned).collect();
        let crate_dir = root.join(dir);
        for problem in package_problems(&files, |file| {
            std::fs::read_to_string(crate_dir.join(file)).ok()
        }) {
            problems.push(format!("{name}: {problem}"));
        }
    }
    if !problems.is_empty() {
        bail!("packaging problems:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_paths_are_found_in_both_macros() {
        let source = r#"const A: &str = include_str!("../swagger.yaml");
#[doc = include_str!( "catalogue.md")]
static B: &[u8] = include_bytes!("page.html");"#;
        assert_eq!(
            included_paths(source),
            ["../swagger.yaml", "catalogue.md", "page.html"]
        );
    }

    #[test]
    fn paths_are_resolved_inside_the_package_or_rejected() {
        assert_eq!(
            normalize(Path::new("src/../swagger.yaml")),
            Some(PathBuf::from("swagger.yaml"))
        );
        assert_eq!(
            normalize(Path::new("src/./a/../b.md")),
            Some(PathBuf::from("src/b.md"))
        );
        assert_eq!(normalize(Path::new("src/../../swagger.yaml")), None);
    }

    #[test]
    fn an_embedded_file_outside_or_missing_from_the_package_is_a_problem() {
        let files: Vec<String> = [
            "Cargo.toml",
            "README.md",
            "LICENSE-MIT",
            "LICENSE-APACHE",
            "src/lib.rs",
            "swagger.yaml",
        ]
        .map(String::from)
        .to_vec();
        let good = package_problems(&files, |_| {
            Some(r#"include_str!("../swagger.yaml")"#.into())
        });
        assert!(good.is_empty(), "{good:?}");
        let outside = package_problems(&files, |_| {
            Some(r#"include_str!("../../swagger.yaml")"#.into())
        });
        assert_eq!(
            outside,
            [r#"src/lib.rs embeds "../../swagger.yaml", outside the package"#]
        );
        let missing = package_problems(&files, |_| Some(r#"include_str!("page.html")"#.into()));
        assert_eq!(
            missing,
            [r#"src/lib.rs embeds "page.html" (src/page.html), which is not in the package"#]
        );
    }

    #[test]
    fn a_package_without_its_readme_or_licences_is_a_problem() {
        let files: Vec<String> = ["Cargo.toml", "src/lib.rs"].map(String::from).to_vec();
        let problems = package_problems(&files, |_| Some(String::new()));
        assert_eq!(
            problems,
            [
                "README.md is not in the package",
                "LICENSE-MIT is not in the package",
                "LICENSE-APACHE is not in the package"
            ]
        );
    }
}

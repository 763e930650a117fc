//! Running the spec diff as part of `cargo xtask codegen` (and `cargo xtask spec-diff`): finding the older spec,
//! printing the report, drafting the changelog entry.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::spec_diff::{self, SpecDiff};
use crate::{changelog, spec};

/// Where the older spec comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A spec file.
    File(PathBuf),
    /// `swagger.yaml` at a git revision of the workspace.
    Revision(String),
}

impl Base {
    /// The base the command-line flags name, else the committed `swagger.yaml` (`HEAD`).
    pub fn from_flags(file: Option<PathBuf>, revision: Option<String>) -> Self {
        match (file, revision) {
            (Some(file), _) => Base::File(file),
            (None, Some(revision)) => Base::Revision(revision),
            (None, None) => Base::Revision("HEAD".into()),
        }
    }

    /// Loads the older spec, relative to the workspace `root`.
    pub fn load(&self, root: &Path) -> Result<Value> {
        match self {
            Base::File(path) => spec::load(path),
            Base::Revision(revision) => {
                let output = Command::new("git")
                    .arg("-C")
                    .arg(root)
                    .args(["show", &format!("{revision}:swagger.yaml")])
                    .output()
                    .context("running git to read the older swagger.yaml")?;
                if !output.status.success() {
                    bail!(
                        "cannot read swagger.yaml at git revision `{revision}`: {}",
                        String::from_utf8_lossy(&output.stderr).trim()
                    );
                }
                let text = String::from_utf8(output.stdout).context("swagger.yaml is not UTF-8")?;
                spec::parse(&text, spec::SpecFormat::Yaml)
                    .with_context(|| format!("parsing swagger.yaml at `{revision}`"))
            }
        }
    }

    /// How reports name it.
    pub fn describe(&self) -> String {
        match self {
            Base::File(path) => path.display().to_string(),
            Base::Revision(revision) => format!("swagger.yaml at {revision}"),
        }
    }
}

/// The report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per change and a semver line.
    Text,
    /// A JSON document, for tools.
    Json,
}

/// The workspace's crate version (`[workspace.package] version` of the root `Cargo.toml`).
pub fn crate_version(root: &Path) -> Result<String> {
    let manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).context("reading the root Cargo.toml")?;
    workspace_version(&manifest)
        .context("the root Cargo.toml has no `version` under [workspace.package]")
}

fn workspace_version(manifest: &str) -> Option<String> {
    let mut in_section = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == "[workspace.package]";
        } else if in_section
            && let Some(value) = line
                .strip_prefix("version")
                .map(str::trim_start)
                .and_then(|v| v.strip_prefix('='))
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// Compares `base` with `new`, prints the report in `format` (unless `quiet`), and, when `changelog_path` is
/// given and something changed, drafts the changelog entry there.
pub fn report(
    root: &Path,
    base: &Base,
    new: &Value,
    format: Format,
    quiet: bool,
    changelog_path: Option<&Path>,
) -> Result<SpecDiff> {
    let old = base.load(root)?;
    let diff = spec_diff::diff(&old, new);
    let version = crate_version(root)?;
    if !quiet {
        match format {
            Format::Text => {
                println!("compared with {}", base.describe());
                print!("{}", diff.render_text(&version));
            }
            Format::Json => println!("{}", serde_json::to_string_pretty(&diff.to_json(&version))?),
        }
    }
    if let Some(path) = changelog_path
        && !diff.changes.is_empty()
    {
        let current = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let updated = changelog::upsert(&current, &changelog::entry(&diff, &version));
        std::fs::write(path, updated).with_context(|| format!("writing {}", path.display()))?;
        if !quiet && format == Format::Text {
            println!("drafted the entry in {}", path.display());
        }
    }
    Ok(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_version_is_read_from_its_own_section() {
        let manifest = "[package]\nversion = \"9.9.9\"\n\n[workspace.package]\nedition = \"2024\"\nversion = \"0.1.0\"\n\n[x]\nversion = \"1\"\n";
        assert_eq!(workspace_version(manifest).as_deref(), Some("0.1.0"));
        assert_eq!(workspace_version("[package]\nversion = \"1.0.0\"\n"), None);
    }

    #[test]
    fn the_default_base_is_the_committed_spec() {
        assert_eq!(Base::from_flags(None, None), Base::Revision("HEAD".into()));
        assert_eq!(
            Base::from_flags(Some("old.yaml".into()), Some("v1".into())),
            Base::File("old.yaml".into())
        );
        assert_eq!(
            Base::from_flags(None, Some("v1".into())),
            Base::Revision("v1".into())
        );
    }

    #[test]
    fn a_missing_revision_is_an_error_naming_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let error = Base::Revision("no-such-revision-xyz".into())
            .load(root)
            .unwrap_err()
            .to_string();
        assert!(error.contains("no-such-revision-xyz"), "{error}");
    }
}

//! What changed between two versions of the spec, for the people who depend on the generated crates.
//!
//! `cargo xtask codegen` compares the spec it generates from with the previous one (the committed
//! `swagger.yaml`, `--base FILE` or `--base-rev REV`) and prints one line per change: operations added, removed,
//! renamed or moved; parameters and body fields added, removed, or changed in type or requiredness; enum values
//! added or removed; response schemas changed; credential headers an operation needs. Each line says what it
//! means for SDK users ([`Impact`]) and the report ends with the semver bump the changes imply ([`Bump`]).
//!
//! The meanings follow Cargo's SemVer rules for the generated code: its structs have public fields and its enums
//! are exhaustive, so a new body field or enum value breaks struct literals and exhaustive `match`es even where
//! the API change itself is backwards compatible.

mod compare;
pub mod model;

use std::fmt;

use serde_json::{Value, json};

/// What a change means for code that uses the generated crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Nothing to do for users.
    None,
    /// New capability; existing code keeps compiling and working.
    Additive,
    /// Existing code may stop compiling or start failing.
    Breaking,
}

impl Impact {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

/// The version bump a set of changes implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// No change to the API.
    None,
    /// Only changes with no effect on users.
    Patch,
    /// Additions only.
    Minor,
    /// At least one breaking change.
    Major,
}

impl Bump {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// The version after this bump of `current` (`major.minor.patch`). Below 1.0, Cargo treats a minor bump as
    /// breaking, so a breaking change bumps the minor and an addition the patch.
    pub fn next_version(self, current: &str) -> Option<String> {
        let mut parts = current.split('.').map(|p| p.parse::<u64>().ok());
        let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
        let (major, minor, patch) = match (self, major) {
            (Bump::None, _) => (major, minor, patch),
            (Bump::Major, 0) => (0, minor + 1, 0),
            (Bump::Major, _) => (major + 1, 0, 0),
            (Bump::Minor, 0) | (Bump::Patch, _) => (major, minor, patch + 1),
            (Bump::Minor, _) => (major, minor + 1, 0),
        };
        Some(format!("{major}.{minor}.{patch}"))
    }
}

/// One difference between the two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What it means for users.
    pub impact: Impact,
    /// The kind of change (`operation removed`, `field now required`, ...).
    pub kind: &'static str,
    /// The operation it concerns.
    pub operation: String,
    /// What changed and what that means, in a sentence.
    pub detail: String,
}

impl Change {
    fn new(impact: Impact, kind: &'static str, operation: &str, detail: String) -> Self {
        Self {
            impact,
            kind,
            operation: operation.to_owned(),
            detail,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {}: `{}`: {}",
            self.impact.as_str(),
            self.kind,
            self.operation,
            self.detail
        )
    }
}

/// The changes from one spec to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecDiff {
    /// `info.version` of the older spec.
    pub base_version: Option<String>,
    /// `info.version` of the newer spec.
    pub new_version: Option<String>,
    /// Every change, breaking ones first, then by operation.
    pub changes: Vec<Change>,
}

/// Compares two parsed specs.
pub fn diff(base: &Value, new: &Value) -> SpecDiff {
    let mut changes = compare::compare(&model::operations(base), &model::operations(new));
    changes.sort_by(|a, b| {
        b.impact
            .cmp(&a.impact)
            .then_with(|| a.operation.cmp(&b.operation))
            .then_with(|| a.kind.cmp(b.kind))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    let version = |spec: &Value| {
        spec.pointer("/info/version")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    SpecDiff {
        base_version: version(base),
        new_version: version(new),
        changes,
    }
}

impl SpecDiff {
    /// The bump the changes imply.
    pub fn bump(&self) -> Bump {
        match self.changes.iter().map(|c| c.impact).max() {
            None => Bump::None,
            Some(Impact::None) => Bump::Patch,
            Some(Impact::Additive) => Bump::Minor,
            Some(Impact::Breaking) => Bump::Major,
        }
    }

    /// How many changes have `impact`.
    pub fn count(&self, impact: Impact) -> usize {
        self.changes.iter().filter(|c| c.impact == impact).count()
    }

    /// The semver line: the bump, and the next version of crates now at `crate_version`.
    pub fn semver_line(&self, crate_version: &str) -> String {
        let bump = self.bump();
        let counts = format!(
            "{} breaking, {} additive, {} with no effect",
            self.count(Impact::Breaking),
            self.count(Impact::Additive),
            self.count(Impact::None)
        );
        match (bump, bump.next_version(crate_version)) {
            (Bump::None, _) => "semver: none (the specs declare the same API)".to_owned(),
            (_, Some(next)) => format!(
                "semver: {} ({counts}): {crate_version} → {next}",
                bump.as_str()
            ),
            (_, None) => format!("semver: {} ({counts})", bump.as_str()),
        }
    }

    /// The report as text: a heading, one line per change, and the semver line.
    pub fn render_text(&self, crate_version: &str) -> String {
        let mut out = format!(
            "spec changes ({} → {}):\n",
            self.base_version.as_deref().unwrap_or("?"),
            self.new_version.as_deref().unwrap_or("?")
        );
        for change in &self.changes {
            out.push_str(&format!("  {change}\n"));
        }
        out.push_str(&self.semver_line(crate_version));
        out.push('\n');
        out
    }

    /// The report as JSON, for tools.
    pub fn to_json(&self, crate_version: &str) -> Value {
        let bump = self.bump();
        json!({
            "base_version": self.base_version,
            "new_version": self.new_version,
            "semver": bump.as_str(),
            "crate_version": crate_version,
            "next_crate_version": bump.next_version(crate_version),
            "changes": self.changes.iter().map(|c| json!({
                "impact": c.impact.as_str(),
                "kind": c.kind,
                "operation": c.operation,
                "detail": c.detail,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests;

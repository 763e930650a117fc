//! Finding the workspace the xtask works on, at run time.
//!
//! The root must not be fixed when the xtask is compiled (`env!("CARGO_MANIFEST_DIR")`): two checkouts that
//! share one target directory (a second clone, a CI cache) reuse one compiled xtask, which would then read and
//! write the *first* checkout's `swagger.yaml` and generated files. The root is taken instead from what cargo
//! tells the running process, or else found by walking up from the current directory.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Where the workspace root can come from, in the order they are tried.
#[derive(Debug, Clone, Default)]
pub struct RootHints {
    /// `CARGO_MANIFEST_DIR` as cargo sets it for the running process (`cargo run` / `cargo xtask`): the xtask
    /// package of the workspace cargo was invoked in.
    pub runtime_manifest_dir: Option<PathBuf>,
    /// The current directory.
    pub current_dir: Option<PathBuf>,
}

impl RootHints {
    /// The hints of the running process.
    pub fn from_process() -> Self {
        Self {
            runtime_manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
            current_dir: std::env::current_dir().ok(),
        }
    }
}

/// Whether `dir` is this project's workspace root: a `Cargo.toml` beside an `xtask/` package and `swagger.yaml`.
pub fn is_workspace_root(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file()
        && dir.join("xtask").join("Cargo.toml").is_file()
        && dir.join("swagger.yaml").is_file()
}

/// The workspace root: the parent of the runtime `CARGO_MANIFEST_DIR` when that is the xtask package of a
/// workspace, else the nearest ancestor of the current directory (itself included) that is a workspace root.
pub fn find_workspace_root(hints: &RootHints) -> Result<PathBuf> {
    if let Some(parent) = hints.runtime_manifest_dir.as_deref().and_then(Path::parent)
        && is_workspace_root(parent)
    {
        return Ok(parent.to_path_buf());
    }
    if let Some(current) = &hints.current_dir
        && let Some(root) = current.ancestors().find(|dir| is_workspace_root(dir))
    {
        return Ok(root.to_path_buf());
    }
    bail!(
        "cannot find the workspace root (a directory with Cargo.toml, xtask/ and swagger.yaml): run the xtask \
         with `cargo xtask` from inside the workspace"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(dir: &Path) {
        std::fs::create_dir_all(dir.join("xtask/src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(dir.join("xtask/Cargo.toml"), "[package]\n").unwrap();
        std::fs::write(dir.join("swagger.yaml"), "swagger: '2.0'\n").unwrap();
    }

    #[test]
    fn the_runtime_manifest_dir_wins_over_the_current_directory() {
        let temp = tempfile::tempdir().unwrap();
        let (first, second) = (temp.path().join("first"), temp.path().join("second"));
        workspace(&first);
        workspace(&second);
        let hints = RootHints {
            runtime_manifest_dir: Some(second.join("xtask")),
            current_dir: Some(first.join("xtask/src")),
        };
        assert_eq!(find_workspace_root(&hints).unwrap(), second);
    }

    #[test]
    fn without_cargo_the_nearest_workspace_above_the_current_directory_is_used() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("checkout");
        workspace(&root);
        std::fs::create_dir_all(root.join("client-ext/src")).unwrap();
        let hints = RootHints {
            runtime_manifest_dir: None,
            current_dir: Some(root.join("client-ext/src")),
        };
        assert_eq!(find_workspace_root(&hints).unwrap(), root);
    }

    #[test]
    fn a_manifest_dir_that_is_not_an_xtask_of_a_workspace_is_ignored() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("checkout");
        workspace(&root);
        let elsewhere = temp.path().join("other/pkg");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let hints = RootHints {
            runtime_manifest_dir: Some(elsewhere),
            current_dir: Some(root.clone()),
        };
        assert_eq!(find_workspace_root(&hints).unwrap(), root);
    }

    #[test]
    fn outside_any_workspace_the_error_says_what_is_missing() {
        let temp = tempfile::tempdir().unwrap();
        let hints = RootHints {
            runtime_manifest_dir: None,
            current_dir: Some(temp.path().to_path_buf()),
        };
        let error = find_workspace_root(&hints).unwrap_err().to_string();
        assert!(error.contains("cannot find the workspace root"), "{error}");
    }
}

//! What `cargo xtask test` needs on the machine, and how it gets what is missing.
//!
//! The test command must pass on a fresh machine, so it installs its own prerequisites instead of leaving that
//! to a CI-only script. Deciding what to do is a pure function of what the machine has ([`plan`]); carrying it
//! out ([`ensure`]) only runs the commands the plan names and says in one line what it is installing.
//!
//! Python tools come from PyPI at a pinned version, into a virtual environment under `target/` ([`plan_pypi`],
//! [`ensure_pypi`]), so that nothing is installed into the user's or the system's Python.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A program the test suite runs, and the Debian package that provides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prerequisite {
    /// The executable looked up on `PATH`.
    pub program: &'static str,
    /// The Debian package that installs it.
    pub debian_package: &'static str,
    /// Why the tests need it, printed when it is installed.
    pub needed_for: &'static str,
}

/// The programs the test suite needs beyond the Rust toolchain.
pub const PREREQUISITES: &[Prerequisite] = &[
    Prerequisite {
        program: "redis-server",
        debian_package: "redis-server",
        needed_for: "the webhook de-duplication tests start a real redis-server on a free loopback port",
    },
    Prerequisite {
        program: "chromium",
        debian_package: "chromium",
        needed_for: "the emulator dashboard test loads the page in a headless Chromium",
    },
    Prerequisite {
        program: "chromedriver",
        debian_package: "chromium-driver",
        needed_for: "the emulator dashboard test drives Chromium over WebDriver",
    },
];

/// The cargo subcommands the test command runs, and the rustup component that provides each.
pub const CARGO_COMPONENTS: &[(&str, &str)] = &[("clippy", "clippy"), ("fmt", "rustfmt")];

/// A Python program the test suite runs, installed from PyPI at a pinned version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PypiTool {
    /// The executable the package installs into the virtual environment's `bin/`.
    pub program: &'static str,
    /// The PyPI package name.
    pub package: &'static str,
    /// The exact version installed (`package==version`).
    pub version: &'static str,
    /// Why the tests need it, printed when it is installed.
    pub needed_for: &'static str,
}

/// Schemathesis: property-based conformance tests of the emulator against `swagger.yaml`.
pub const SCHEMATHESIS: PypiTool = PypiTool {
    program: "schemathesis",
    package: "schemathesis",
    version: "4.32.5",
    needed_for: "the conformance step sends generated requests to the emulator and checks its answers against \
                 swagger.yaml",
};

/// A cargo subcommand the test suite runs, installed from crates.io at a pinned version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CargoTool {
    /// The subcommand (`cargo <subcommand>`).
    pub subcommand: &'static str,
    /// The crate that installs it.
    pub crate_name: &'static str,
    /// The exact version installed.
    pub version: &'static str,
    /// Why the tests need it, printed when it is installed.
    pub needed_for: &'static str,
}

/// cargo-deny: licences, duplicate versions and sources of the dependency tree, per `deny.toml`.
pub const CARGO_DENY: CargoTool = CargoTool {
    subcommand: "deny",
    crate_name: "cargo-deny",
    version: "0.20.2",
    needed_for: "the supply-chain check of the dependency tree (deny.toml)",
};

/// Decides how to obtain `tool`, given the version `cargo <subcommand> --version` reports (if it runs).
pub fn plan_cargo_tool(tool: &CargoTool, installed_version: Option<&str>) -> Action {
    if installed_version == Some(tool.version) {
        return Action::Present;
    }
    // Built without optimisation: it compiles in about half the time, and a check of this tree still takes
    // seconds, so the test command's first run on a fresh machine gets there sooner.
    Action::Install(vec![vec![
        "cargo".into(),
        "install".into(),
        "--locked".into(),
        "--quiet".into(),
        "--config".into(),
        "profile.release.opt-level=0".into(),
        format!("{}@{}", tool.crate_name, tool.version),
    ]])
}

/// Installs `tool` with `cargo install` unless the pinned version is there.
pub fn ensure_cargo_tool(tool: &CargoTool) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed_version = Command::new(&cargo)
        .args([tool.subcommand, "--version"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| parse_version(&String::from_utf8_lossy(&out.stdout)));
    match plan_cargo_tool(tool, installed_version.as_deref()) {
        Action::Present => Ok(()),
        Action::Unavailable(why) => bail!(why),
        Action::Install(commands) => {
            println!(
                "==> installing {}@{} from crates.io: {}",
                tool.crate_name, tool.version, tool.needed_for
            );
            for command in commands {
                run_quietly(&command).with_context(|| format!("installing {}", tool.crate_name))?;
            }
            Ok(())
        }
    }
}

/// What the machine offers for a [`PypiTool`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEnv {
    /// `python3` is on `PATH`.
    pub has_python3: bool,
    /// The version the virtual environment's copy of the tool reports, if it has one.
    pub installed_version: Option<String>,
}

/// Decides how to obtain `tool` in the virtual environment `venv` (a directory, created if missing).
pub fn plan_pypi(tool: &PypiTool, venv: &Path, python: &PythonEnv) -> Action {
    if python.installed_version.as_deref() == Some(tool.version) {
        return Action::Present;
    }
    if !python.has_python3 {
        return Action::Unavailable(format!(
            "`python3` is not on PATH: install python3 with its venv module (Debian: python3-venv), then rerun; \
             {} {} is needed because {}",
            tool.package, tool.version, tool.needed_for
        ));
    }
    let venv_python = venv.join("bin").join("python");
    Action::Install(vec![
        vec![
            "python3".into(),
            "-m".into(),
            "venv".into(),
            venv.display().to_string(),
        ],
        vec![
            venv_python.display().to_string(),
            "-m".into(),
            "pip".into(),
            "install".into(),
            "--quiet".into(),
            "--disable-pip-version-check".into(),
            format!("{}=={}", tool.package, tool.version),
        ],
    ])
}

/// The version in a `--version` line such as `schemathesis, version 4.32.5`: its last word, if it starts with a
/// digit.
pub fn parse_version(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .last()
        .filter(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
}

/// Installs `tool` into `venv` unless the pinned version is there; returns the path of its program.
pub fn ensure_pypi(tool: &PypiTool, venv: &Path) -> Result<std::path::PathBuf> {
    let program = venv.join("bin").join(tool.program);
    let installed_version = Command::new(&program)
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| parse_version(&String::from_utf8_lossy(&out.stdout)));
    let python = PythonEnv {
        has_python3: on_path("python3"),
        installed_version,
    };
    match plan_pypi(tool, venv, &python) {
        Action::Present => {}
        Action::Unavailable(why) => bail!(why),
        Action::Install(commands) => {
            println!(
                "==> installing {}=={} from PyPI into {}: {}",
                tool.package,
                tool.version,
                venv.display(),
                tool.needed_for
            );
            for command in commands {
                run_quietly(&command).with_context(|| format!("installing {}", tool.package))?;
            }
        }
    }
    Ok(program)
}

/// What the machine offers for installing a missing program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installer {
    /// `apt-get` is on `PATH`.
    pub has_apt_get: bool,
    /// The process runs as root.
    pub is_root: bool,
    /// `sudo` is on `PATH` (used only when not root).
    pub has_sudo: bool,
}

/// What to do about one prerequisite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// It is already there.
    Present,
    /// Run these commands, in order, to install it.
    Install(Vec<Vec<String>>),
    /// It cannot be installed here; the text says what to do by hand.
    Unavailable(String),
}

/// Decides how to obtain `prerequisite` on a machine that has it (`present`) or not, with `installer`.
pub fn plan(prerequisite: &Prerequisite, present: bool, installer: Installer) -> Action {
    if present {
        return Action::Present;
    }
    if !installer.has_apt_get {
        return Action::Unavailable(format!(
            "`{}` is not on PATH and apt-get is not available: install `{}` with your package manager ({})",
            prerequisite.program, prerequisite.debian_package, prerequisite.needed_for
        ));
    }
    let prefix: Vec<String> = match (installer.is_root, installer.has_sudo) {
        (true, _) => vec![],
        (false, true) => vec!["sudo".into(), "-n".into()],
        (false, false) => {
            return Action::Unavailable(format!(
                "`{}` is not on PATH and installing it needs root: run `apt-get install {}` as root ({})",
                prerequisite.program, prerequisite.debian_package, prerequisite.needed_for
            ));
        }
    };
    let command = |args: &[&str]| -> Vec<String> {
        prefix
            .iter()
            .cloned()
            .chain(args.iter().map(|arg| (*arg).to_string()))
            .collect()
    };
    Action::Install(vec![
        command(&["apt-get", "update", "-qq"]),
        command(&[
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            prerequisite.debian_package,
        ]),
    ])
}

/// Decides how to obtain every prerequisite at once, each given with whether it is present: one
/// `apt-get update` and one `apt-get install` naming every missing package, so the package lists
/// are fetched once however many programs are missing.
pub fn plan_all(prerequisites: &[(&Prerequisite, bool)], installer: Installer) -> Action {
    let mut merged: Option<Vec<Vec<String>>> = None;
    for (prerequisite, present) in prerequisites {
        match (plan(prerequisite, *present, installer), merged.as_mut()) {
            (Action::Present, _) => {}
            (Action::Unavailable(why), _) => return Action::Unavailable(why),
            (Action::Install(commands), None) => merged = Some(commands),
            (Action::Install(_), Some(commands)) => {
                // The install command comes last and ends with the package names.
                if let Some(install) = commands.last_mut() {
                    install.push(prerequisite.debian_package.to_string());
                }
            }
        }
    }
    merged.map_or(Action::Present, Action::Install)
}

/// Whether `program` is an executable file in one of the `PATH` directories.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(program)))
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

fn running_as_root() -> bool {
    // `id -u` avoids an unsafe libc call for one number.
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The build's target directory: `CARGO_TARGET_DIR`, else `target/` in the workspace root.
pub fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            // The workspace this run works on, found at run time (see `crate::root`).
            crate::root::find_workspace_root(&crate::root::RootHints::from_process())
                .unwrap_or_default()
                .join("target")
        })
}

/// The virtual environment the PyPI tools are installed into.
pub fn python_venv() -> std::path::PathBuf {
    target_dir().join("python-venv")
}

/// Installs every missing prerequisite, cargo component and PyPI tool, saying in one line what it installs and
/// why.
pub fn ensure() -> Result<()> {
    let installer = Installer {
        has_apt_get: on_path("apt-get"),
        is_root: running_as_root(),
        has_sudo: on_path("sudo"),
    };
    let presence: Vec<(&Prerequisite, bool)> = PREREQUISITES
        .iter()
        .map(|prerequisite| (prerequisite, on_path(prerequisite.program)))
        .collect();
    match plan_all(&presence, installer) {
        Action::Present => {}
        Action::Unavailable(why) => bail!(why),
        Action::Install(commands) => {
            let missing: Vec<&Prerequisite> = presence
                .iter()
                .filter(|(_, present)| !present)
                .map(|(prerequisite, _)| *prerequisite)
                .collect();
            for prerequisite in &missing {
                println!(
                    "==> installing {} with apt-get: {}",
                    prerequisite.debian_package, prerequisite.needed_for
                );
            }
            for command in commands {
                run_quietly(&command).with_context(|| format!("running {}", command.join(" ")))?;
            }
            for prerequisite in missing {
                if !on_path(prerequisite.program) {
                    bail!(
                        "installed {} but `{}` is still not on PATH",
                        prerequisite.debian_package,
                        prerequisite.program
                    );
                }
            }
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (subcommand, component) in CARGO_COMPONENTS {
        let present = Command::new(&cargo)
            .args([subcommand, "--version"])
            .output()
            .is_ok_and(|out| out.status.success());
        if !present {
            println!("==> installing the rustup component {component} (cargo {subcommand})");
            run_quietly(&[
                "rustup".into(),
                "component".into(),
                "add".into(),
                (*component).into(),
            ])?;
        }
    }
    ensure_pypi(&SCHEMATHESIS, &python_venv())?;
    ensure_cargo_tool(&CARGO_DENY)?;
    Ok(())
}

fn run_quietly(command: &[String]) -> Result<()> {
    let (program, args) = command.split_first().context("empty command")?;
    let output = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .with_context(|| format!("running {}", command.join(" ")))?;
    if !output.status.success() {
        bail!(
            "`{}` failed ({}):\n{}",
            command.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cargo_deny_is_installed_only_when_the_pinned_version_is_missing() {
        use super::{Action, CARGO_DENY, plan_cargo_tool};
        assert_eq!(
            plan_cargo_tool(&CARGO_DENY, Some("0.20.2")),
            Action::Present
        );
        for installed in [None, Some("0.19.0")] {
            assert_eq!(
                plan_cargo_tool(&CARGO_DENY, installed),
                Action::Install(vec![vec![
                    "cargo".to_string(),
                    "install".into(),
                    "--locked".into(),
                    "--quiet".into(),
                    "--config".into(),
                    "profile.release.opt-level=0".into(),
                    "cargo-deny@0.20.2".into(),
                ]]),
                "installed: {installed:?}"
            );
        }
        assert_eq!(
            super::parse_version("cargo-deny 0.20.2\n").as_deref(),
            Some("0.20.2")
        );
    }

    use super::*;

    const REDIS: Prerequisite = PREREQUISITES[0];

    fn installer(has_apt_get: bool, is_root: bool, has_sudo: bool) -> Installer {
        Installer {
            has_apt_get,
            is_root,
            has_sudo,
        }
    }

    fn words(commands: &[&str]) -> Vec<Vec<String>> {
        commands
            .iter()
            .map(|c| c.split(' ').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn a_present_program_needs_nothing_whatever_the_installer() {
        for apt in [false, true] {
            for root in [false, true] {
                for sudo in [false, true] {
                    assert_eq!(
                        plan(&REDIS, true, installer(apt, root, sudo)),
                        Action::Present
                    );
                }
            }
        }
    }

    #[test]
    fn root_with_apt_installs_directly() {
        assert_eq!(
            plan(&REDIS, false, installer(true, true, false)),
            Action::Install(words(&[
                "apt-get update -qq",
                "apt-get install -y -qq --no-install-recommends redis-server",
            ]))
        );
    }

    #[test]
    fn a_user_with_sudo_installs_through_non_interactive_sudo() {
        assert_eq!(
            plan(&REDIS, false, installer(true, false, true)),
            Action::Install(words(&[
                "sudo -n apt-get update -qq",
                "sudo -n apt-get install -y -qq --no-install-recommends redis-server",
            ]))
        );
    }

    #[test]
    fn without_apt_or_root_the_plan_says_what_to_install_and_why() {
        for machine in [installer(false, true, true), installer(true, false, false)] {
            match plan(&REDIS, false, machine) {
                Action::Unavailable(text) => {
                    assert!(text.contains("redis-server"), "{text}");
                    assert!(text.contains("de-duplication tests"), "{text}");
                }
                other => panic!("expected Unavailable for {machine:?}, got {other:?}"),
            }
        }
    }

    fn python(has_python3: bool, installed_version: Option<&str>) -> PythonEnv {
        PythonEnv {
            has_python3,
            installed_version: installed_version.map(str::to_string),
        }
    }

    #[test]
    fn the_pinned_pypi_version_needs_nothing() {
        for has_python3 in [false, true] {
            assert_eq!(
                plan_pypi(
                    &SCHEMATHESIS,
                    Path::new("target/venv"),
                    &python(has_python3, Some(SCHEMATHESIS.version))
                ),
                Action::Present
            );
        }
    }

    #[test]
    fn a_missing_or_other_pypi_version_is_installed_pinned_into_the_venv() {
        for installed in [None, Some("3.0.0")] {
            assert_eq!(
                plan_pypi(
                    &SCHEMATHESIS,
                    Path::new("target/venv"),
                    &python(true, installed)
                ),
                Action::Install(words(&[
                    "python3 -m venv target/venv",
                    "target/venv/bin/python -m pip install --quiet --disable-pip-version-check schemathesis==4.32.5",
                ])),
                "{installed:?}"
            );
        }
    }

    #[test]
    fn without_python_the_pypi_plan_says_what_to_install_and_why() {
        match plan_pypi(&SCHEMATHESIS, Path::new("v"), &python(false, None)) {
            Action::Unavailable(text) => {
                assert!(text.contains("python3-venv"), "{text}");
                assert!(text.contains("schemathesis 4.32.5"), "{text}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[test]
    fn versions_are_read_from_version_lines() {
        assert_eq!(
            parse_version("schemathesis, version 4.32.5\n").as_deref(),
            Some("4.32.5")
        );
        assert_eq!(parse_version("no version here"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn every_missing_program_is_installed_with_one_update_and_one_install() {
        let [redis, chromium, driver] = [&PREREQUISITES[0], &PREREQUISITES[1], &PREREQUISITES[2]];
        let root = installer(true, true, false);
        let sudo = installer(true, false, true);
        type Presence<'a> = &'a [(&'a Prerequisite, bool)];
        let table: &[(Presence, Installer, Action)] = &[
            (
                &[(redis, true), (chromium, true), (driver, true)],
                root,
                Action::Present,
            ),
            (
                &[(redis, true), (chromium, false), (driver, false)],
                root,
                Action::Install(words(&[
                    "apt-get update -qq",
                    "apt-get install -y -qq --no-install-recommends chromium chromium-driver",
                ])),
            ),
            (
                &[(redis, false), (chromium, true), (driver, false)],
                sudo,
                Action::Install(words(&[
                    "sudo -n apt-get update -qq",
                    "sudo -n apt-get install -y -qq --no-install-recommends redis-server chromium-driver",
                ])),
            ),
            (&[], root, Action::Present),
        ];
        for (presence, machine, expected) in table {
            assert_eq!(&plan_all(presence, *machine), expected, "{presence:?}");
        }
    }

    #[test]
    fn a_missing_program_that_cannot_be_installed_stops_the_whole_plan() {
        let chromium = &PREREQUISITES[1];
        let driver = &PREREQUISITES[2];
        match plan_all(
            &[(chromium, true), (driver, false)],
            installer(true, false, false),
        ) {
            Action::Unavailable(text) => {
                assert!(text.contains("chromium-driver"), "{text}");
                assert!(text.contains("dashboard"), "{text}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
        assert_eq!(
            plan_all(&[(chromium, true)], installer(false, false, false)),
            Action::Present
        );
    }

    #[test]
    fn the_dashboard_test_programs_come_from_debian_packages() {
        let programs: Vec<(&str, &str)> = PREREQUISITES
            .iter()
            .map(|p| (p.program, p.debian_package))
            .collect();
        assert!(programs.contains(&("chromium", "chromium")));
        assert!(programs.contains(&("chromedriver", "chromium-driver")));
    }

    #[test]
    fn on_path_finds_a_shell_and_not_a_made_up_program() {
        assert!(on_path("sh"));
        assert!(!on_path("mirai-voice-no-such-program-4f1c"));
    }
}

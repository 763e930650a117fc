//! What `cargo xtask test` needs on the machine, and how it gets what is missing.
//!
//! The test command must pass on a fresh machine, so it installs its own prerequisites instead of leaving that
//! to a CI-only script. Deciding what to do is a pure function of what the machine has ([`plan`]); carrying it
//! out ([`ensure`]) only runs the commands the plan names and says in one line what it is installing.

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

/// Installs every missing prerequisite and cargo component, saying in one line what it installs and why.
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

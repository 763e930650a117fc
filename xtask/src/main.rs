//! `cargo xtask codegen [--check] [--spec PATH] [--out PATH] [--cli-out PATH] [--base FILE | --base-rev REV]
//! [--format text|json]`, `cargo xtask spec-diff`, `cargo xtask test`, `cargo xtask conformance`,
//! `cargo xtask prerequisites`, `cargo xtask bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use xtask::spec_report::{self, Base, Format};
use xtask::{bench, codegen, conformance, prerequisites, spec};

#[derive(Parser)]
#[command(about = "Project automation for mirai-voice")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the raw client (generated-client/src/generated.rs) and the `mirai` command line's operation
    /// subcommands (cli/src/generated.rs) from the spec.
    Codegen {
        /// Regenerate in memory and fail if the checked-in file differs.
        #[arg(long)]
        check: bool,
        /// Spec to generate from (YAML or JSON, by extension). Default: swagger.yaml.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Where to write (or what to check). Default: generated-client/src/generated.rs.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where to write (or what to check) the `mirai` command line's subcommands. Default:
        /// cli/src/generated.rs, unless `--out` is given (then they are written only when this is given too).
        #[arg(long)]
        cli_out: Option<PathBuf>,
        /// Print only errors.
        #[arg(long, short)]
        quiet: bool,
        /// The older spec to report changes against (default: swagger.yaml as committed at HEAD). Without
        /// `--check`, a change also drafts an entry in CHANGELOG.md.
        #[arg(long, conflicts_with = "base_rev")]
        base: Option<PathBuf>,
        /// Like `--base`, with swagger.yaml at this git revision.
        #[arg(long)]
        base_rev: Option<String>,
        /// The spec diff report's format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Only the spec diff: what changed from an older spec to swagger.yaml (or `--new`), with its semver impact.
    SpecDiff {
        /// The older spec (default: swagger.yaml as committed at HEAD).
        #[arg(long, conflicts_with = "base_rev")]
        base: Option<PathBuf>,
        /// Like `--base`, with swagger.yaml at this git revision.
        #[arg(long)]
        base_rev: Option<String>,
        /// The newer spec. Default: swagger.yaml.
        #[arg(long)]
        new: Option<PathBuf>,
        /// The report's format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Everything CI checks: installs what the tests need (redis-server, chromium, chromedriver, clippy, rustfmt,
    /// schemathesis), then codegen --check, fmt --check, clippy -D warnings, docs, tests (logging every emulator
    /// status), schemathesis against the emulator, the check of every logged status, quickstart.
    Test,
    /// Only the emulator's conformance step of `test`: schemathesis against the standalone emulator, then the check
    /// of every status it sent.
    Conformance,
    /// Installs only what the tests need (redis-server, chromium, chromedriver, clippy, rustfmt, schemathesis);
    /// `test` does this first.
    Prerequisites,
    /// Reruns every benchmark (`cargo bench --workspace --all-features`) and rewrites the sections of
    /// BENCHMARKS.md they report, with the machine's description.
    Bench,
    /// Checks that every publishable crate packages (`cargo package`, in dependency order) and that everything its
    /// sources embed is inside its package.
    Package {
        /// Also compile each packaged crate from its `.crate` (slow: every dependency is built again).
        #[arg(long)]
        verify: bool,
    },
}

/// Runs `cargo` with `args` in the workspace root and returns its standard output; fails when it fails.
fn cargo_output(args: &[&str]) -> Result<String> {
    let output =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .current_dir(workspace_root()?)
            .stderr(std::process::Stdio::inherit())
            .output()
            .with_context(|| format!("running cargo {}", args.join(" ")))?;
    anyhow::ensure!(
        output.status.success(),
        "`cargo {}` failed ({})",
        args.join(" "),
        output.status
    );
    String::from_utf8(output.stdout).context("cargo printed something that is not UTF-8")
}

fn package_command(verify: bool) -> Result<()> {
    println!(
        "==> packaging: cargo package{} of every publishable crate",
        if verify { "" } else { " --no-verify" }
    );
    xtask::packaging::check(&workspace_root()?, cargo_output, verify)?;
    println!("==> every publishable crate packages, with everything it embeds");
    Ok(())
}

/// The toolchain the tests run on and the declared minimum, for the log.
fn toolchain_note() -> Result<()> {
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "rustc (unknown version)".into());
    let manifest = std::fs::read_to_string(workspace_root()?.join("Cargo.toml"))?;
    let minimum = manifest
        .lines()
        .find_map(|line| line.trim().strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| "(none declared)".into());
    println!(
        "==> toolchain: {rustc}; declared minimum Rust {minimum} (std APIs newer than it fail clippy's incompatible_msrv)"
    );
    Ok(())
}

/// Runs `cargo` with `args` in the workspace root; fails when it fails.
fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    println!("==> cargo {}", args.join(" "));
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(workspace_root()?)
            .status()
            .with_context(|| format!("running cargo {}", args.join(" ")))?;
    anyhow::ensure!(
        status.success(),
        "`cargo {}` failed ({status})",
        args.join(" ")
    );
    Ok(())
}

fn test_command() -> Result<()> {
    prerequisites::ensure()?;
    toolchain_note()?;
    codegen_command(CodegenArgs {
        check: true,
        quiet: true,
        ..CodegenArgs::default()
    })?;
    println!("==> generated client is current");
    cargo(&["fmt", "--all", "--check"], &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // The advisory database needs a download this machine cannot make; licences, duplicates and sources need none.
    cargo(&["deny", "check", "licenses", "bans", "sources"], &[])?;
    package_command(false)?;
    // Every emulator the tests start logs the status of each response it sends; the conformance step adds its own
    // and then checks them all.
    let status_log = fresh_status_log("status-log")?;
    let status_log_env = status_log.display().to_string();
    cargo(
        &["test", "--workspace", "--all-features"],
        &[("MIRAI_MOCK_STATUS_LOG", status_log_env.as_str())],
    )?;
    emulator_conformance(&status_log)?;
    // The README's main command and the abandoned-cart example must keep working on a fresh machine (on the
    // emulator).
    for example in ["quickstart", "abandoned_cart"] {
        cargo(
            &[
                "run",
                "--quiet",
                "-p",
                "mirai-voice",
                "--features",
                "axum",
                "--example",
                example,
            ],
            &[],
        )?;
    }
    Ok(())
}

fn conformance_command() -> Result<()> {
    let status_log = fresh_status_log("status-log-conformance")?;
    emulator_conformance(&status_log)
}

/// An empty directory under the target directory for emulators' status logs.
fn fresh_status_log(name: &str) -> Result<PathBuf> {
    let status_log = prerequisites::target_dir().join(name);
    if status_log.exists() {
        std::fs::remove_dir_all(&status_log)
            .with_context(|| format!("clearing {}", status_log.display()))?;
    }
    std::fs::create_dir_all(&status_log)
        .with_context(|| format!("creating {}", status_log.display()))?;
    Ok(status_log)
}

/// Schemathesis against the standalone emulator, then the check of every status in `status_log`.
fn emulator_conformance(status_log: &Path) -> Result<()> {
    let target = prerequisites::target_dir();
    let schemathesis =
        prerequisites::ensure_pypi(&prerequisites::SCHEMATHESIS, &prerequisites::python_venv())?;
    cargo(&["build", "--quiet", "-p", "mirai-voice-mock"], &[])?;
    let emulator = target.join("debug").join("mirai-voice-mock");
    println!(
        "==> schemathesis {} against the emulator (at most {} s)",
        prerequisites::SCHEMATHESIS.version,
        conformance::WALL_CAP.as_secs()
    );
    conformance::run_schemathesis(
        &schemathesis,
        &emulator,
        &workspace_root()?.join("swagger.yaml"),
        status_log,
        &target.join("schemathesis.log"),
    )?;
    println!("==> statuses of every emulator response");
    conformance::check_status_log(&emulator, status_log)
}

fn bench_command() -> Result<()> {
    let root = workspace_root()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let results = target.join("bench-results");
    // Stale sections from an earlier run must not pass for this run's figures.
    if results.exists() {
        std::fs::remove_dir_all(&results)
            .with_context(|| format!("clearing {}", results.display()))?;
    }
    cargo(&["bench", "--workspace", "--all-features"], &[])?;
    println!("==> scripts/bench-codegen.sh");
    let script = std::process::Command::new("bash")
        .arg(root.join("scripts/bench-codegen.sh"))
        .current_dir(&root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running scripts/bench-codegen.sh")?;
    anyhow::ensure!(
        script.status.success(),
        "scripts/bench-codegen.sh failed ({})",
        script.status
    );
    let codegen = bench::codegen_section(&String::from_utf8_lossy(&script.stdout))?;
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|_| "rustc (unknown version)".into());
    let mut sections = vec![bench::machine_section(&cpuinfo, &rustc, &loadavg)];
    sections.extend(bench::read_sections(&results)?);
    sections.push(codegen);
    let path = root.join("BENCHMARKS.md");
    let document =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let updated = bench::replace_sections(&document, &sections)?;
    std::fs::write(&path, updated).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "==> rewrote {} ({} sections)",
        path.display(),
        sections.len()
    );
    Ok(())
}

/// The workspace this run works on, found at run time (see [`xtask::root`]).
fn workspace_root() -> Result<PathBuf> {
    xtask::root::find_workspace_root(&xtask::root::RootHints::from_process())
}

/// The flags of `cargo xtask codegen`.
#[derive(Default)]
struct CodegenArgs {
    check: bool,
    spec_path: Option<PathBuf>,
    out: Option<PathBuf>,
    cli_out: Option<PathBuf>,
    quiet: bool,
    base: Option<PathBuf>,
    base_rev: Option<String>,
    format: Option<Format>,
}

fn codegen_command(args: CodegenArgs) -> Result<()> {
    let CodegenArgs {
        check,
        spec_path,
        out,
        cli_out,
        quiet,
        base,
        base_rev,
        format,
    } = args;
    let started = Instant::now();
    let root = workspace_root()?;
    let explicit_base = base.is_some() || base_rev.is_some();
    // A client written elsewhere (`--out`) is not the workspace's: no changelog entry for it.
    let workspace_client = out.is_none();
    let spec_path = spec_path.unwrap_or_else(|| root.join("swagger.yaml"));
    // A client written elsewhere (another spec) must not overwrite the checked-in CLI.
    let cli_out = match (&out, cli_out) {
        (_, Some(path)) => Some(path),
        (None, None) => Some(root.join("cli/src/generated.rs")),
        (Some(_), None) => None,
    };
    let out = out.unwrap_or_else(|| root.join("generated-client/src/generated.rs"));
    let document = spec::load(&spec_path)?;
    // What changed for users, before the files change: with `--check` only when a base is named; a regeneration
    // of the workspace's own client also drafts the changelog entry.
    if !check || explicit_base {
        let base = Base::from_flags(base, base_rev);
        let changelog = (!check && workspace_client).then(|| root.join("CHANGELOG.md"));
        let format = format.unwrap_or(Format::Text);
        match spec_report::report(&root, &base, &document, format, quiet, changelog.as_deref()) {
            Ok(_) => {}
            Err(e) if !explicit_base => {
                eprintln!(
                    "note: no spec diff ({e:#}); pass --base FILE to compare with an older spec"
                )
            }
            Err(e) => return Err(e),
        }
    }
    // With a JSON report, stdout holds only that document.
    let quiet = quiet || format == Some(Format::Json);
    let generated = codegen::generate(document)
        .with_context(|| format!("generating from {}", spec_path.display()))?;
    if !quiet {
        print!("{}", generated.report);
        let total = generated.operations.len();
        let omitted = generated.report.omitted.len();
        println!(
            "operations: {total} in the spec, {} generated, {omitted} left out",
            total - omitted
        );
    }
    let mut files = vec![(out, &generated.source)];
    files.extend(cli_out.map(|path| (path, &generated.cli_source)));
    for (path, source) in files {
        if check {
            check_file(&path, source, quiet, started)?;
        } else {
            write_file(&path, source, quiet, started)?;
        }
    }
    Ok(())
}

fn spec_diff_command(base: Base, new: Option<PathBuf>, format: Format) -> Result<()> {
    let root = workspace_root()?;
    let new = spec::load(&new.unwrap_or_else(|| root.join("swagger.yaml")))?;
    spec_report::report(&root, &base, &new, format, false, None).map(|_| ())
}

/// Fails when the checked-in `path` is not `source`.
fn check_file(path: &Path, source: &str, quiet: bool, started: Instant) -> Result<()> {
    let checked_in =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    codegen::check(&checked_in, source).with_context(|| format!("{} is stale", path.display()))?;
    if !quiet {
        println!(
            "{} is up to date ({:.2} s)",
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Writes `source` to `path` through a sibling temp file and a rename, so a failure never leaves a partial file.
fn write_file(path: &Path, source: &str, quiet: bool, started: Instant) -> Result<()> {
    let tmp = path.with_extension("rs.tmp");
    std::fs::write(&tmp, source).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    if !quiet {
        println!(
            "wrote {} ({} lines) in {:.2} s",
            path.display(),
            source.lines().count(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen {
            check,
            spec,
            out,
            cli_out,
            quiet,
            base,
            base_rev,
            format,
        } => codegen_command(CodegenArgs {
            check,
            spec_path: spec,
            out,
            cli_out,
            quiet,
            base,
            base_rev,
            format: Some(format),
        }),
        Command::SpecDiff {
            base,
            base_rev,
            new,
            format,
        } => spec_diff_command(Base::from_flags(base, base_rev), new, format),
        Command::Test => test_command(),
        Command::Conformance => conformance_command(),
        Command::Prerequisites => prerequisites::ensure(),
        Command::Bench => bench_command(),
        Command::Package { verify } => package_command(verify),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! The conformance step of `cargo xtask test`: schemathesis against the standalone emulator, then the check of every
//! status the emulators of the whole run sent.
//!
//! [`run_schemathesis`] starts the built `mirai-voice-mock` binary on a free loopback port, runs the pinned
//! schemathesis (see [`crate::prerequisites::SCHEMATHESIS`]) against `swagger.yaml` with the emulator's keys as
//! headers, bounded by [`WALL_CAP`], and stops the emulator. Schemathesis checks that no answer is a server error
//! and that every body and content type matches the spec; it does not check statuses, because the vendor's spec
//! leaves statuses such as `401` undeclared on most operations. The emulator writes every status it sends to the
//! status log instead, and [`check_status_log`] holds all of them, from the tests and from schemathesis, to the
//! emulator's rule (declared by the spec, or on its short list of statuses every route may answer).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Longest the schemathesis run may take before it is stopped and the step fails.
pub const WALL_CAP: Duration = Duration::from_secs(90);

/// Generated cases per operation and phase: enough to reach every operation's error paths, small enough for CI.
pub const MAX_EXAMPLES: u32 = 30;

/// Fixed, so that a failure reproduces with the same inputs.
pub const SEED: u64 = 20_261_203;

/// What the emulator prints when it starts: where it listens and the seeded credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Banner {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// `x-public-key`.
    pub public_key: String,
    /// `x-private-key` (the emulator's published test key, not a secret).
    pub private_key: String,
    /// The seeded organization's id.
    pub organization: String,
    /// The seeded workspace's id.
    pub workspace: String,
}

impl Banner {
    /// Reads the banner from the emulator's first lines; `None` until every field has been seen.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut banner = Self::default();
        for line in lines {
            let line = line.trim();
            if let Some(url) = line.strip_prefix("mirai-voice-mock listening on ") {
                banner.base_url = url.trim().to_string();
            } else if let Some((name, value)) = line.split_once(':') {
                let value = value.trim().to_string();
                match name.trim() {
                    "x-public-key" => banner.public_key = value,
                    "x-private-key" => banner.private_key = value,
                    "organization" => banner.organization = value,
                    "workspace" => banner.workspace = value,
                    _ => {}
                }
            }
        }
        let complete = [
            &banner.base_url,
            &banner.public_key,
            &banner.private_key,
            &banner.organization,
            &banner.workspace,
        ]
        .iter()
        .all(|field| !field.is_empty());
        complete.then_some(banner)
    }
}

/// The schemathesis command line (after the program) for `spec` against the emulator of `banner`.
pub fn schemathesis_args(spec: &Path, banner: &Banner) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "run".into(),
        spec.display().to_string(),
        "--url".into(),
        banner.base_url.clone(),
    ];
    for (name, value) in [
        ("x-public-key", &banner.public_key),
        ("x-private-key", &banner.private_key),
        ("workspace", &banner.workspace),
        ("organization", &banner.organization),
    ] {
        args.push("--header".into());
        args.push(format!("{name}: {value}"));
    }
    args.extend(
        [
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            &MAX_EXAMPLES.to_string(),
            "--seed",
            &SEED.to_string(),
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
        ]
        .map(str::to_string),
    );
    args
}

/// Stops the child on every way out of the step.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs schemathesis (`program`) against the emulator binary `emulator`, which logs its statuses into `status_log`.
/// Output goes to `output` and is printed when the run fails.
pub fn run_schemathesis(
    program: &Path,
    emulator: &Path,
    spec: &Path,
    status_log: &Path,
    output: &Path,
) -> Result<()> {
    let mut emulator = KillOnDrop(
        Command::new(emulator)
            .args(["--port", "0"])
            .env("MIRAI_MOCK_STATUS_LOG", status_log)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", emulator.display()))?,
    );
    let stdout = emulator.0.stdout.take().context("the emulator's stdout")?;
    let mut lines = Vec::new();
    let mut banner = None;
    for line in BufReader::new(stdout).lines().take(12) {
        lines.push(line.context("reading the emulator's banner")?);
        banner = Banner::parse(lines.iter().map(String::as_str));
        if banner.is_some() {
            break;
        }
    }
    let banner = banner.with_context(|| format!("the emulator printed no banner: {lines:?}"))?;

    let started = Instant::now();
    let log = File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let mut run = KillOnDrop(
        Command::new(program)
            .args(schemathesis_args(spec, &banner))
            // Whatever schemathesis keeps between runs stays next to its output, out of the source tree.
            .current_dir(output.parent().unwrap_or(Path::new(".")))
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?,
    );
    let status = loop {
        if let Some(status) = run.0.try_wait()? {
            break status;
        }
        if started.elapsed() > WALL_CAP {
            bail!(
                "schemathesis took longer than {} s and was stopped; its output is in {}",
                WALL_CAP.as_secs(),
                output.display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(output).unwrap_or_default();
    if !status.success() {
        bail!(
            "schemathesis found problems ({status}) in {:.0} s:\n{text}",
            started.elapsed().as_secs_f64()
        );
    }
    let cases = text
        .lines()
        .skip_while(|line| !line.starts_with("Test cases:"))
        .nth(1)
        .unwrap_or("(no summary)")
        .trim();
    println!(
        "==> schemathesis: {cases} in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Checks every status the emulators wrote to `status_log` with the emulator's own rule
/// (`mirai-voice-mock --check-status-log`).
pub fn check_status_log(emulator: &Path, status_log: &Path) -> Result<()> {
    let status = Command::new(emulator)
        .arg("--check-status-log")
        .arg(status_log)
        .status()
        .with_context(|| format!("running {}", emulator.display()))?;
    if !status.success() {
        bail!("the emulator sent statuses its spec does not allow (listed above)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANNER: &str = "mirai-voice-mock listening on http://127.0.0.1:41234
  control API:      http://127.0.0.1:41234/__control
  x-public-key:     pk_1
  x-private-key:    sk_2
  organization:     org3
  workspace:        ws4
";

    #[test]
    fn the_banner_gives_the_url_and_credentials() {
        assert_eq!(
            Banner::parse(BANNER.lines()),
            Some(Banner {
                base_url: "http://127.0.0.1:41234".into(),
                public_key: "pk_1".into(),
                private_key: "sk_2".into(),
                organization: "org3".into(),
                workspace: "ws4".into(),
            })
        );
    }

    #[test]
    fn an_incomplete_banner_is_not_taken() {
        let first_lines: Vec<&str> = BANNER.lines().take(4).collect();
        assert_eq!(Banner::parse(first_lines), None);
        assert_eq!(Banner::parse(["something else"]), None);
    }

    #[test]
    fn schemathesis_runs_bounded_with_the_keys_and_without_status_checks() {
        let banner = Banner::parse(BANNER.lines()).unwrap();
        let args = schemathesis_args(Path::new("swagger.yaml"), &banner);
        let joined = args.join(" ");
        assert!(
            joined.starts_with("run swagger.yaml --url http://127.0.0.1:41234"),
            "{joined}"
        );
        for header in [
            "x-public-key: pk_1",
            "x-private-key: sk_2",
            "workspace: ws4",
            "organization: org3",
        ] {
            assert!(args.iter().any(|a| a == header), "{header}: {joined}");
        }
        assert!(joined.contains("--max-examples 30"), "{joined}");
        assert!(joined.contains("--seed 20261203"), "{joined}");
        assert!(
            !joined.contains("status_code_conformance"),
            "statuses are the status log's job: {joined}"
        );
        assert!(joined.contains("not_a_server_error"), "{joined}");
        assert!(joined.contains("response_schema_conformance"), "{joined}");
    }
}

//! `cargo xtask bench`: reruns every benchmark and rewrites the sections of `BENCHMARKS.md` they produced.
//!
//! A bench binary that reports figures writes its own markdown section (starting with a `## ` heading) to
//! `target/bench-results/<name>.md`. After `cargo bench`, [`replace_sections`] puts each one in place of the
//! section with the same heading (or appends it), and the `## Machine` section is rewritten with the machine's
//! description, so every figure in the file comes from one run on one described machine. Sections no bench
//! produced (hand-written ones) are kept as they are.

use std::path::Path;

use anyhow::{Context, Result};

/// Heading of the section describing the machine the figures were measured on.
pub const MACHINE_HEADING: &str = "## Machine";

/// The heading line (`## …`) a section starts with, if it starts with one.
fn heading(section: &str) -> Option<&str> {
    let first = section.lines().next()?.trim_end();
    first.starts_with("## ").then_some(first)
}

/// `document` with each of `sections` in place of the section with the same `## ` heading, or appended at the end
/// when there is none. A section runs from its heading to the next `## ` heading (or the end).
///
/// Fails on a section without a `## ` heading: it could not be found again on the next run.
pub fn replace_sections(document: &str, sections: &[String]) -> Result<String> {
    let mut out = document.to_owned();
    for section in sections {
        let title = heading(section).with_context(|| {
            format!(
                "a bench section must start with `## `: {:?}",
                first_line(section)
            )
        })?;
        let body = format!("{}\n", section.trim_end());
        match find_section(&out, title) {
            Some((start, end)) => {
                let separator = if end < out.len() { "\n" } else { "" };
                out.replace_range(start..end, &format!("{body}{separator}"));
            }
            None => {
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                out.push_str("\n\n");
                out.push_str(&body);
            }
        }
    }
    Ok(out)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Byte range of the section headed exactly `title`: from its heading to the next `## ` heading or the end.
fn find_section(document: &str, title: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut start = None;
    for line in document.split_inclusive('\n') {
        let text = line.trim_end();
        if start.is_some() && text.starts_with("## ") {
            return start.map(|s| (s, offset));
        }
        if start.is_none() && text == title {
            start = Some(offset);
        }
        offset += line.len();
    }
    start.map(|s| (s, document.len()))
}

/// The `## Machine` section: CPU model and count from `/proc/cpuinfo`, the OS, and `rustc -V`.
pub fn machine_section(cpuinfo: &str, rustc_version: &str, load_average: &str) -> String {
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
        .map(|(_, m)| m.trim())
        .unwrap_or("unknown CPU");
    let cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    format!(
        "{MACHINE_HEADING}\n\nEvery figure below was measured in one `cargo xtask bench` run on: {cpus} × {model} \
         ({os} {arch}), {rustc}, release profile; load average at the end of the run: {load}.\n",
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        rustc = rustc_version.trim(),
        load = load_average
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Heading of the code-generation section.
pub const CODEGEN_HEADING: &str = "## Code generation";

/// The code-generation section around the table `scripts/bench-codegen.sh` printed.
///
/// Fails when the script printed no table, so a broken run cannot replace the figures with nothing.
pub fn codegen_section(script_output: &str) -> Result<String> {
    let table: String = script_output
        .lines()
        .filter(|line| line.starts_with('|'))
        .map(|line| format!("{line}\n"))
        .collect();
    anyhow::ensure!(
        table.lines().count() >= 3,
        "scripts/bench-codegen.sh printed no table: {script_output:?}"
    );
    Ok(format!(
        "{CODEGEN_HEADING}\n\n`scripts/bench-codegen.sh` (run by `cargo xtask bench`): times `cargo xtask codegen` \
         with xtask already built, and the dev-profile rebuild of `mirai-voice-generated` after a one-line spec \
         change (an operation summary, which lands in a doc comment of `generated.rs`); the spec and the generated \
         file are restored on exit. Wall time, once: the figures include cargo's start-up and freshness checks.\n\n\
         {table}"
    ))
}

/// The sections the bench binaries wrote to `dir`, in file-name order (none when it does not exist).
pub fn read_sections(dir: &Path) -> Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_codegen_section_wraps_the_script_table() {
        let output = "noise\n| Step | Wall time |\n| --- | --- |\n| `cargo xtask codegen` (xtask built) | 3.10 s |\n";
        let section = super::codegen_section(output).unwrap();
        assert!(section.starts_with("## Code generation\n\n"));
        assert!(
            section.ends_with("| --- | --- |\n| `cargo xtask codegen` (xtask built) | 3.10 s |\n")
        );
        assert!(!section.contains("noise"));
        assert!(super::codegen_section("error: no such file\n").is_err());
    }

    use super::*;

    const DOC: &str =
        "# Benchmarks\n\nIntro.\n\n## Webhooks\n\nold webhook\n\n## Request path\n\nold request\n";

    #[test]
    fn replaces_sections_by_heading_and_appends_new_ones() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["## Request path\n\nnew request\n"],
                "# Benchmarks\n\nIntro.\n\n## Webhooks\n\nold webhook\n\n## Request path\n\nnew request\n",
            ),
            (
                &["## Webhooks\n\nnew webhook"],
                "# Benchmarks\n\nIntro.\n\n## Webhooks\n\nnew webhook\n\n## Request path\n\nold request\n",
            ),
            (
                &["## Codegen\n\ntimes\n"],
                "# Benchmarks\n\nIntro.\n\n## Webhooks\n\nold webhook\n\n## Request path\n\nold request\n\n## Codegen\n\ntimes\n",
            ),
            (&[], DOC),
        ];
        for (sections, expected) in cases {
            let sections: Vec<String> = sections.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                replace_sections(DOC, &sections).unwrap(),
                *expected,
                "{sections:?}"
            );
        }
    }

    #[test]
    fn a_heading_must_match_exactly() {
        // `## Request path: memory` is another section than `## Request path`.
        let out = replace_sections(DOC, &["## Request path: memory\n\nm\n".into()]).unwrap();
        assert!(out.contains("## Request path\n\nold request\n"));
        assert!(out.ends_with("## Request path: memory\n\nm\n"));
    }

    #[test]
    fn a_section_without_heading_is_an_error() {
        let error = replace_sections(DOC, &["no heading\n".into()]).unwrap_err();
        assert!(error.to_string().contains("no heading"), "{error}");
    }

    #[test]
    fn machine_section_names_cpu_count_model_and_rustc() {
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        let section = machine_section(
            cpuinfo,
            "rustc 1.95.0 (abc 2026-01-01)\n",
            "2.50 3.10 2.90 3/200 123",
        );
        assert!(section.starts_with("## Machine\n"));
        assert!(section.contains("2 × AMD EPYC 7B13"), "{section}");
        assert!(
            section.contains("rustc 1.95.0 (abc 2026-01-01),"),
            "{section}"
        );
        assert!(
            section.contains("load average at the end of the run: 2.50 3.10 2.90."),
            "{section}"
        );
    }
}

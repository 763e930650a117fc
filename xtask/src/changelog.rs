//! The drafted changelog entry a spec diff leaves in `CHANGELOG.md`, for a person to edit before a release.
//!
//! The entry sits under `## Unreleased` between two markers, so running the codegen again replaces the draft
//! instead of stacking a second one; text outside the markers is never touched.

use crate::spec_diff::{Impact, SpecDiff};

const START: &str = "<!-- spec-diff:start (drafted by `cargo xtask codegen`; edit freely, the markers go on release) -->";
const END: &str = "<!-- spec-diff:end -->";
const UNRELEASED: &str = "## Unreleased";

/// The drafted entry for `diff`, for crates now at `crate_version`.
pub fn entry(diff: &SpecDiff, crate_version: &str) -> String {
    let mut out = format!(
        "### API changes: spec {} → {}\n\n{}\n",
        diff.base_version.as_deref().unwrap_or("?"),
        diff.new_version.as_deref().unwrap_or("?"),
        diff.semver_line(crate_version)
    );
    for (impact, title) in [
        (Impact::Breaking, "Breaking"),
        (Impact::Additive, "Added"),
        (Impact::None, "No effect on users"),
    ] {
        let lines: Vec<String> = diff
            .changes
            .iter()
            .filter(|c| c.impact == impact)
            .map(|c| format!("- {}: `{}`: {}", c.kind, c.operation, c.detail))
            .collect();
        if !lines.is_empty() {
            out.push_str(&format!("\n#### {title}\n\n{}\n", lines.join("\n")));
        }
    }
    out
}

/// `changelog` with `entry` as the drafted block under `## Unreleased`: the block replaced if there is one, else
/// added under the heading (which is added after the title if missing).
pub fn upsert(changelog: &str, entry: &str) -> String {
    let block = format!("{START}\n{}\n{END}", entry.trim_end());
    if let (Some(start), Some(end)) = (changelog.find(START), changelog.find(END))
        && start < end
    {
        let mut out = changelog.to_owned();
        out.replace_range(start..end + END.len(), &block);
        return out;
    }
    if let Some(at) = changelog.find(UNRELEASED) {
        let after_heading = changelog[at..]
            .find('\n')
            .map_or(changelog.len(), |n| at + n + 1);
        let mut out = changelog.to_owned();
        out.insert_str(after_heading, &format!("\n{block}\n"));
        return out;
    }
    let title_end = if changelog.starts_with("# ") {
        changelog.find('\n').map_or(changelog.len(), |n| n + 1)
    } else {
        0
    };
    let (head, rest) = changelog.split_at(title_end);
    let head = if head.is_empty() {
        "# Changelog\n".to_owned()
    } else {
        head.to_owned()
    };
    let rest = rest.trim_start_matches('\n');
    let tail = if rest.is_empty() {
        String::new()
    } else {
        format!("\n{rest}")
    };
    format!("{head}\n{UNRELEASED}\n\n{block}\n{tail}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::spec_diff::diff;

    fn sample() -> SpecDiff {
        let base = json!({ "info": { "version": "1.0.0" }, "paths": {
            "/a": { "get": { "operationId": "getA", "responses": {} } },
            "/b": { "get": { "operationId": "getB", "responses": {} } }
        } });
        let new = json!({ "info": { "version": "1.1.0" }, "paths": {
            "/a": { "get": { "operationId": "getA", "responses": {} } },
            "/c": { "get": { "operationId": "getC", "responses": {} } }
        } });
        diff(&base, &new)
    }

    #[test]
    fn the_entry_groups_changes_by_impact_under_the_semver_line() {
        let text = entry(&sample(), "0.1.0");
        assert!(
            text.starts_with("### API changes: spec 1.0.0 → 1.1.0\n\nsemver: major"),
            "{text}"
        );
        let breaking = text.find("#### Breaking").unwrap();
        let added = text.find("#### Added").unwrap();
        assert!(breaking < added);
        assert!(text.contains("- operation removed: `getB`"));
        assert!(text.contains("- operation added: `getC`"));
        assert!(!text.contains("#### No effect"));
    }

    #[test]
    fn a_new_changelog_gets_a_title_and_an_unreleased_section() {
        let out = upsert("", "### API changes\n");
        assert_eq!(
            out,
            format!("# Changelog\n\n## Unreleased\n\n{START}\n### API changes\n{END}\n")
        );
    }

    #[test]
    fn the_draft_goes_under_an_existing_unreleased_heading_and_keeps_the_rest() {
        let changelog =
            "# Changelog\n\n## Unreleased\n\n- Fixed a thing by hand.\n\n## 0.1.0\n\n- First.\n";
        let out = upsert(changelog, "### API changes\n");
        assert!(
            out.starts_with(&format!(
                "# Changelog\n\n## Unreleased\n\n{START}\n### API changes\n{END}\n"
            )),
            "{out}"
        );
        assert!(out.contains("- Fixed a thing by hand.\n\n## 0.1.0\n\n- First.\n"));
    }

    #[test]
    fn running_again_replaces_the_draft_instead_of_adding_one() {
        let once = upsert("# Changelog\n\n## 0.1.0\n\n- First.\n", "### first draft\n");
        let twice = upsert(&once, "### second draft\n");
        assert_eq!(twice.matches(START).count(), 1);
        assert!(twice.contains("### second draft") && !twice.contains("### first draft"));
        assert!(twice.ends_with("## 0.1.0\n\n- First.\n"), "{twice}");
    }
}

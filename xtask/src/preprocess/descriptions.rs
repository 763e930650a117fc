//! Rule: code fences in descriptions are marked as text.
//!
//! progenitor copies descriptions into rustdoc, where an untagged ``` block is compiled as a
//! Rust doctest (the spec's entity-hierarchy diagram fails to compile). Tagging those fences
//! `text` keeps the docs and stops rustdoc from running them.

use serde_json::Value;

use super::Report;

/// Tags untagged code fences in every `description` of the document.
pub fn tag_untagged_code_fences(document: &mut Value, report: &mut Report) {
    let mut count = 0;
    visit(document, &mut count);
    if count > 0 {
        report.change(
            "descriptions",
            "document",
            format!("tagged {count} untagged code fence(s) in descriptions as `text`"),
        );
    }
}

fn visit(value: &mut Value, count: &mut usize) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(text) if key == "description" || key == "summary" => {
                        if let Some(fixed) = tag_fences(text) {
                            *text = fixed;
                            *count += 1;
                        }
                    }
                    _ => visit(child, count),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| visit(item, count)),
        _ => {}
    }
}

/// The text with untagged opening fences tagged `text`, or `None` when nothing changes.
pub fn tag_fences(text: &str) -> Option<String> {
    let mut inside = false;
    let mut changed = false;
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            let trimmed = line.trim_start();
            if !trimmed.starts_with("```") {
                return line.to_string();
            }
            let opening = !inside;
            inside = !inside;
            if opening && trimmed.trim_end() == "```" {
                changed = true;
                format!("{line}text")
            } else {
                line.to_string()
            }
        })
        .collect();
    changed.then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_untagged_opening_fences_change() {
        let text = "Intro\n```\nOrg\n└── Workspace\n```\nand\n```json\n{}\n```\n";
        assert_eq!(
            tag_fences(text).unwrap(),
            "Intro\n```text\nOrg\n└── Workspace\n```\nand\n```json\n{}\n```\n"
        );
        assert_eq!(tag_fences("no fences"), None);
        assert_eq!(tag_fences("```bash\nls\n```"), None);
    }

    #[test]
    fn walks_the_whole_document() {
        let mut doc = json!({"info": {"description": "```\nx\n```"}, "paths": {"/a": {"get": {"description": "```\ny\n```"}}}});
        let mut report = Report::default();
        tag_untagged_code_fences(&mut doc, &mut report);
        assert_eq!(doc["info"]["description"], "```text\nx\n```");
        assert_eq!(doc["paths"]["/a"]["get"]["description"], "```text\ny\n```");
        assert_eq!(report.changes.len(), 1);
    }
}

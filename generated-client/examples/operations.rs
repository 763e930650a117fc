//! Prints every operation of the spec with the credential headers it needs, as recorded by
//! `cargo xtask codegen`.

use mirai_voice_generated::operations::OPERATIONS;

fn main() {
    println!("{:<34} {:<7} {:<48} headers", "operation", "method", "path");
    for op in OPERATIONS {
        let headers: Vec<&str> = op.credentials.iter().map(|h| h.name).collect();
        let headers = if headers.is_empty() {
            "(public)".to_string()
        } else {
            headers.join(", ")
        };
        let note = op
            .omitted_reason
            .map(|r| format!("  [not generated: {r}]"))
            .unwrap_or_default();
        println!(
            "{:<34} {:<7} {:<48} {headers}{note}",
            op.operation_id, op.http_method, op.path
        );
    }
    let generated = OPERATIONS.iter().filter(|op| op.generated).count();
    println!("{} operations, {generated} generated", OPERATIONS.len());
}

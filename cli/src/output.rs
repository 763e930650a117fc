//! Results on stdout: JSON, pretty on a terminal, compact otherwise (for pipes into `jq` or files).

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// Writes `value` as JSON and a newline on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    let stdout = std::io::stdout();
    let text = if stdout.is_terminal() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    // A value the generated types produced always serializes; should one not, the error says so on stderr.
    match text {
        Ok(text) => line(&text),
        Err(error) => eprintln!("error: the result could not be written as JSON: {error}"),
    }
}

/// Writes `text` and a newline on stdout. A closed stdout (`mirai … | head`) is not an error of the command.
pub fn line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

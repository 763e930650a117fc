//! Reading a JSON request body given as `--body FILE|-`.

use std::io::Read;
use std::path::Path;

/// The text of `path`, or of stdin when `path` is `-`.
pub fn read(path: &Path) -> std::io::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

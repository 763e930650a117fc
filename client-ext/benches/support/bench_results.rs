//! Where a bench binary leaves its `BENCHMARKS.md` section for `cargo xtask bench`.

use std::path::PathBuf;

/// Writes `section` to `target/bench-results/<name>.md` (the `target/` of the build that produced this bench
/// binary, which lives in `target/<profile>/deps`) and returns the path.
pub fn write_section(name: &str, section: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let dir = exe
        .ancestors()
        .nth(3)
        .expect("the bench binary lives in target/<profile>/deps")
        .join("bench-results");
    std::fs::create_dir_all(&dir).expect("creating target/bench-results");
    let path = dir.join(format!("{name}.md"));
    std::fs::write(&path, section).expect("writing the results section");
    path
}

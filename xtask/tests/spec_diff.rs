//! The spec diff between two real versions of the API: `tests/fixtures/swagger-1.0.0.yaml` (crafted by hand from
//! 1.1.0, its header says how) and the vendored `swagger.yaml`. When the vendored spec is updated, review the new
//! snapshot (`cargo insta review`): it is the report users will see.

use std::path::PathBuf;

use xtask::spec;
use xtask::spec_diff::{Bump, diff};

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

#[test]
fn report_from_1_0_0_to_the_vendored_spec() {
    let older = spec::load(&root().join("xtask/tests/fixtures/swagger-1.0.0.yaml")).unwrap();
    let vendored = spec::load(&root().join("swagger.yaml")).unwrap();
    let report = diff(&older, &vendored);
    assert_eq!(report.bump(), Bump::Major);
    insta::assert_snapshot!(report.render_text("0.1.0"));
    insta::assert_json_snapshot!(
        "report_from_1_0_0_to_the_vendored_spec_json",
        report.to_json("0.1.0")
    );
}

#[test]
fn the_vendored_spec_against_itself_has_no_changes() {
    let vendored = spec::load(&root().join("swagger.yaml")).unwrap();
    let report = diff(&vendored, &vendored);
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert_eq!(report.bump(), Bump::None);
}

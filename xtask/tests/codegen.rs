//! End-to-end tests of `cargo xtask codegen` on the vendored spec and on other spec versions.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::{codegen, spec};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn vendored() -> serde_json::Value {
    spec::load(&root().join("swagger.yaml")).unwrap()
}

/// Runs the real binary, as `cargo xtask codegen` does.
fn xtask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn report_on_the_vendored_spec() {
    let generated = codegen::generate(vendored()).unwrap();
    insta::assert_snapshot!(generated.report.to_string());
}

#[test]
fn the_checked_in_client_is_current_and_generation_is_deterministic() {
    let first = codegen::generate(vendored()).unwrap().source;
    let second = codegen::generate(vendored()).unwrap().source;
    assert_eq!(first, second, "two runs must give identical bytes");
    let checked_in =
        std::fs::read_to_string(root().join("generated-client/src/generated.rs")).unwrap();
    codegen::check(&checked_in, &first).unwrap();
    assert!(first.starts_with(codegen::HEADER));
}

#[test]
fn every_operation_is_generated_or_reported() {
    let generated = codegen::generate(vendored()).unwrap();
    assert_eq!(generated.operations.len(), 33);
    let left_out: Vec<(&str, &str)> = generated
        .report
        .omitted
        .iter()
        .map(|o| (o.operation_id.as_str(), o.reason.as_str()))
        .collect();
    assert_eq!(left_out.len(), 2);
    assert_eq!(left_out[0].0, "callEventsWebhook");
    assert!(left_out[0].1.contains("inbound webhook"));
    assert_eq!(left_out[1].0, "uploadKnowledgeBaseChunk");
    assert!(left_out[1].1.contains("multipart/form-data"));
    for op in generated.operations.iter().filter(|o| o.omitted.is_none()) {
        let method = format!("fn {}(", heck_snake(&op.operation_id));
        assert!(
            generated.source.contains(&method),
            "no generated method for {}",
            op.operation_id
        );
    }
    assert!(!generated.source.contains("fn call_events_webhook("));
    assert!(generated.source.contains("fn shiprocket_ndr_webhook("));
}

#[test]
fn every_generated_operation_implements_the_operation_trait() {
    let generated = codegen::generate(vendored()).unwrap();
    for op in generated.operations.iter().filter(|o| o.omitted.is_none()) {
        let id = format!(
            "const OPERATION_ID: &'static str = \"{}\";",
            op.operation_id
        );
        assert_eq!(
            generated.source.matches(&id).count(),
            1,
            "{} has no `Operation` impl (or several)",
            op.operation_id
        );
    }
    assert_eq!(
        generated.source.matches("crate::Operation for").count(),
        generated
            .operations
            .iter()
            .filter(|o| o.omitted.is_none())
            .count()
    );
}

fn heck_snake(id: &str) -> String {
    xtask::preprocess::doc::snake(id)
}

#[test]
fn no_credential_is_a_method_parameter() {
    let source = codegen::generate(vendored()).unwrap().source;
    let file = syn::parse_file(&source).unwrap();
    // The operation builders live in the top-level `builder` module; their setter methods
    // are the operations' parameters.
    let builders = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .expect("a builder module");
    let mut setters = Vec::new();
    for item in builders {
        if let syn::Item::Impl(imp) = item {
            for member in &imp.items {
                if let syn::ImplItem::Fn(f) = member {
                    setters.push(f.sig.ident.to_string());
                }
            }
        }
    }
    assert!(
        setters.contains(&"call_id".to_string()),
        "sanity: path parameters are setters"
    );
    for forbidden in ["x_public_key", "x_private_key", "workspace", "organization"] {
        assert!(
            !setters.iter().any(|s| s == forbidden),
            "an operation takes `{forbidden}`"
        );
    }
}

#[test]
fn recorded_credentials_follow_security_and_tenant_headers() {
    let generated = codegen::generate(vendored()).unwrap();
    let headers = |id: &str| -> Vec<String> {
        generated
            .operations
            .iter()
            .find(|o| o.operation_id == id)
            .unwrap()
            .headers
            .iter()
            .map(|h| h.name.clone())
            .collect()
    };
    assert_eq!(
        headers("abortCall"),
        ["x-public-key", "x-private-key", "workspace"]
    );
    assert_eq!(
        headers("purchaseNumber"),
        ["x-public-key", "x-private-key", "organization"]
    );
    assert_eq!(
        headers("archiveOrganizationOrWorkspace"),
        ["x-public-key", "x-private-key"]
    );
    assert!(headers("listShowcaseCalls").is_empty());
    assert!(headers("getShowcaseFlow").is_empty());
    // Recorded for the hand-written multipart upload too.
    assert_eq!(
        headers("uploadKnowledgeBaseChunk"),
        ["x-public-key", "x-private-key", "workspace"]
    );
}

#[test]
fn an_edited_spec_makes_the_check_fail() {
    let mut document = vendored();
    let params = document["paths"]["/v1/admin/assistant/list"]["get"]
        .as_object_mut()
        .unwrap()
        .entry("parameters")
        .or_insert_with(|| serde_json::json!([]));
    params.as_array_mut().unwrap().push(serde_json::json!({
        "name": "includeArchived", "in": "query", "required": false, "schema": {"type": "boolean"}
    }));
    let edited = codegen::generate(document).unwrap().source;
    let checked_in =
        std::fs::read_to_string(root().join("generated-client/src/generated.rs")).unwrap();
    let err = codegen::check(&checked_in, &edited)
        .unwrap_err()
        .to_string();
    assert!(err.contains("stale"), "{err}");
    assert!(
        err.contains("include_archived"),
        "the diff summary shows the change: {err}"
    );
}

#[test]
fn check_flag_fails_on_a_stale_file_and_passes_after_regenerating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated.rs");
    std::fs::write(&out, "// stale\n").unwrap();
    let out_arg = out.to_str().unwrap();
    let stale = xtask(&["codegen", "--check", "--quiet", "--out", out_arg]);
    assert!(!stale.status.success());
    assert!(String::from_utf8_lossy(&stale.stderr).contains("stale"));
    let regenerate = xtask(&["codegen", "--quiet", "--out", out_arg]);
    assert!(
        regenerate.status.success(),
        "{}",
        String::from_utf8_lossy(&regenerate.stderr)
    );
    let fresh = xtask(&["codegen", "--check", "--quiet", "--out", out_arg]);
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
}

#[test]
fn openapi_3_1_gives_a_clear_error_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated.rs");
    let spec = fixture("openapi-3.1.yaml");
    let result = xtask(&[
        "codegen",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("OpenAPI 3.1.0") && stderr.contains("3.0.x"),
        "{stderr}"
    );
    assert!(!out.exists(), "no partial file is written");
}

#[test]
fn missing_operation_ids_still_give_a_client() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated.rs");
    let spec = fixture("missing-operation-id.yaml");
    let result = xtask(&[
        "codegen",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        stdout.contains("no operationId; named it `initiateCall`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no operationId; named it `getCallsByCallIdTranscript`"),
        "{stdout}"
    );
    let source = std::fs::read_to_string(&out).unwrap();
    for method in [
        "fn initiate_call(",
        "fn abort_call(",
        "fn get_calls_by_call_id_transcript(",
    ] {
        assert!(source.contains(method), "missing {method}");
    }
    assert!(!source.contains("x_private_key"));
    syn::parse_file(&source).expect("the generated client is valid Rust");
}

#[test]
fn two_error_schemas_on_one_operation_still_give_a_client() {
    let document = spec::load(&fixture("two-error-schemas.json")).unwrap();
    let generated = codegen::generate(document).unwrap();
    let abort = generated
        .operations
        .iter()
        .find(|o| o.operation_id == "abortCall")
        .unwrap();
    assert_eq!(abort.error_schema.as_deref(), Some("AbortCallError"));
    // The merged error type keeps both documented codes' fields.
    let merged = generated
        .source
        .split("pub struct AbortCallError")
        .nth(1)
        .unwrap();
    let merged = &merged[..merged.find("\n    }").unwrap()];
    for field in ["code", "message", "status_code"] {
        assert!(
            merged.contains(&format!("pub {field}:")),
            "AbortCallError lacks {field}: {merged}"
        );
    }
    assert!(
        generated
            .report
            .to_string()
            .contains("kept application/json")
    );
    syn::parse_file(&generated.source).expect("valid Rust");
}

#[test]
fn what_progenitor_still_rejects_is_an_error_naming_the_operation() {
    // A path parameter missing from the path template makes the generator panic.
    let document = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/ok": {"get": {"operationId": "fine", "responses": {"200": {"description": "ok"}}}},
            "/numbers/{numberId}": {"get": {"operationId": "getNumber", "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "numberId", "in": "path", "required": true, "schema": {"type": "string"}}
            ], "responses": {"200": {"description": "ok"}}}}
        }
    });
    let err = codegen::generate(document).unwrap_err().to_string();
    assert!(err.contains("getNumber (GET /numbers/{numberId})"), "{err}");
    assert!(err.contains("panicked"), "{err}");
    assert!(
        !err.contains("fine ("),
        "only the failing operation is named: {err}"
    );
}

#[test]
fn every_secret_property_of_the_vendored_spec_reaches_a_generated_type() {
    let generated = codegen::generate(vendored()).unwrap();
    let changes: Vec<&xtask::preprocess::Change> = generated
        .report
        .changes
        .iter()
        .filter(|c| c.rule == "secret-fields")
        .collect();
    let unmatched: Vec<&str> = changes
        .iter()
        .filter(|c| c.detail.starts_with("NOT redacted"))
        .map(|c| c.target.as_str())
        .collect();
    assert!(unmatched.is_empty(), "{unmatched:?}");
    let types: Vec<&str> = changes.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(
        types,
        [
            "InitiateWebCallResponse",
            "PreCallApiPlan",
            "ToolHeader",
            "VariantConfigsNdrFollowup"
        ]
    );
    for name in types {
        assert!(
            generated
                .source
                .contains(&format!("impl ::std::fmt::Debug for {name} {{")),
            "{name}"
        );
    }
}

/// The items of `mod name` among `items`.
fn module<'a>(items: &'a [syn::Item], name: &str) -> &'a [syn::Item] {
    items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no module {name}"))
}

#[test]
fn every_generated_struct_has_a_constructor_and_no_optional_setter_takes_an_option() {
    let generated = codegen::generate(vendored()).unwrap();
    let file = syn::parse_file(&generated.source).unwrap();
    let types = module(&file.items, "types");
    let named: Vec<String> = types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .collect();
    let constructed: Vec<String> = types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let has_new = imp
                    .items
                    .iter()
                    .any(|member| matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
                let syn::Type::Path(p) = imp.self_ty.as_ref() else {
                    return None;
                };
                has_new.then(|| p.path.segments.last().unwrap().ident.to_string())
            }
            _ => None,
        })
        .collect();
    assert!(named.len() > 100, "{}", named.len());
    assert_eq!(constructed, named, "every struct with named fields, once");
    let text = generated.source.replace(char::is_whitespace, "");
    assert!(
        !text.contains("TryInto<::std::option::Option<"),
        "an optional builder setter still takes an Option"
    );
    let skipped: Vec<&xtask::preprocess::Change> = generated
        .report
        .changes
        .iter()
        .filter(|c| {
            (c.rule == "required-constructors" || c.rule == "optional-setters")
                && c.detail.starts_with("left out")
        })
        .collect();
    assert!(skipped.is_empty(), "{skipped:?}");
}

#[test]
fn a_schema_added_to_the_spec_gets_its_constructor_and_setters_without_hand_edits() {
    let mut document = vendored();
    document["paths"]["/v1/callbacks/replay"] = serde_json::json!({"post": {
        "operationId": "replayCallback",
        "tags": ["Call"],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/ReplayRequest"
        }}}},
        "responses": {"200": {"description": "ok"}}
    }});
    document["components"]["schemas"]["ReplayRequest"] = serde_json::json!({
        "type": "object",
        "required": ["eventId", "attempt"],
        "properties": {
            "attempt": {"type": "integer"},
            "eventId": {"type": "string"},
            "note": {"type": "string", "description": "Shown to operators."},
            "dryRun": {"type": "boolean", "default": true}
        }
    });
    let generated = codegen::generate(document).unwrap();
    let text = generated.source;
    // Without layout: prettyplease's line breaks and trailing commas.
    let compact = text.replace(char::is_whitespace, "").replace(",)", ")");
    // Arguments in the spec's `required` order, not the struct's (alphabetical) field order; `eventId` gets its
    // own id type from the `typed-ids` rule.
    assert!(
        compact.contains(
            "pubfnnew(event_id:impl::std::convert::Into<crate::ids::EventId>,attempt:impl::std::convert::Into<i64>)->Self{"
        ),
        "no constructor in spec order"
    );
    assert!(
        text.contains(
            "///Sets `dryRun`. Starts at the spec's default, `true`, which is sent unless changed."
        ),
        "no documented default setter"
    );
    assert!(
        compact.contains(
            "pubfnnote(mutself,value:impl::std::convert::Into<::std::string::String>)->Self{self.note=::std::option::Option::Some(value.into());"
        ),
        "no infallible optional setter"
    );
    assert!(
        compact.contains("pubfnset_note(mutself,value:::std::option::Option<::std::string::String>)->Self{self.note=Ok(value);"),
        "no set_ companion on the builder"
    );
}

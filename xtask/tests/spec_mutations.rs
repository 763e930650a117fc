//! Property tests: random mutations of the vendored `swagger.yaml` (nodes deleted or replaced,
//! types changed, operationIds dropped or duplicated, `$ref`s broken) never make the
//! preprocessing or the generator panic: each returns a result or an error that says what is
//! wrong.
//!
//! Preprocessing is cheap and runs many cases; a whole generation runs progenitor and takes
//! seconds in a debug build, so it runs fewer.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};
use xtask::{codegen, preprocess, spec};

/// Cases of the whole spec, mutated, run through the preprocessing alone (about half a second
/// each in a debug build).
const FULL_PREPROCESS_CASES: u32 = 12;
/// Cases of the reduced spec, mutated, run through the preprocessing alone.
const PREPROCESS_CASES: u32 = 128;
/// Cases of the reduced spec, mutated, run through the whole generation.
const GENERATE_CASES: u32 = 16;

fn vendored() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    spec::load(&root.join("swagger.yaml")).expect("the vendored spec loads")
}

/// Operations kept in the reduced spec: a read, a path parameter, a side-effecting POST with a
/// large body and a POST whose answer has several shapes.
const REDUCED_PATHS: [&str; 4] = [
    "/health",
    "/v1/admin/assistant/get/{assistantId}",
    "/v2/call/initiate",
    "/v2/call/abort",
];

/// A document to mutate, with the pointers the mutations pick from.
struct Base {
    document: Value,
    /// JSON pointers of every node below the root, in document order.
    nodes: Vec<String>,
    /// Pointers of the operations' `operationId` nodes.
    operation_ids: Vec<String>,
    /// Pointers of `$ref` nodes.
    refs: Vec<String>,
}

impl Base {
    fn new(document: Value) -> Self {
        fn walk(value: &Value, at: &str, out: &mut Vec<String>) {
            let children: Vec<(String, &Value)> = match value {
                Value::Object(map) => map
                    .iter()
                    .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
                    .collect(),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
                _ => Vec::new(),
            };
            for (key, child) in children {
                let pointer = format!("{at}/{key}");
                out.push(pointer.clone());
                walk(child, &pointer, out);
            }
        }
        let mut nodes = Vec::new();
        walk(&document, "", &mut nodes);
        let operation_ids = nodes
            .iter()
            .filter(|p| p.starts_with("/paths/") && p.ends_with("/operationId"))
            .cloned()
            .collect();
        let refs = nodes
            .iter()
            .filter(|p| p.ends_with("/$ref"))
            .cloned()
            .collect();
        Self {
            document,
            nodes,
            operation_ids,
            refs,
        }
    }
}

/// The whole vendored spec.
fn full() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| Base::new(vendored()))
}

/// The vendored spec with only [`REDUCED_PATHS`]: progenitor runs on it in a fraction of the
/// time the whole spec takes, so generation can run more cases.
fn reduced() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut document = vendored();
        document["paths"]
            .as_object_mut()
            .expect("the spec has paths")
            .retain(|path, _| REDUCED_PATHS.contains(&path.as_str()));
        Base::new(document)
    })
}

/// One change to the document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the node (its key, or its array element).
    Delete(usize),
    /// Puts another value in its place.
    Replace(usize, Value),
    /// Keeps the node's content but changes its JSON type.
    ChangeType(usize),
    /// Removes an operation's `operationId`.
    DropOperationId(usize),
    /// Gives an operation the `operationId` of another.
    DuplicateOperationId(usize, usize),
    /// Points a `$ref` at a schema that does not exist.
    BreakRef(usize),
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(0)),
        Just(json!(-1.5)),
        Just(json!("")),
        Just(json!("#/components/schemas/Nowhere")),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"type": "object"})),
        Just(json!({"type": "string", "format": "date-time"})),
        Just(json!({"$ref": "#/components/schemas/Nowhere"})),
        Just(json!({"oneOf": []})),
        ".{0,16}".prop_map(Value::from),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let node = any::<usize>();
    prop_oneof![
        3 => node.prop_map(Mutation::Delete),
        3 => (node, replacement()).prop_map(|(n, v)| Mutation::Replace(n, v)),
        2 => node.prop_map(Mutation::ChangeType),
        1 => node.prop_map(Mutation::DropOperationId),
        1 => (node, node).prop_map(|(a, b)| Mutation::DuplicateOperationId(a, b)),
        1 => node.prop_map(Mutation::BreakRef),
    ]
}

/// Splits a pointer into its parent's pointer and its own key.
fn parent_and_key(pointer: &str) -> (&str, String) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointers start with '/'");
    (parent, key.replace("~1", "/").replace("~0", "~"))
}

fn remove(document: &mut Value, pointer: &str) {
    let (parent, key) = parent_and_key(pointer);
    match document.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = key.parse::<usize>()
                && index < items.len()
            {
                items.remove(index);
            }
        }
        _ => {}
    }
}

fn set(document: &mut Value, pointer: &str, value: Value) {
    if let Some(node) = document.pointer_mut(pointer) {
        *node = value;
    }
}

fn changed_type(value: &Value) -> Value {
    match value {
        Value::Null => json!(false),
        Value::Bool(b) => Value::from(b.to_string()),
        Value::Number(n) => Value::from(n.to_string()),
        Value::String(s) => s.parse::<f64>().map_or(json!([s]), Value::from),
        Value::Array(items) => Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect(),
        ),
        Value::Object(map) => Value::Array(map.values().cloned().collect()),
    }
}

/// Applies `mutations` to `base` in order; pointers that an earlier mutation removed are skipped.
fn mutated(base: &Base, mutations: &[Mutation]) -> Value {
    let mut document = base.document.clone();
    let (nodes, ops, refs) = (&base.nodes, &base.operation_ids, &base.refs);
    for mutation in mutations {
        match mutation {
            Mutation::Delete(n) => remove(&mut document, &nodes[n % nodes.len()]),
            Mutation::Replace(n, value) => {
                set(&mut document, &nodes[n % nodes.len()], value.clone())
            }
            Mutation::ChangeType(n) => {
                let pointer = &nodes[n % nodes.len()];
                if let Some(current) = document.pointer(pointer) {
                    let changed = changed_type(current);
                    set(&mut document, pointer, changed);
                }
            }
            Mutation::DropOperationId(n) => remove(&mut document, &ops[n % ops.len()]),
            Mutation::DuplicateOperationId(a, b) => {
                if let Some(other) = document.pointer(&ops[b % ops.len()]).cloned() {
                    set(&mut document, &ops[a % ops.len()], other);
                }
            }
            Mutation::BreakRef(n) => set(
                &mut document,
                &refs[n % refs.len()],
                json!("#/components/schemas/DoesNotExist"),
            ),
        }
    }
    document
}

/// Runs `f`, failing the property (with the panic's message) if it panics.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into());
        TestCaseError::fail(format!("{what} panicked: {message}"))
    })
}

fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(FULL_PREPROCESS_CASES))]

    #[test]
    fn preprocessing_the_whole_spec_mutated_never_panics(
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let document = mutated(full(), &mutations);
        if let Err(error) = no_panic("preprocess", || preprocess::preprocess(document))? {
            let text = error.to_string();
            prop_assert!(!text.trim().is_empty(), "an error says what is wrong");
        }
    }
}

proptest! {
    #![proptest_config(cases(PREPROCESS_CASES))]

    #[test]
    fn preprocessing_a_mutated_spec_never_panics(
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let document = mutated(reduced(), &mutations);
        if let Err(error) = no_panic("preprocess", || preprocess::preprocess(document))? {
            let text = error.to_string();
            prop_assert!(!text.trim().is_empty(), "an error says what is wrong");
        }
    }
}

proptest! {
    #![proptest_config(cases(GENERATE_CASES))]

    #[test]
    fn generating_from_a_mutated_spec_never_panics(
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let document = mutated(reduced(), &mutations);
        if let Err(error) = no_panic("codegen::generate", || codegen::generate(document))? {
            let text = format!("{error:#}");
            prop_assert!(!text.trim().is_empty(), "an error says what is wrong");
        }
    }
}

#[test]
fn mutations_change_the_document() {
    // The strategies above would prove nothing if the mutations missed the document.
    let base = reduced();
    let pointer = &base.operation_ids[0];
    let dropped = mutated(base, &[Mutation::DropOperationId(0)]);
    assert!(dropped.pointer(pointer).is_none());
    assert!(base.document.pointer(pointer).is_some());
    assert_ne!(mutated(base, &[Mutation::ChangeType(0)]), base.document);
    assert_ne!(mutated(base, &[Mutation::BreakRef(0)]), base.document);
    assert_ne!(mutated(base, &[Mutation::Delete(5)]), base.document);
}

#[test]
fn the_reduced_spec_generates_a_client() {
    // Unmutated, the reduced spec is valid: the mutations start from a document that works.
    let generated = codegen::generate(reduced().document.clone()).expect("generates");
    assert!(generated.source.contains("initiate_call"));
}

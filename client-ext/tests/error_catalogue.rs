//! The error catalogue, driven from `swagger.yaml`.
//!
//! For every operation of the spec and every error response it documents, the test builds the body that response
//! describes (its example, or a body synthesized from its schema), maps it with `Error::from_response`, checks the
//! result and snapshots its `Display` and `Debug` (one snapshot per operation). Responses the spec does not
//! document (gateway HTML, an empty 401, 429 with and without `Retry-After`, cut-off JSON, a `status_code` 500) are
//! snapshotted for a representative `GET` and `POST`.
//!
//! The same cases are rendered into `src/error/catalogue.md`, the rustdoc of `mirai_voice::error::catalogue`. The
//! test fails when that file is stale; `MIRAI_UPDATE_CATALOGUE=1` rewrites it. New snapshots are accepted with
//! `INSTA_UPDATE=always` (or `cargo insta review`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mirai_voice::error::{Error, ErrorKind};
use mirai_voice::operation::OperationContext;
use mirai_voice_generated::OperationSpec;
use mirai_voice_generated::operations::OPERATIONS;
use reqwest::StatusCode;
use serde_json::Value as Json;

use cases::{Case, ResponseParts};
use spec::{Spec, SpecOperation};

/// The operations whose undocumented responses are catalogued: a plain read, and the call that must never be
/// repeated blindly.
const REPRESENTATIVE_GET: &str = "adminGetAssistant";
const REPRESENTATIVE_POST: &str = "initiateCall";

/// Snapshot names start with this, so that stale snapshot files can be told apart from other tests' snapshots.
const SNAPSHOT_PREFIX: &str = "catalogue__";

const UPDATE_VARIABLE: &str = "MIRAI_UPDATE_CATALOGUE";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec_path() -> PathBuf {
    manifest_dir().join("swagger.yaml")
}

fn markdown_path() -> PathBuf {
    manifest_dir().join("src/error/catalogue.md")
}

/// Reading the spec: operations, their error responses, and a realistic body for each.
mod spec {
    use serde_norway::{Mapping, Value};

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];

    /// Body fields that carry the numeric error code.
    pub const CODE_FIELDS: [&str; 3] = ["code", "status_code", "statusCode"];

    /// Body fields that carry the human-readable message.
    const MESSAGE_FIELDS: [&str; 4] = ["message", "error", "detail", "msg"];

    pub struct Spec {
        root: Value,
    }

    pub struct SpecOperation {
        pub id: String,
        pub method: String,
        pub path: String,
        pub errors: Vec<DocumentedError>,
    }

    /// One documented `4xx`/`5xx` response.
    pub struct DocumentedError {
        pub status: u16,
        /// The response's description, on one line.
        pub description: String,
        /// The bodies the response may come with; never empty.
        pub samples: Vec<SampleBody>,
    }

    pub struct SampleBody {
        /// Where the body came from, as markdown.
        pub source: String,
        pub content_type: Option<String>,
        pub body: String,
    }

    impl Spec {
        pub fn load(path: &std::path::Path) -> Self {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let root = serde_norway::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
            Self { root }
        }

        /// Every operation, in spec order.
        pub fn operations(&self) -> Vec<SpecOperation> {
            let paths = self.root["paths"]
                .as_mapping()
                .expect("the spec has `paths`");
            let mut operations = Vec::new();
            for (path, item) in paths {
                let path = path.as_str().expect("path keys are strings");
                let item = self.resolve(item);
                for method in METHODS {
                    let Some(operation) = item.get(method) else {
                        continue;
                    };
                    let id = operation["operationId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                    operations.push(SpecOperation {
                        id: id.to_owned(),
                        method: method.to_ascii_uppercase(),
                        path: path.to_owned(),
                        errors: self.documented_errors(id, operation),
                    });
                }
            }
            operations
        }

        fn documented_errors(&self, id: &str, operation: &Value) -> Vec<DocumentedError> {
            let Some(responses) = operation.get("responses").and_then(Value::as_mapping) else {
                return Vec::new();
            };
            let mut errors = Vec::new();
            for (key, response) in responses {
                let key = match key {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => panic!("{id}: unexpected response key {other:?}"),
                };
                if !key.starts_with(['4', '5']) && key != "default" {
                    continue;
                }
                let status: u16 = key.parse().unwrap_or_else(|_| {
                    panic!(
                        "{id}: response `{key}` is a status range or default; the catalogue needs one status \
                         per response, so teach it which status to show for `{key}`"
                    )
                });
                let response = self.resolve(response);
                let description = one_line(response["description"].as_str().unwrap_or_default());
                let samples = self.sample_bodies(status, &description, response);
                errors.push(DocumentedError {
                    status,
                    description,
                    samples,
                });
            }
            errors.sort_by_key(|e| e.status);
            errors
        }

        /// The bodies to map for one response: its examples when it has usable ones, otherwise one synthesized
        /// from its schema. A response without content is mapped with no body, as documented, and with the
        /// `{code, message}` body the API describes for its errors.
        fn sample_bodies(
            &self,
            status: u16,
            description: &str,
            response: &Value,
        ) -> Vec<SampleBody> {
            let content = response
                .get("content")
                .and_then(Value::as_mapping)
                .filter(|c| !c.is_empty());
            let Some(content) = content else {
                let mut usual = Mapping::new();
                usual.insert("code".into(), status.into());
                usual.insert("message".into(), message_text(description).into());
                return vec![
                    SampleBody {
                        source: "none documented".into(),
                        content_type: None,
                        body: String::new(),
                    },
                    SampleBody {
                        source: "assumed `{code, message}`".into(),
                        content_type: Some("application/json".into()),
                        body: to_json(&Value::Mapping(usual)),
                    },
                ];
            };
            let (media_type, media) = content
                .iter()
                .find(|(k, _)| k.as_str().is_some_and(|k| k.contains("json")))
                .or_else(|| content.iter().next())
                .expect("content is not empty");
            let media_type = media_type.as_str().expect("media types are strings");
            let media = self.resolve(media);
            let schema = media.get("schema").map(|s| self.resolve(s));

            let mut candidates: Vec<(String, Value)> = Vec::new();
            if let Some(example) = media.get("example") {
                candidates.push(("the response's example".into(), example.clone()));
            }
            if let Some(examples) = media.get("examples").and_then(Value::as_mapping) {
                for (name, example) in examples {
                    let name = name.as_str().unwrap_or("unnamed");
                    if let Some(value) = self.resolve(example).get("value") {
                        candidates.push((format!("spec example `{name}`"), value.clone()));
                    }
                }
            }
            if let Some(schema) = schema {
                if let Some(example) = schema.get("example") {
                    candidates.push(("the schema's example".into(), example.clone()));
                } else if let Some(example) =
                    self.property_example_object(status, description, schema)
                {
                    candidates.push(("the schema's property examples".into(), example));
                }
            }

            // An example whose code names another status was written for another response (the spec attaches a
            // success body to some error responses): mapping it would document a code the API never sends.
            let mut rejected = Vec::new();
            let mut samples = Vec::new();
            for (source, example) in candidates {
                match contradicting_code(status, &example) {
                    Some(field) => rejected.push(field),
                    None => samples.push(SampleBody {
                        source,
                        content_type: Some(media_type.to_owned()),
                        body: body_text(media_type, &example),
                    }),
                }
            }
            if samples.is_empty() {
                let synthesized = match schema {
                    Some(schema) => self.synthesize(status, description, schema),
                    None => Value::String(message_text(description)),
                };
                let source = match rejected.first() {
                    Some(field) => format!(
                        "synthesized from the schema; its example says `{field}`, which belongs to another response"
                    ),
                    None => "synthesized from the schema".into(),
                };
                samples.push(SampleBody {
                    source,
                    content_type: Some(media_type.to_owned()),
                    body: body_text(media_type, &synthesized),
                });
            }
            samples
        }

        /// An object made of the properties' `example` values (and synthesized values for the others), if any
        /// property has an example.
        fn property_example_object(
            &self,
            status: u16,
            description: &str,
            schema: &Value,
        ) -> Option<Value> {
            let properties = self.properties(schema);
            if !properties.iter().any(|(_, p)| p.get("example").is_some()) {
                return None;
            }
            let mut object = Mapping::new();
            for (name, property) in properties {
                let value = match property.get("example") {
                    Some(example) => Some(example.clone()),
                    None => synthesized_field(status, description, &name, property),
                };
                if let Some(value) = value {
                    object.insert(name.into(), value);
                }
            }
            Some(Value::Mapping(object))
        }

        /// A body of the schema's shape: the status in its code field, the description in its message field.
        fn synthesize(&self, status: u16, description: &str, schema: &Value) -> Value {
            let properties = self.properties(schema);
            if properties.is_empty() {
                return match schema.get("type").and_then(Value::as_str) {
                    Some("string") => Value::String(message_text(description)),
                    _ => {
                        let mut usual = Mapping::new();
                        usual.insert("code".into(), status.into());
                        usual.insert("message".into(), message_text(description).into());
                        Value::Mapping(usual)
                    }
                };
            }
            let mut object = Mapping::new();
            for (name, property) in properties {
                if let Some(value) = synthesized_field(status, description, &name, property) {
                    object.insert(name.into(), value);
                }
            }
            Value::Mapping(object)
        }

        /// The properties of an object schema, in spec order, following `allOf` and the first `oneOf`/`anyOf`
        /// branch.
        fn properties<'a>(&'a self, schema: &'a Value) -> Vec<(String, &'a Value)> {
            let schema = self.resolve(schema);
            let mut properties = Vec::new();
            if let Some(own) = schema.get("properties").and_then(Value::as_mapping) {
                for (name, property) in own {
                    let name = name.as_str().expect("property names are strings");
                    properties.push((name.to_owned(), self.resolve(property)));
                }
            }
            for part in schema
                .get("allOf")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                properties.extend(self.properties(part));
            }
            for key in ["oneOf", "anyOf"] {
                if let Some(first) = schema
                    .get(key)
                    .and_then(Value::as_sequence)
                    .and_then(|s| s.first())
                {
                    properties.extend(self.properties(first));
                }
            }
            properties
        }

        /// Follows `$ref` (local JSON pointers only) until a value that is not a reference.
        fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
            for _ in 0..32 {
                let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                    return value;
                };
                let pointer = reference.strip_prefix("#/").unwrap_or_else(|| {
                    panic!("only local references are supported, found {reference}")
                });
                value = pointer.split('/').fold(&self.root, |node, segment| {
                    let segment = segment.replace("~1", "/").replace("~0", "~");
                    node.get(segment.as_str())
                        .unwrap_or_else(|| panic!("unresolved reference {reference}"))
                });
            }
            panic!("reference cycle through {value:?}");
        }
    }

    /// The value a schema property gets in a synthesized body, or `None` to leave it out.
    fn synthesized_field(
        status: u16,
        description: &str,
        name: &str,
        property: &Value,
    ) -> Option<Value> {
        let kind = property.get("type").and_then(Value::as_str);
        if CODE_FIELDS.contains(&name) && matches!(kind, Some("integer" | "number") | None) {
            return Some(status.into());
        }
        if MESSAGE_FIELDS.contains(&name) && matches!(kind, Some("string") | None) {
            return Some(message_text(description).into());
        }
        match kind {
            Some("array") => Some(Value::Sequence(Vec::new())),
            _ => None,
        }
    }

    /// The first code field of `example` whose number differs from `status`, as `field: value`.
    fn contradicting_code(status: u16, example: &Value) -> Option<String> {
        CODE_FIELDS.iter().find_map(|field| {
            let code = example.get(*field)?.as_i64()?;
            (code != i64::from(status)).then(|| format!("{field}: {code}"))
        })
    }

    fn body_text(media_type: &str, value: &Value) -> String {
        match value {
            Value::String(text) if !media_type.contains("json") => text.clone(),
            other => to_json(other),
        }
    }

    /// Compact JSON in the spec's key order, the way a server writes it.
    fn to_json(value: &Value) -> String {
        serde_json::to_string(value).expect("spec examples are JSON-compatible")
    }

    /// Collapses a (possibly folded, multi-line) description onto one line.
    pub fn one_line(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// A description as a server would word it in a message: without markdown code marks.
    fn message_text(description: &str) -> String {
        description.replace('`', "")
    }
}

/// Mapping responses and rendering the results for the snapshots.
mod cases {
    use reqwest::StatusCode;
    use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

    use mirai_voice::error::Error;
    use mirai_voice::operation::OperationContext;

    /// One response to map.
    pub struct ResponseParts<'a> {
        pub status: u16,
        /// What the spec says about the response, or what the undocumented case is (markdown).
        pub about: String,
        /// Where the body came from (markdown).
        pub source: String,
        pub content_type: Option<&'a str>,
        pub extra_headers: &'a [(&'static str, &'static str)],
        pub body: &'a str,
        /// Whether reading stopped before the end of the body.
        pub truncated: bool,
    }

    /// A response and the error it maps to.
    pub struct Case {
        pub status: StatusCode,
        pub about: String,
        pub source: String,
        pub body: String,
        pub truncated: bool,
        pub error: Error,
    }

    impl Case {
        pub fn map(operation: OperationContext, parts: ResponseParts<'_>) -> Self {
            let status = StatusCode::from_u16(parts.status).expect("valid status");
            let mut headers = HeaderMap::new();
            if let Some(content_type) = parts.content_type {
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_str(content_type).expect("valid media type"),
                );
            }
            if !parts.truncated {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(parts.body.len()));
            }
            for (name, value) in parts.extra_headers {
                headers.append(
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
            let error = Error::from_response(
                operation,
                status,
                &headers,
                parts.body.as_bytes(),
                parts.truncated,
            );
            Self {
                status,
                about: parts.about,
                source: parts.source,
                body: parts.body.to_owned(),
                truncated: parts.truncated,
                error,
            }
        }
    }

    impl Case {
        /// Where the body came from and whether it was cut off, for display.
        pub fn body_note(&self) -> String {
            let cut = self.truncated.then_some("cut off");
            [Some(self.source.as_str()), cut]
                .into_iter()
                .flatten()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// The snapshot of one operation's cases: for each, the response, then `Display` and pretty `Debug`.
    pub fn snapshot_text(operation: &OperationContext, cases: &[Case]) -> String {
        let mut text = format!("{operation}\n");
        for case in cases {
            let note = match case.body_note() {
                note if note.is_empty() => String::new(),
                note => format!(" ({note})"),
            };
            text.push_str(&format!(
                "\n== {}: {}\nbody{note}: {:?}\n\nDisplay: {}\n\nDebug: {:#?}\n",
                case.status, case.about, case.body, case.error, case.error
            ));
        }
        text
    }
}

/// Rendering the catalogue as markdown that rustdoc accepts.
mod markdown {
    use std::fmt::Write;

    use mirai_voice::error::Error;
    use mirai_voice::operation::OperationContext;

    use super::Catalogue;
    use super::cases::Case;

    /// Bodies longer than this are described instead of shown.
    const MAX_SHOWN_BODY_CHARS: usize = 120;

    pub fn render(catalogue: &Catalogue) -> String {
        let documented: usize = catalogue
            .documented
            .iter()
            .map(|(_, statuses, _)| statuses)
            .sum();
        let mut md = String::new();
        md.push_str(
            "Every error response documented in `swagger.yaml`, and the \
             [`Error`](crate::error::Error) it becomes.\n\n\
             This page is generated from the spec by this crate's `error_catalogue` test, which also keeps a \
             snapshot of each error's `Display` and `Debug` output; the test fails when the page is out of date \
             (`MIRAI_UPDATE_CATALOGUE=1 cargo test -p mirai-voice --test error_catalogue` rewrites it).\n\n\
             How the bodies were built:\n\n\
             * the response's own example, or its schema's examples, when the spec gives them;\n\
             * otherwise a body synthesized from the schema: the status as `code` (or `status_code`, where the \
             schema says so) and the response description as `message`;\n\
             * a response documented without content is shown twice: with no body, as documented, and with the \
             `{code, message}` body the API describes for its errors.\n\n\
             Reading the tables:\n\n\
             * **kind** depends only on the status \
             ([`ErrorKind::from_status`](crate::error::ErrorKind::from_status)): match on it rather than on `code` \
             or `message`, whose presence and wording vary between endpoints.\n\
             * **code** is the number in the body's `code` or `status_code` field, when there is one.\n\
             * A `5xx` answer to an operation with side effects (`POST`) is \
             [`Error::OutcomeUnknown`](crate::error::Error::OutcomeUnknown): the request may have taken effect, \
             so find out before sending it again.\n\n",
        );
        let _ = writeln!(
            md,
            "{} operations; {documented} documented error responses in {} of them.\n",
            catalogue.operation_count(),
            catalogue.documented.len()
        );

        md.push_str("# Documented error responses\n\n");
        for (operation, _, cases) in &catalogue.documented {
            table(&mut md, operation, "the spec says", cases);
        }

        md.push_str("# Operations without documented error responses\n\n");
        let names: Vec<String> = catalogue
            .without_errors
            .iter()
            .map(|op| {
                format!(
                    "`{}` (`{} {}`)",
                    op.operation_id(),
                    op.method(),
                    op.path_template()
                )
            })
            .collect();
        let _ = writeln!(
            md,
            "{}. Their errors map by status like everyone else's; the next section shows what to expect.\n",
            names.join(", ")
        );

        md.push_str(
            "# Responses the spec does not document\n\n\
             What gateways and the server answer anyway, for a representative `GET` and `POST`.\n\n",
        );
        for (operation, cases) in &catalogue.undocumented {
            table(&mut md, operation, "case", cases);
        }
        md
    }

    fn table(md: &mut String, operation: &OperationContext, about_header: &str, cases: &[Case]) {
        let _ = writeln!(
            md,
            "## `{}`: `{} {}`\n",
            operation.operation_id(),
            operation.method(),
            operation.path_template()
        );
        let _ = writeln!(
            md,
            "| status | {about_header} | body | error | kind | code | `Display` |"
        );
        md.push_str("|---|---|---|---|---|---|---|\n");
        for case in cases {
            let api = case.error.api_error();
            let kind = case
                .error
                .kind()
                .map(|kind| format!("[`{kind:?}`](crate::error::ErrorKind::{kind:?})"))
                .unwrap_or_else(|| "none".into());
            let code = api
                .and_then(|api| api.code())
                .map(|code| code.to_string())
                .unwrap_or_else(|| "none".into());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {kind} | {code} | {} |",
                case.status.as_u16(),
                prose(&case.about),
                body_cell(case),
                variant_link(&case.error),
                code_span(&case.error.to_string()),
            );
        }
        md.push('\n');
    }

    fn body_cell(case: &Case) -> String {
        let shown = if case.body.is_empty() {
            "empty".to_owned()
        } else if case.body.chars().count() <= MAX_SHOWN_BODY_CHARS && !case.body.contains('\n') {
            code_span(&case.body)
        } else {
            let content_type = case.error.api_error().and_then(|api| api.content_type());
            match content_type {
                Some(content_type) => format!("{} bytes of `{content_type}`", case.body.len()),
                None => format!("{} bytes", case.body.len()),
            }
        };
        match case.body_note() {
            note if note.is_empty() => shown,
            note => format!("{shown} ({note})"),
        }
    }

    fn variant_link(error: &Error) -> &'static str {
        match error {
            Error::Api(_) => "[`Api`](crate::error::Error::Api)",
            Error::OutcomeUnknown(_) => "[`OutcomeUnknown`](crate::error::Error::OutcomeUnknown)",
            Error::Decode(_) => "[`Decode`](crate::error::Error::Decode)",
            Error::Transport(_) => "[`Transport`](crate::error::Error::Transport)",
            Error::Timeout(_) => "[`Timeout`](crate::error::Error::Timeout)",
            Error::Validation(_) => "[`Validation`](crate::error::Error::Validation)",
            Error::Config(_) => "[`Config`](crate::error::Error::Config)",
            _ => "other",
        }
    }

    /// Text as a code span inside a table cell: a fence longer than any backtick run in it, pipes escaped (a
    /// table cell ends at an unescaped pipe even inside a code span).
    pub fn code_span(text: &str) -> String {
        let text = text.replace(['\r', '\n'], " ").replace('|', "\\|");
        let mut longest = 0;
        let mut run = 0;
        for c in text.chars() {
            run = if c == '`' { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        let fence = "`".repeat(longest + 1);
        let pad = if text.starts_with('`') || text.ends_with('`') {
            " "
        } else {
            ""
        };
        format!("{fence}{pad}{text}{pad}{fence}")
    }

    /// Spec prose (CommonMark with code spans) inside a table cell: code spans are kept, everything rustdoc or a
    /// table could misread (`<`, `>`, brackets, pipes, emphasis marks, bare URLs) is escaped.
    pub fn prose(text: &str) -> String {
        let text = text.replace(['\r', '\n'], " ");
        let parts: Vec<&str> = text.split('`').collect();
        if parts.len().is_multiple_of(2) {
            // Unbalanced backticks: no code spans, show the text literally.
            return escape_plain(&text);
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                if i % 2 == 1 {
                    code_span(part)
                } else {
                    escape_plain(part)
                }
            })
            .collect()
    }

    fn escape_plain(text: &str) -> String {
        if text.contains("://") {
            // A URL in prose would be a bare URL to rustdoc; as code it is shown as is.
            return code_span(text);
        }
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '\\' | '`' | '[' | ']' | '<' | '>' | '|' | '*' | '_') {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        escaped
    }
}

/// Everything the catalogue shows.
struct Catalogue {
    /// Operations with documented errors: the operation, how many statuses, and one case per sample body.
    documented: Vec<(OperationContext, usize, Vec<Case>)>,
    without_errors: Vec<OperationContext>,
    /// The undocumented cases for the representative operations.
    undocumented: Vec<(OperationContext, Vec<Case>)>,
}

impl Catalogue {
    fn build() -> Self {
        let spec = Spec::load(&spec_path());
        let mut documented = Vec::new();
        let mut without_errors = Vec::new();
        for operation in spec.operations() {
            let context = context(&operation.id);
            if operation.errors.is_empty() {
                without_errors.push(context);
            } else {
                documented.push((
                    context,
                    operation.errors.len(),
                    documented_cases(context, &operation),
                ));
            }
        }
        let undocumented = [REPRESENTATIVE_GET, REPRESENTATIVE_POST]
            .into_iter()
            .map(|id| {
                let context = context(id);
                (context, undocumented_cases(context))
            })
            .collect();
        Self {
            documented,
            without_errors,
            undocumented,
        }
    }

    fn operation_count(&self) -> usize {
        self.documented.len() + self.without_errors.len()
    }

    fn documented_status_count(&self) -> usize {
        self.documented
            .iter()
            .map(|(_, statuses, _)| statuses)
            .sum()
    }
}

/// The context the client uses for `id`, taken from the generated operation table.
fn context(id: &str) -> OperationContext {
    let spec = OperationSpec::find(id).unwrap_or_else(|| {
        panic!("`{id}` is in swagger.yaml but not in the generated operation table")
    });
    OperationContext::from(spec)
}

fn documented_cases(context: OperationContext, operation: &SpecOperation) -> Vec<Case> {
    let mut cases = Vec::new();
    for error in &operation.errors {
        for sample in &error.samples {
            cases.push(Case::map(
                context,
                ResponseParts {
                    status: error.status,
                    about: error.description.clone(),
                    source: sample.source.clone(),
                    content_type: sample.content_type.as_deref(),
                    extra_headers: &[],
                    body: &sample.body,
                    truncated: false,
                },
            ));
        }
    }
    cases
}

const GATEWAY_HTML: &str = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n\
    <center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";
const RATE_LIMITED: &str = r#"{"code":429,"message":"Rate limit exceeded"}"#;
const CUT_OFF_JSON: &str = r#"{"code":400,"message":"Validation Er"#;
const STATUS_CODE_500: &str = r#"{"status_code":500,"message":"Internal server error"}"#;
const JSON: Option<&str> = Some("application/json");

/// A response the spec does not document: what it is, its media type, extra headers, body, and whether the body
/// was cut off.
type Undocumented = (
    u16,
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
    &'static str,
    bool,
);

const UNDOCUMENTED: [Undocumented; 6] = [
    (
        502,
        "a gateway's HTML error page",
        Some("text/html"),
        &[],
        GATEWAY_HTML,
        false,
    ),
    (401, "a 401 without a body", None, &[], "", false),
    (
        429,
        "rate limited, no `Retry-After`",
        JSON,
        &[],
        RATE_LIMITED,
        false,
    ),
    (
        429,
        "rate limited, `Retry-After: 30`",
        JSON,
        &[("retry-after", "30")],
        RATE_LIMITED,
        false,
    ),
    (
        400,
        "a JSON body cut off in transit",
        JSON,
        &[],
        CUT_OFF_JSON,
        true,
    ),
    (
        500,
        "a server error in the `status_code` shape",
        JSON,
        &[],
        STATUS_CODE_500,
        false,
    ),
];

fn undocumented_cases(context: OperationContext) -> Vec<Case> {
    UNDOCUMENTED
        .iter()
        .map(
            |&(status, about, content_type, extra_headers, body, truncated)| {
                Case::map(
                    context,
                    ResponseParts {
                        status,
                        about: about.to_owned(),
                        source: String::new(),
                        content_type,
                        extra_headers,
                        body,
                        truncated,
                    },
                )
            },
        )
        .collect()
}

/// Checks what every mapped error must satisfy, whatever its body.
fn assert_mapped(context: &OperationContext, case: &Case) {
    let id = context.operation_id();
    let error = &case.error;
    let what = format!("{id} {}: {error:?}", case.status);
    assert_eq!(error.status(), Some(case.status), "{what}");
    assert_eq!(
        error.kind(),
        Some(ErrorKind::from_status(case.status)),
        "{what}"
    );
    assert_eq!(error.operation_id(), Some(id), "{what}");
    let side_effect = !context.idempotency().is_idempotent();
    if case.status.is_server_error() && side_effect {
        assert!(matches!(error, Error::OutcomeUnknown(_)), "{what}");
        assert!(!error.is_retryable(), "{what}");
    } else {
        assert!(matches!(error, Error::Api(_)), "{what}");
    }
    let display = error.to_string();
    assert!(display.starts_with(&format!("{id}: ")), "{display}");
    assert!(display.contains(case.status.as_str()), "{display}");

    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("no ApiError in {what}"));
    assert_eq!(api.body().as_bytes(), case.body.as_bytes(), "{what}");
    assert_eq!(api.body().is_truncated(), case.truncated, "{what}");
    // A complete JSON body's code and message are what the error reports, whichever field holds the code.
    if let Ok(Json::Object(body)) = serde_json::from_str::<Json>(&case.body) {
        let code = spec::CODE_FIELDS
            .iter()
            .find_map(|f| body.get(*f).and_then(Json::as_i64));
        assert_eq!(api.code(), code, "{what}");
        let message = body.get("message").and_then(Json::as_str).map(str::trim);
        assert_eq!(api.message(), message, "{what}");
        if let Some(message) = message {
            assert!(display.contains(message), "{display}");
        }
    }
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(format!("{SNAPSHOT_PREFIX}{name}"), text);
    });
}

#[test]
fn spec_and_generated_table_list_the_same_operations() {
    let spec = Spec::load(&spec_path());
    let from_spec: BTreeSet<(String, String, String)> = spec
        .operations()
        .into_iter()
        .map(|op| (op.id, op.method, op.path))
        .collect();
    let from_table: BTreeSet<(String, String, String)> = OPERATIONS
        .iter()
        .map(|op| {
            (
                op.operation_id.to_owned(),
                op.http_method.to_owned(),
                op.path.to_owned(),
            )
        })
        .collect();
    assert_eq!(from_spec, from_table);
}

#[test]
fn every_documented_error_response_is_catalogued() {
    let catalogue = Catalogue::build();
    assert!(
        !catalogue.documented.is_empty(),
        "the spec documents no error response"
    );
    for (context, statuses, cases) in &catalogue.documented {
        assert!(
            cases.len() >= *statuses,
            "{context}: a status without a case"
        );
        for case in cases {
            assert_mapped(context, case);
        }
        snapshot(
            context.operation_id(),
            &cases::snapshot_text(context, cases),
        );
    }
}

#[test]
fn undocumented_responses_of_a_get_and_a_post() {
    let catalogue = Catalogue::build();
    for (context, cases) in &catalogue.undocumented {
        for case in cases {
            assert_mapped(context, case);
        }
        let retry_after: Vec<Option<Duration>> = cases
            .iter()
            .filter(|c| c.status == StatusCode::TOO_MANY_REQUESTS)
            .map(|c| c.error.api_error().and_then(|api| api.retry_after()))
            .collect();
        assert_eq!(
            retry_after,
            [None, Some(Duration::from_secs(30))],
            "{context}"
        );
        for case in cases {
            let api = case.error.api_error().expect("an API error");
            match case.status.as_u16() {
                // Neither HTML, nor an empty body, nor cut-off JSON yields a message.
                502 | 401 | 400 => assert_eq!(api.message(), None, "{context} {}", case.status),
                429 => assert!(case.error.is_retryable(), "{context}"),
                500 => assert_eq!(api.code(), Some(500), "{context}"),
                other => panic!("unexpected status {other}"),
            }
        }
        let gateway = &cases[0];
        let idempotent = context.idempotency().is_idempotent();
        assert_eq!(gateway.error.is_retryable(), idempotent, "{context}: 502");
        snapshot(
            &format!("undocumented__{}", context.operation_id()),
            &cases::snapshot_text(context, cases),
        );
    }
}

#[test]
fn rendered_catalogue_is_up_to_date() {
    let catalogue = Catalogue::build();
    assert_eq!(catalogue.operation_count(), OPERATIONS.len());
    let rendered = markdown::render(&catalogue);
    let path = markdown_path();
    if std::env::var_os(UPDATE_VARIABLE).is_some_and(|v| v == "1") {
        std::fs::write(&path, &rendered)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != rendered {
        let first_difference = current
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(rendered.lines().count()));
        panic!(
            "{} is stale: swagger.yaml or the error mapping changed.\n\
             First difference at line {}:\n  checked in: {}\n  generated:  {}\n\
             Regenerate it with `{UPDATE_VARIABLE}=1 cargo test -p mirai-voice --test error_catalogue` and review \
             the diff.",
            path.display(),
            first_difference + 1,
            current
                .lines()
                .nth(first_difference)
                .unwrap_or("<end of file>"),
            rendered
                .lines()
                .nth(first_difference)
                .unwrap_or("<end of file>"),
        );
    }
    // The summary line states what the test covered.
    let summary = format!(
        "{} operations; {} documented error responses",
        catalogue.operation_count(),
        catalogue.documented_status_count()
    );
    assert!(current.contains(&summary), "{summary}");
}

#[test]
fn markdown_escaping_keeps_rustdoc_and_tables_intact() {
    assert_eq!(markdown::code_span("a|b"), "`a\\|b`");
    assert_eq!(markdown::code_span("x `y` z"), "``x `y` z``");
    assert_eq!(markdown::code_span("`y`"), "`` `y` ``");
    assert_eq!(
        markdown::prose("Session not in `uploading` state <b> [x]"),
        "Session not in `uploading` state \\<b\\> \\[x\\]"
    );
    assert_eq!(markdown::prose("odd ` mark"), "odd \\` mark");
    assert_eq!(
        markdown::prose("see https://x.test"),
        "`see https://x.test`"
    );
    assert_eq!(
        spec::one_line("Validation Error or\n  cannot unarchive\n"),
        "Validation Error or cannot unarchive"
    );
}

#[test]
fn no_snapshot_outlives_its_operation() {
    let catalogue = Catalogue::build();
    let mut expected: BTreeSet<String> = catalogue
        .documented
        .iter()
        .map(|(context, _, _)| format!("{SNAPSHOT_PREFIX}{}.snap", context.operation_id()))
        .collect();
    expected.extend(catalogue.undocumented.iter().map(|(context, _)| {
        format!(
            "{SNAPSHOT_PREFIX}undocumented__{}.snap",
            context.operation_id()
        )
    }));
    let directory = manifest_dir().join("tests/snapshots");
    let Ok(entries) = std::fs::read_dir(&directory) else {
        // Not written yet: the snapshot tests create it.
        return;
    };
    let stale: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(SNAPSHOT_PREFIX) && name.ends_with(".snap"))
        .filter(|name| !expected.contains(name))
        .collect();
    assert!(
        stale.is_empty(),
        "snapshots of operations no longer in the spec: {stale:?}"
    );
}

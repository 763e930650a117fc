//! Third-party credentials stay out of the `Debug` of the generated types.
//!
//! typify derives `Debug` for every type, so `{:?}` of a `ToolHeader` (a header for the user's
//! own API, e.g. `Authorization: Bearer …`), of every request or tool holding one, of an
//! assistant's `preCall.apiPlan.headers` or of the web call's LiveKit `token` printed the
//! credential. This pass decides from the spec which properties hold secrets and gives every
//! generated struct with such a field, and its `types::builder` counterpart, a hand-written
//! `Debug` that prints `<redacted>` for those fields and every other field as before. The shape
//! stays visible: `Some(<redacted>)` / `None`, a builder's `Ok(<redacted>)` / `Err("no value
//! supplied …")`, one `<redacted>` per list entry, map keys (header names). Serialization is
//! unchanged: the real value is still sent.
//!
//! A property of an object schema is secret when
//! - its name is a credential's: lower-cased without `-`/`_` it is one of [`CREDENTIAL_NAMES`]
//!   or ends with one of [`CREDENTIAL_SUFFIXES`] (`token`, `webhookToken`, `apiKey`,
//!   `x-api-key`, `clientSecret`, `password`, …);
//! - it is the `value` of a header entry: an object with a `key` or `name` property and a
//!   `value` property, held by a property named `headers` (directly or as array items), like
//!   `ToolHeader`;
//! - it is a property named `headers` whose values are not such entries (a map of header values
//!   like `preCall.apiPlan.headers`, a list of header lines): the whole property.
//!
//! The names mirror the body redaction of `mirai_voice::redact`. A generated struct is
//! recognised by its properties: the struct whose JSON field names are exactly the schema's
//! property names (so inline schemas need no guess at typify's naming). A secret property no
//! struct matches is reported, so a spec change the rule does not cover shows in the report.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use serde_json::Value;
use syn::ext::IdentExt;
use syn::{File, Ident, Item, ItemImpl, ItemStruct, Type, parse_quote};

use crate::extra_fields::{module_items, serde_rename};
use crate::preprocess::doc;
use crate::secret_headers::drop_derived_debug;

/// Property names that are credentials themselves, compared after [`normalize`]. The same list as the SDK's
/// `mirai_voice::redact::CREDENTIAL_KEYS`, which redacts bodies at run time (`tests/credential_names.rs` keeps
/// the two equal).
pub const CREDENTIAL_NAMES: &[&str] = &[
    "auth",
    "authorization",
    "proxyauthorization",
    "cookie",
    "setcookie",
    "privatekey",
    "xprivatekey",
    "credentials",
];

/// Endings that make a property name a credential (compared after [`normalize`]).
pub const CREDENTIAL_SUFFIXES: &[&str] = &["token", "secret", "password", "passwd", "apikey"];

/// The property that holds HTTP headers, compared after [`normalize`].
const HEADERS: &str = "headers";

/// Properties of a header entry that name the header (kept visible).
const HEADER_NAME_PROPERTIES: &[&str] = &["key", "name"];

/// The property of a header entry that holds its value.
const HEADER_VALUE_PROPERTY: &str = "value";

/// Name of the private module of helpers added to `types`.
const HELPERS: &str = "secret_debug";

/// Lower-case, without `-` and `_`: `X-Api-Key`, `api_key` and `apiKey` all become `apikey`.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a property called `name` holds a credential by its name alone.
pub fn is_credential_name(name: &str) -> bool {
    let name = normalize(name);
    CREDENTIAL_NAMES.contains(&name.as_str())
        || CREDENTIAL_SUFFIXES.iter().any(|end| name.ends_with(end))
}

/// Why a property is secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Its name is a credential's.
    CredentialName,
    /// It is the `value` of a header entry under `headers`.
    HeaderValue,
    /// It is a `headers` property holding header values directly.
    Headers,
}

impl Why {
    fn describe(self) -> &'static str {
        match self {
            Why::CredentialName => "credential name",
            Why::HeaderValue => "value of a header entry under `headers`",
            Why::Headers => "header values, names kept",
        }
    }
}

/// A secret property of one object schema of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretProperty {
    /// Where the object schema is, e.g. `components.schemas.ToolHeader`.
    pub schema: String,
    /// The names of all its properties: how its generated struct is recognised.
    pub properties: BTreeSet<String>,
    /// The secret property's name as the spec spells it.
    pub property: String,
    /// Why it is secret.
    pub why: Why,
}

/// The secret properties of every object schema of `document` (components, request and
/// response bodies, nested properties, array items, map values, combinators), each once, in
/// document order.
pub fn secret_properties(document: &Value) -> Vec<SecretProperty> {
    let mut found = Vec::new();
    if let Some(components) = document.get("components").and_then(Value::as_object) {
        for (kind, section) in components {
            let Some(section) = section.as_object() else {
                continue;
            };
            for (name, item) in section {
                let at = format!("components.{kind}.{name}");
                match kind.as_str() {
                    "schemas" => visit_schema(document, item, &at, &mut found),
                    "requestBodies" | "responses" => visit_content(document, item, &at, &mut found),
                    _ => {}
                }
            }
        }
    }
    for loc in doc::operations(document) {
        let Some(operation) = doc::operation(document, &loc) else {
            continue;
        };
        let at = loc.display();
        if let Some(body) = operation.get("requestBody") {
            visit_content(document, body, &format!("{at} request body"), &mut found);
        }
        if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
            for (status, response) in responses {
                let at = format!("{at} response {status}");
                visit_content(document, response, &at, &mut found);
            }
        }
    }
    found
}

/// A request body or response with a `content` map of media types.
fn visit_content(document: &Value, holder: &Value, at: &str, found: &mut Vec<SecretProperty>) {
    let Some(content) = holder.get("content").and_then(Value::as_object) else {
        return;
    };
    for (media_type, media) in content {
        if let Some(schema) = media.get("schema") {
            visit_schema(document, schema, &format!("{at} ({media_type})"), found);
        }
    }
}

fn visit_schema(document: &Value, schema: &Value, at: &str, found: &mut Vec<SecretProperty>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        let names: BTreeSet<String> = properties.keys().cloned().collect();
        for (name, property) in properties {
            let property_at = format!("{at}.{name}");
            if is_credential_name(name) {
                record(found, at, &names, name, Why::CredentialName);
            } else if normalize(name) == HEADERS {
                match header_entry(document, property, &property_at) {
                    Some((entry_at, entry_names)) => record(
                        found,
                        &entry_at,
                        &entry_names,
                        HEADER_VALUE_PROPERTY,
                        Why::HeaderValue,
                    ),
                    None => record(found, at, &names, name, Why::Headers),
                }
            }
            visit_schema(document, property, &property_at, found);
        }
    }
    if let Some(items) = object.get("items") {
        visit_schema(document, items, &format!("{at}[]"), found);
    }
    if let Some(additional) = object.get("additionalProperties") {
        visit_schema(document, additional, &format!("{at}{{*}}"), found);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(members) = object.get(combinator).and_then(Value::as_array) {
            for (i, member) in members.iter().enumerate() {
                visit_schema(document, member, &format!("{at}.{combinator}[{i}]"), found);
            }
        }
    }
}

fn record(
    found: &mut Vec<SecretProperty>,
    at: &str,
    properties: &BTreeSet<String>,
    property: &str,
    why: Why,
) {
    let known = found
        .iter()
        .any(|s| s.schema == at && s.property == property);
    if !known {
        found.push(SecretProperty {
            schema: at.to_string(),
            properties: properties.clone(),
            property: property.to_string(),
            why,
        });
    }
}

/// The header entry (`{key|name, value, …}`) a `headers` property holds, itself or as its
/// array items: where that object schema is and its property names.
fn header_entry(document: &Value, headers: &Value, at: &str) -> Option<(String, BTreeSet<String>)> {
    let (schema, at) = located(document, headers, at);
    let (entry, entry_at) = match schema.get("items") {
        Some(items) => located(document, items, &format!("{at}[]")),
        None => (schema, at),
    };
    let names: BTreeSet<String> = entry
        .get("properties")?
        .as_object()?
        .keys()
        .cloned()
        .collect();
    let named = HEADER_NAME_PROPERTIES.iter().any(|n| names.contains(*n));
    (named && names.contains(HEADER_VALUE_PROPERTY)).then_some((entry_at, names))
}

/// Follows a local `$ref`: the schema and its location are then the referenced component's.
fn located<'a>(document: &'a Value, schema: &'a Value, at: &str) -> (&'a Value, String) {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/"))
    {
        Some(pointer) => (doc::resolve(document, schema), pointer.replace('/', ".")),
        None => (schema, at.to_string()),
    }
}

/// One generated type whose `Debug` the pass replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactedType {
    /// The type's name in `types`.
    pub type_name: String,
    /// Its secret fields: JSON name, why, and the schema that made it secret; in field order.
    pub fields: Vec<(String, Why, String)>,
    /// Whether `types::builder::<type_name>` was changed too.
    pub builder: bool,
}

/// What [`redact_secret_fields`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The changed types, in file order.
    pub redacted: Vec<RedactedType>,
    /// Secret properties no generated struct matched: their `Debug` is not redacted.
    pub unmatched: Vec<SecretProperty>,
}

impl Outcome {
    /// One report line per changed type and per unmatched property: (target, detail).
    pub fn report_lines(&self) -> Vec<(String, String)> {
        let changed = self.redacted.iter().map(|t| {
            let fields: Vec<String> = t
                .fields
                .iter()
                .map(|(name, why, schema)| format!("{name} ({}; {schema})", why.describe()))
                .collect();
            let whose = if t.builder {
                "Debug of the type and its builder"
            } else {
                "Debug of the type"
            };
            (
                t.type_name.clone(),
                format!("{whose} prints <redacted> for {}", fields.join(", ")),
            )
        });
        let missed = self.unmatched.iter().map(|s| {
            let names: Vec<&str> = s.properties.iter().map(String::as_str).collect();
            (
                s.schema.clone(),
                format!(
                    "NOT redacted: no generated struct has exactly the properties {{{}}}, so `{}` \
                     ({}) still prints in Debug",
                    names.join(", "),
                    s.property,
                    s.why.describe()
                ),
            )
        });
        changed.chain(missed).collect()
    }
}

/// A secret field of one generated struct.
struct SecretField {
    ident: Ident,
    json: String,
    why: Why,
    schema: String,
}

/// Replaces the derived `Debug` of every struct in `types` (and `types::builder`) that has a
/// field for one of `secrets`, and adds the private `types::secret_debug` helpers they use.
pub fn redact_secret_fields(file: &mut File, secrets: &[SecretProperty]) -> Outcome {
    let Some(types) = module_items(&mut file.items, "types") else {
        return Outcome {
            redacted: Vec::new(),
            unmatched: secrets.to_vec(),
        };
    };
    let mut matched = vec![false; secrets.len()];
    let mut plans: Vec<(Ident, Vec<SecretField>)> = Vec::new();
    let mut leaves: Vec<Type> = Vec::new();
    for item in types.iter() {
        let Item::Struct(s) = item else { continue };
        let fields = json_fields(s);
        let names: BTreeSet<String> = fields.iter().map(|(json, _)| json.clone()).collect();
        let mut secret: Vec<SecretField> = Vec::new();
        for (i, site) in secrets.iter().enumerate() {
            if site.properties != names {
                continue;
            }
            matched[i] = true;
            if let Some((json, field)) = fields.iter().find(|(json, _)| *json == site.property)
                && !secret.iter().any(|f| f.json == *json)
            {
                collect_leaves(&field.ty, &mut leaves);
                secret.push(SecretField {
                    ident: field.ident.clone().expect("named fields only"),
                    json: json.clone(),
                    why: site.why,
                    schema: site.schema.clone(),
                });
            }
        }
        if !secret.is_empty() {
            let order = |f: &SecretField| fields.iter().position(|(json, _)| *json == f.json);
            secret.sort_by_key(order);
            plans.push((s.ident.clone(), secret));
        }
    }
    let unmatched = secrets
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(s, _)| s.clone())
        .collect();
    if plans.is_empty() {
        return Outcome {
            redacted: Vec::new(),
            unmatched,
        };
    }
    let helpers = syn::Ident::new(HELPERS, proc_macro2::Span::call_site());
    rewrite_structs(types, &plans, &quote!(#helpers));
    let mut in_builder = Vec::new();
    if let Some(builders) = module_items(types, "builder") {
        in_builder = rewrite_structs(builders, &plans, &quote!(super::#helpers));
    }
    types.push(helper_module());
    types.extend(leaves.iter().map(leaf_impl));
    let redacted = plans
        .into_iter()
        .map(|(ident, fields)| RedactedType {
            builder: in_builder.contains(&ident),
            type_name: ident.to_string(),
            fields: fields
                .into_iter()
                .map(|f| (f.json, f.why, f.schema))
                .collect(),
        })
        .collect();
    Outcome {
        redacted,
        unmatched,
    }
}

/// Each named field with its JSON name (`serde(rename)` or the field name); flattened fields
/// (the `extra` map) are not properties of the schema and are left out.
fn json_fields(s: &ItemStruct) -> Vec<(String, &syn::Field)> {
    s.fields
        .iter()
        .filter(|field| field.ident.is_some() && !is_flattened(field))
        .map(|field| {
            let ident = field.ident.as_ref().expect("filtered");
            let json = serde_rename(&field.attrs).unwrap_or_else(|| ident.unraw().to_string());
            (json, field)
        })
        .collect()
}

fn is_flattened(field: &syn::Field) -> bool {
    field
        .attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && a.to_token_stream().to_string().contains("flatten"))
}

/// Gives every planned struct among `items` that has all the secret fields a redacting
/// `Debug` (which reaches the helpers at `helpers`). Returns the changed struct names.
fn rewrite_structs(
    items: &mut Vec<Item>,
    plans: &[(Ident, Vec<SecretField>)],
    helpers: &TokenStream,
) -> Vec<Ident> {
    let mut changed = Vec::new();
    let mut rewritten = Vec::with_capacity(items.len() + plans.len());
    for mut item in items.drain(..) {
        let mut debug_impl = None;
        if let Item::Struct(s) = &mut item
            && let Some((_, secret)) = plans.iter().find(|(ident, _)| *ident == s.ident)
        {
            let idents: Vec<&Ident> = secret.iter().map(|f| &f.ident).collect();
            let has_all = idents
                .iter()
                .all(|i| s.fields.iter().any(|f| f.ident.as_ref() == Some(*i)));
            if has_all {
                drop_derived_debug(s);
                debug_impl = Some(Item::Impl(redacting_debug(s, &idents, helpers)));
                changed.push(s.ident.clone());
            }
        }
        rewritten.push(item);
        rewritten.extend(debug_impl);
    }
    *items = rewritten;
    changed
}

/// `impl Debug` printing every field as derived `Debug` would, the secret ones redacted.
fn redacting_debug(s: &ItemStruct, secret: &[&Ident], helpers: &TokenStream) -> ItemImpl {
    let ident = &s.ident;
    let name = ident.to_string();
    let (impl_generics, type_generics, where_clause) = s.generics.split_for_impl();
    let fields = s.fields.iter().filter_map(|field| {
        let field_ident = field.ident.as_ref()?;
        let label = field_ident.unraw().to_string();
        Some(if secret.contains(&field_ident) {
            quote!(.field(#label, &#helpers::Redacted(&self.#field_ident)))
        } else {
            quote!(.field(#label, &self.#field_ident))
        })
    });
    parse_quote! {
        impl #impl_generics ::std::fmt::Debug for #ident #type_generics #where_clause {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name) #(#fields)* .finish()
            }
        }
    }
}

/// The innermost types of a secret field below `Option`, `Vec`, `Box` and a builder's
/// `Result`; maps hide all their values and need no leaf.
fn collect_leaves(ty: &Type, leaves: &mut Vec<Type>) {
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
    {
        let first_arg = match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            }),
            _ => None,
        };
        match (last.ident.to_string().as_str(), first_arg) {
            ("Option" | "Vec" | "Box" | "Result", Some(inner)) => {
                return collect_leaves(inner, leaves);
            }
            ("HashMap" | "BTreeMap" | "Map", _) => return,
            _ => {}
        }
    }
    let text = ty.to_token_stream().to_string();
    if !leaves
        .iter()
        .any(|l| l.to_token_stream().to_string() == text)
    {
        leaves.push(ty.clone());
    }
}

/// `mod secret_debug`: how a secret field prints. Its `Redacted(&field)` prints `<redacted>` in
/// place of each value and keeps the shape around it.
fn helper_module() -> Item {
    let helpers = syn::Ident::new(HELPERS, proc_macro2::Span::call_site());
    parse_quote! {
        /// `Debug` of secret fields (the `secret-fields` codegen rule): `<redacted>` in place of
        /// each value; `Some`/`None`, a builder's `Ok`/`Err`, list entries and map keys shown.
        mod #helpers {
            /// A secret field, printed by [`RedactedDebug`].
            pub(super) struct Redacted<'a, T: ?Sized>(pub(super) &'a T);

            impl<T: ?Sized + RedactedDebug> ::std::fmt::Debug for Redacted<'_, T> {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    self.0.fmt_redacted(f)
                }
            }

            /// How a secret value prints in place of itself.
            pub(super) trait RedactedDebug {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result;
            }

            /// What a secret value prints as.
            pub(super) struct Hidden;

            impl ::std::fmt::Debug for Hidden {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str("<redacted>")
                }
            }

            impl<T: RedactedDebug> RedactedDebug for ::std::option::Option<T> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        Some(value) => f.debug_tuple("Some").field(&Redacted(value)).finish(),
                        None => f.write_str("None"),
                    }
                }
            }

            impl<T: RedactedDebug, E: ::std::fmt::Debug> RedactedDebug for ::std::result::Result<T, E> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        Ok(value) => f.debug_tuple("Ok").field(&Redacted(value)).finish(),
                        // A builder's error text ("no value supplied for …"), never the value.
                        Err(error) => f.debug_tuple("Err").field(error).finish(),
                    }
                }
            }

            impl<T: RedactedDebug> RedactedDebug for ::std::vec::Vec<T> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_list().entries(self.iter().map(Redacted)).finish()
                }
            }

            impl<T: ?Sized + RedactedDebug> RedactedDebug for ::std::boxed::Box<T> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    (**self).fmt_redacted(f)
                }
            }

            impl<K: ::std::fmt::Debug, V> RedactedDebug for ::std::collections::HashMap<K, V> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_map().entries(self.keys().map(|k| (k, Hidden))).finish()
                }
            }

            impl<K: ::std::fmt::Debug, V> RedactedDebug for ::std::collections::BTreeMap<K, V> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_map().entries(self.keys().map(|k| (k, Hidden))).finish()
                }
            }

            impl RedactedDebug for ::serde_json::Map<::std::string::String, ::serde_json::Value> {
                fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_map().entries(self.keys().map(|k| (k, Hidden))).finish()
                }
            }
        }
    }
}

/// `impl RedactedDebug for <leaf>` (in `types`, where the leaf's spelling is valid): the whole
/// value prints as `<redacted>`.
fn leaf_impl(leaf: &Type) -> Item {
    let helpers = syn::Ident::new(HELPERS, proc_macro2::Span::call_site());
    parse_quote! {
        impl #helpers::RedactedDebug for #leaf {
            fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&#helpers::Hidden, f)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credential_names_are_recognised_in_every_spelling() {
        for name in [
            "token",
            "webhookToken",
            "access_token",
            "apiKey",
            "x-api-key",
            "X_API_KEY",
            "clientSecret",
            "password",
            "Authorization",
            "auth",
            "Set-Cookie",
            "x-private-key",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in [
            "key",
            "value",
            "name",
            "headers",
            "url",
            "tokens_used",
            "keyword",
            "authorName",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    fn found(document: &Value) -> Vec<(String, String, Why)> {
        secret_properties(document)
            .into_iter()
            .map(|s| (s.schema, s.property, s.why))
            .collect()
    }

    #[test]
    fn finds_credentials_header_entry_values_and_header_maps() {
        let document = json!({
            "paths": {"/calls/web": {"post": {
                "operationId": "startWeb",
                "responses": {"201": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"success": {"type": "boolean"}, "token": {"type": "string"}}
                }}}}}
            }}},
            "components": {"schemas": {
                "Header": {"type": "object", "properties": {
                    "key": {"type": "string"}, "value": {"type": "string"}
                }},
                "Tool": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "headers": {"type": "array", "items": {"$ref": "#/components/schemas/Header"}},
                    "config": {"type": "object", "properties": {
                        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                        "webhookToken": {"type": "string"}
                    }}
                }},
                "Hook": {"type": "object", "properties": {
                    "headers": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "value": {"type": "string"}
                    }}}
                }},
                "Discount": {"type": "object", "properties": {
                    "key": {"type": "string"}, "value": {"type": "number"}
                }}
            }}
        });
        assert_eq!(
            found(&document),
            [
                (
                    "components.schemas.Header".to_string(),
                    "value".to_string(),
                    Why::HeaderValue
                ),
                (
                    "components.schemas.Tool.config".into(),
                    "headers".into(),
                    Why::Headers
                ),
                (
                    "components.schemas.Tool.config".into(),
                    "webhookToken".into(),
                    Why::CredentialName
                ),
                (
                    "components.schemas.Hook.headers[]".into(),
                    "value".into(),
                    Why::HeaderValue
                ),
                (
                    "POST /calls/web response 201 (application/json)".into(),
                    "token".into(),
                    Why::CredentialName
                ),
            ],
            "a `{{key, value}}` object outside `headers` (Discount) is not a header"
        );
        let header = &secret_properties(&document)[0];
        assert_eq!(
            header.properties,
            BTreeSet::from(["key".to_string(), "value".to_string()])
        );
    }

    #[test]
    fn headers_that_are_not_entries_are_secret_as_a_whole() {
        let document = json!({"components": {"schemas": {
            "Lines": {"type": "object", "properties": {
                "headers": {"type": "array", "items": {"type": "string"}}
            }},
            "Plan": {"type": "object", "properties": {
                "headers": {"$ref": "#/components/schemas/HeaderMap"}
            }},
            "HeaderMap": {"type": "object", "additionalProperties": {"type": "string"}}
        }}});
        assert_eq!(
            found(&document),
            [
                (
                    "components.schemas.Lines".to_string(),
                    "headers".to_string(),
                    Why::Headers
                ),
                (
                    "components.schemas.Plan".into(),
                    "headers".into(),
                    Why::Headers
                ),
            ]
        );
    }

    fn sample() -> File {
        parse_quote! {
            pub mod types {
                #[derive(::serde::Serialize, Clone, Debug)]
                pub struct Header {
                    pub key: ::std::string::String,
                    pub value: ::std::string::String,
                }
                #[derive(::serde::Serialize, Clone, Debug, Default)]
                pub struct Hook {
                    #[serde(rename = "webhookToken")]
                    pub webhook_token: ::std::option::Option<::std::string::String>,
                    pub r#type: ::std::option::Option<Kind>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Serialize, Clone, Debug)]
                pub struct Discount {
                    pub key: ::std::string::String,
                    pub value: f64,
                    pub code: ::std::string::String,
                }
                pub mod builder {
                    #[derive(Clone, Debug)]
                    pub struct Header {
                        key: ::std::result::Result<::std::string::String, ::std::string::String>,
                        value: ::std::result::Result<::std::string::String, ::std::string::String>,
                    }
                    #[derive(Clone, Debug)]
                    pub struct Discount {
                        key: ::std::result::Result<::std::string::String, ::std::string::String>,
                    }
                }
            }
        }
    }

    fn site(schema: &str, properties: &[&str], property: &str, why: Why) -> SecretProperty {
        SecretProperty {
            schema: schema.into(),
            properties: properties.iter().map(|p| p.to_string()).collect(),
            property: property.into(),
            why,
        }
    }

    #[test]
    fn structs_matching_a_secret_schema_get_a_redacting_debug() {
        let mut file = sample();
        let secrets = [
            site(
                "components.schemas.Header",
                &["key", "value"],
                "value",
                Why::HeaderValue,
            ),
            site(
                "components.schemas.Hook",
                &["type", "webhookToken"],
                "webhookToken",
                Why::CredentialName,
            ),
            site(
                "components.schemas.Gone",
                &["token"],
                "token",
                Why::CredentialName,
            ),
        ];
        let outcome = redact_secret_fields(&mut file, &secrets);
        let text = quote!(#file).to_string();

        assert_eq!(
            outcome.redacted,
            [
                RedactedType {
                    type_name: "Header".into(),
                    fields: vec![(
                        "value".into(),
                        Why::HeaderValue,
                        "components.schemas.Header".into()
                    )],
                    builder: true,
                },
                RedactedType {
                    type_name: "Hook".into(),
                    fields: vec![(
                        "webhookToken".into(),
                        Why::CredentialName,
                        "components.schemas.Hook".into()
                    )],
                    builder: false,
                },
            ]
        );
        assert_eq!(outcome.unmatched, [secrets[2].clone()]);

        // The derived Debug goes, every other derive stays; unmatched structs keep theirs.
        assert!(
            text.contains("# [derive (:: serde :: Serialize , Clone)] pub struct Header"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (:: serde :: Serialize , Clone , Default)] pub struct Hook"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (:: serde :: Serialize , Clone , Debug)] pub struct Discount"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (Clone , Debug)] pub struct Discount"),
            "{text}"
        );
        // Secret fields print through the helper, the others as before (raw idents unraw'd,
        // the flattened map kept).
        assert!(
            text.contains(
                "f . debug_struct (\"Header\") . field (\"key\" , & self . key) . field (\"value\" , & secret_debug :: Redacted (& self . value)) . finish ()"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                ". field (\"webhook_token\" , & secret_debug :: Redacted (& self . webhook_token)) . field (\"type\" , & self . r#type) . field (\"extra\" , & self . extra)"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                ". field (\"value\" , & super :: secret_debug :: Redacted (& self . value))"
            ),
            "the builder reaches the helpers one level up: {text}"
        );
        // One helper module and one leaf impl for the innermost type (String, once).
        assert_eq!(text.matches("mod secret_debug").count(), 1, "{text}");
        assert_eq!(
            text.matches("impl secret_debug :: RedactedDebug for")
                .count(),
            1,
            "{text}"
        );
        assert!(
            text.contains("impl secret_debug :: RedactedDebug for :: std :: string :: String"),
            "{text}"
        );
    }

    #[test]
    fn nothing_changes_without_a_matching_struct() {
        let mut file = sample();
        let before = quote!(#file).to_string();
        let secrets = [site(
            "components.schemas.Header",
            &["key", "value", "extra_property"],
            "value",
            Why::HeaderValue,
        )];
        let outcome = redact_secret_fields(&mut file, &secrets);
        assert!(outcome.redacted.is_empty());
        assert_eq!(outcome.unmatched.len(), 1);
        assert_eq!(quote!(#file).to_string(), before, "no helpers either");
        let lines = outcome.report_lines();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].0, "components.schemas.Header");
        assert!(lines[0].1.starts_with("NOT redacted"), "{}", lines[0].1);
    }

    #[test]
    fn leaves_are_found_below_options_lists_boxes_and_results() {
        let mut leaves = Vec::new();
        for ty in [
            quote!(::std::option::Option<::std::vec::Vec<::std::string::String>>),
            quote!(::std::result::Result<::std::string::String, ::std::string::String>),
            quote!(::std::option::Option<::std::boxed::Box<Secret>>),
            quote!(::std::collections::HashMap<::std::string::String, Value>),
            quote!(f64),
        ] {
            collect_leaves(&syn::parse2(ty).unwrap(), &mut leaves);
        }
        let leaves: Vec<String> = leaves
            .iter()
            .map(|l| l.to_token_stream().to_string())
            .collect();
        assert_eq!(leaves, [":: std :: string :: String", "Secret", "f64"]);
    }

    #[test]
    fn report_lines_name_type_fields_and_reason() {
        let outcome = Outcome {
            redacted: vec![RedactedType {
                type_name: "ToolHeader".into(),
                fields: vec![(
                    "value".into(),
                    Why::HeaderValue,
                    "components.schemas.ToolHeader".into(),
                )],
                builder: true,
            }],
            unmatched: Vec::new(),
        };
        assert_eq!(
            outcome.report_lines(),
            [(
                "ToolHeader".to_string(),
                "Debug of the type and its builder prints <redacted> for value (value of a header \
                 entry under `headers`; components.schemas.ToolHeader)"
                    .to_string()
            )]
        );
    }
}

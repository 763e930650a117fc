//! Post-processing of the generated code: builder setters of optional fields take the value.
//!
//! typify's builder setter for an `Option<T>` field takes `TryInto<Option<T>>`, so
//! `.last_name("Doe")` (a `&str` is not an `Option<String>`) and
//! `.config(VariantConfigs::builder()…)` (a builder is not an `Option`) don't compile, and the
//! caller writes `Some(…)` and builds nested values by hand. This pass makes every such setter of
//! the `types::builder` builders take anything convertible to `T` (`TryInto<T>`: `&str` for a
//! `String`, a nested builder, the value itself) and store `Some`. Conversion and nested-build
//! errors are kept and reported by `build`/`try_from`, as before.
//!
//! Leaving a field unset needs nothing (builders start with every optional field `None`). To
//! forward an `Option` the caller already has, or to clear a field set earlier on a cloned
//! builder, each such setter gets a companion `set_<field>(Option<T>)` (the aws-sdk-rust
//! convention). The operation builders (`pub mod builder`) already take `TryInto<T>` for an
//! optional query or header parameter and store `Some`; they get the same `set_<param>`
//! companion so both kinds of builder read the same, and both setters of a parameter are
//! documented with its wire name and the server's default when the spec gives one
//! (`ListShowcaseCalls::category`: `all`).

use std::collections::BTreeMap;

use quote::format_ident;
use serde_json::Value;
use syn::ext::IdentExt;
use syn::{
    Fields, File, GenericArgument, Ident, ImplItem, Item, ItemImpl, PathArguments, Type,
    parse_quote,
};

use crate::extra_fields::module_items;
use crate::preprocess::doc;

/// An optional parameter of an operation, as the spec gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterFacts {
    /// Its name on the wire (`numberType`, `x-api-key`).
    pub wire_name: String,
    /// Where it goes: `query`, `header`, ….
    pub location: String,
    /// The spec's `default`, as JSON.
    pub default: Option<String>,
}

/// The optional parameters of every operation, keyed by (operation builder name, parameter's
/// Rust name), as progenitor names them.
pub fn optional_parameters(document: &Value) -> BTreeMap<(String, String), ParameterFacts> {
    let mut found = BTreeMap::new();
    for location in doc::operations(document) {
        let Some(operation) = doc::operation(document, &location) else {
            continue;
        };
        let Some(operation_id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let path_level = document["paths"][&location.path]
            .get("parameters")
            .and_then(Value::as_array);
        let own = operation.get("parameters").and_then(Value::as_array);
        for parameter in path_level.into_iter().chain(own).flatten() {
            let parameter = doc::resolve(document, parameter);
            if parameter.get("required").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                continue;
            };
            let schema = doc::resolve(document, &parameter["schema"]);
            found.insert(
                (doc::pascal(operation_id), doc::snake(name)),
                ParameterFacts {
                    wire_name: name.to_string(),
                    location: parameter["in"].as_str().unwrap_or("query").to_string(),
                    default: schema.get("default").map(Value::to_string),
                },
            );
        }
    }
    found
}

/// What the pass changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// `Type.field` of every `types::builder` setter that now takes the value, in file order.
    pub type_setters: Vec<String>,
    /// `Operation.param` of every operation builder parameter that gained `set_<param>`.
    pub operation_setters: Vec<String>,
    /// `Type.set_field` companions left out because a method of that name exists.
    pub skipped: Vec<String>,
}

/// Rewrites the optional-field setters of `types::builder` and adds the `set_<field>`
/// companions there and in the operation builders, whose setters get the rustdoc `parameters`
/// (from [`optional_parameters`]) gives.
pub fn take_values(
    file: &mut File,
    parameters: &BTreeMap<(String, String), ParameterFacts>,
) -> Outcome {
    let mut outcome = Outcome::default();
    if let Some(types) = module_items(&mut file.items, "types")
        && let Some(builders) = module_items(types, "builder")
    {
        rewrite_builders(
            builders,
            None,
            &mut outcome.type_setters,
            &mut outcome.skipped,
        );
    }
    if let Some(operations) = module_items(&mut file.items, "builder") {
        rewrite_builders(
            operations,
            Some(parameters),
            &mut outcome.operation_setters,
            &mut outcome.skipped,
        );
    }
    outcome
}

/// For every builder struct of `items` with `Result<Option<T>, String>` fields: for the type
/// builders (`parameters` is `None`), replaces the setter of that name by one taking
/// `TryInto<T>`; for the operation builders, documents the setter from `parameters`; always
/// adds `set_<field>(Option<T>)`.
fn rewrite_builders(
    items: &mut [Item],
    parameters: Option<&BTreeMap<(String, String), ParameterFacts>>,
    changed: &mut Vec<String>,
    skipped: &mut Vec<String>,
) {
    let optional: Vec<(String, Vec<(Ident, Type)>)> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => {
                let Fields::Named(named) = &s.fields else {
                    return None;
                };
                let fields: Vec<(Ident, Type)> = named
                    .named
                    .iter()
                    .filter_map(|f| Some((f.ident.clone()?, result_option_inner(&f.ty)?)))
                    .collect();
                (!fields.is_empty()).then(|| (s.ident.to_string(), fields))
            }
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let Some(target) = impl_target(imp) else {
            continue;
        };
        let Some((_, fields)) = optional.iter().find(|(name, _)| *name == target) else {
            continue;
        };
        // Only the impl holding the setters (not e.g. a hand-added one).
        if !fields.iter().any(|(field, _)| has_fn(imp, field)) {
            continue;
        }
        for (field, inner) in fields {
            if !has_fn(imp, field) {
                continue;
            }
            let facts = parameters.and_then(|p| p.get(&(target.clone(), field.to_string())));
            match parameters {
                None => replace_fn(imp, field, value_setter(field, inner)),
                Some(_) => document_parameter_setter(imp, field, facts),
            }
            let companion = format_ident!("set_{}", field.unraw());
            if has_fn(imp, &companion) {
                skipped.push(format!("{target}.{companion}"));
                continue;
            }
            let doc = match parameters {
                None => format!(
                    "Sets `{}` from an `Option`: `Some` sets it, `None` leaves it unset (clearing \
                     an earlier value), so the server's default applies.",
                    field.unraw()
                ),
                Some(_) => format!(
                    "Sets {} from an `Option`: `Some` sets it, `None` leaves it unset (clearing an \
                     earlier value): it is not sent and the server's default applies{}.",
                    parameter_label(field, facts),
                    default_suffix(facts)
                ),
            };
            imp.items
                .push(option_setter(&companion, field, inner, &doc));
            changed.push(format!("{target}.{}", field.unraw()));
        }
    }
}

/// `T` of `Result<Option<T>, _>`.
fn result_option_inner(ty: &Type) -> Option<Type> {
    let result = single_generic(ty, "Result", false)?;
    single_generic(&result, "Option", true)
}

/// The first type argument of `ty` when its last path segment is `name` (and, when `only`, it
/// has exactly one).
fn single_generic(ty: &Type, name: &str, only: bool) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let segment = p.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    if only && args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

pub(crate) fn impl_target(imp: &ItemImpl) -> Option<String> {
    match imp.self_ty.as_ref() {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn has_fn(imp: &ItemImpl, name: &Ident) -> bool {
    imp.items
        .iter()
        .any(|member| matches!(member, ImplItem::Fn(f) if f.sig.ident == *name))
}

fn replace_fn(imp: &mut ItemImpl, name: &Ident, with: ImplItem) {
    for member in imp.items.iter_mut() {
        if matches!(member, ImplItem::Fn(f) if f.sig.ident == *name) {
            *member = with;
            return;
        }
    }
}

/// The setter taking the value: `TryInto<T>`, stored as `Some`, errors kept as typify keeps
/// them (same message).
fn value_setter(field: &Ident, inner: &Type) -> ImplItem {
    let name = field.unraw().to_string();
    let failure = format!("error converting supplied value for {name}: {{e}}");
    let doc = format!(
        "Sets `{name}`. Takes the value or anything that converts into it (`&str` for a \
         string, a nested builder); a failed conversion is reported by the build."
    );
    parse_quote! {
        #[doc = #doc]
        pub fn #field<T>(mut self, value: T) -> Self
        where
            T: ::std::convert::TryInto<#inner>,
            T::Error: ::std::fmt::Display,
        {
            self.#field = value
                .try_into()
                .map(::std::option::Option::Some)
                .map_err(|e| format!(#failure));
            self
        }
    }
}

/// `the `limit` query parameter`, or the Rust name when the spec does not say.
fn parameter_label(field: &Ident, facts: Option<&ParameterFacts>) -> String {
    match facts {
        Some(f) => format!("the `{}` {} parameter", f.wire_name, f.location),
        None => format!("`{}`", field.unraw()),
    }
}

/// ` (`20`)` when the spec gives a default.
fn default_suffix(facts: Option<&ParameterFacts>) -> String {
    match facts.and_then(|f| f.default.as_ref()) {
        Some(default) => format!(" (`{default}`)"),
        None => String::new(),
    }
}

/// Gives progenitor's undocumented setter of an optional parameter its rustdoc.
fn document_parameter_setter(imp: &mut ItemImpl, field: &Ident, facts: Option<&ParameterFacts>) {
    let doc = format!(
        "Sets {}. Unset, it is not sent and the server's default applies{}.",
        parameter_label(field, facts),
        default_suffix(facts)
    );
    for member in imp.items.iter_mut() {
        if let ImplItem::Fn(f) = member
            && f.sig.ident == *field
            && !f.attrs.iter().any(|a| a.path().is_ident("doc"))
        {
            f.attrs.insert(0, parse_quote!(#[doc = #doc]));
        }
    }
}

/// `set_<field>(Option<T>)`: forwards an `Option`, `None` clears the field.
fn option_setter(companion: &Ident, field: &Ident, inner: &Type, doc: &str) -> ImplItem {
    parse_quote! {
        #[doc = #doc]
        pub fn #companion(mut self, value: ::std::option::Option<#inner>) -> Self {
            self.#field = Ok(value);
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn sample() -> File {
        parse_quote! {
            pub mod types {
                pub mod builder {
                    pub struct Customer {
                        first_name: ::std::result::Result<::std::string::String, ::std::string::String>,
                        last_name: ::std::result::Result<
                            ::std::option::Option<::std::string::String>,
                            ::std::string::String,
                        >,
                        address: ::std::result::Result<
                            ::std::option::Option<super::Address>,
                            ::std::string::String,
                        >,
                        tags: ::std::result::Result<::std::vec::Vec<::std::string::String>, ::std::string::String>,
                    }
                    impl Customer {
                        pub fn first_name<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::string::String>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.first_name = value.try_into().map_err(|e| format!("{e}"));
                            self
                        }
                        pub fn last_name<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.last_name = value.try_into().map_err(|e| format!("{e}"));
                            self
                        }
                        pub fn address<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<super::Address>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.address = value.try_into().map_err(|e| format!("{e}"));
                            self
                        }
                        pub fn set_address(self) -> Self {
                            self
                        }
                    }
                }
            }
            pub mod builder {
                pub struct ListCalls<'a> {
                    client: &'a super::Client,
                    category: Result<Option<types::Category>, String>,
                    id: Result<::std::string::String, String>,
                }
                impl<'a> ListCalls<'a> {
                    pub fn category<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::Category>,
                    {
                        self.category = value.try_into().map(Some).map_err(|_| "bad".to_string());
                        self
                    }
                }
            }
        }
    }

    #[test]
    fn optional_setters_take_the_value_and_gain_a_set_companion() {
        let mut file = sample();
        let outcome = take_values(&mut file, &BTreeMap::new());
        assert_eq!(
            outcome,
            Outcome {
                type_setters: vec!["Customer.last_name".into()],
                operation_setters: vec!["ListCalls.category".into()],
                skipped: vec!["Customer.set_address".into()],
            }
        );
        let text = quote!(#file).to_string();
        // The optional setters take `TryInto<T>` and store `Some`.
        assert!(
            text.contains("pub fn last_name < T > (mut self , value : T) -> Self where T : :: std :: convert :: TryInto < :: std :: string :: String >"),
            "{text}"
        );
        assert!(
            text.contains("T : :: std :: convert :: TryInto < super :: Address >"),
            "{text}"
        );
        assert_eq!(
            text.matches(". map (:: std :: option :: Option :: Some)")
                .count(),
            2,
            "{text}"
        );
        assert!(
            text.contains("error converting supplied value for last_name: {e}"),
            "{text}"
        );
        // A required field's setter and a non-optional one are untouched.
        assert!(
            text.contains("T : :: std :: convert :: TryInto < :: std :: string :: String > , T :: Error : :: std :: fmt :: Display , { self . first_name = value . try_into () . map_err"),
            "{text}"
        );
        // Companions: exactly typed `Option<T>`, stored as given.
        assert!(
            text.contains("pub fn set_last_name (mut self , value : :: std :: option :: Option < :: std :: string :: String >) -> Self { self . last_name = Ok (value) ; self }"),
            "{text}"
        );
        assert!(
            text.contains("pub fn set_category (mut self , value : :: std :: option :: Option < types :: Category >) -> Self { self . category = Ok (value) ; self }"),
            "{text}"
        );
        // The existing method of that name is kept, not duplicated.
        assert_eq!(text.matches("fn set_address").count(), 1, "{text}");
        assert!(!text.contains("fn set_first_name"), "{text}");
        assert!(!text.contains("fn set_id"), "{text}");
        assert!(!text.contains("fn set_tags"), "{text}");
    }

    #[test]
    fn operation_setters_are_documented_with_the_wire_name_and_the_spec_default() {
        let document = serde_json::json!({"paths": {"/v1/calls": {
            "parameters": [{"name": "x-trace", "in": "header", "schema": {"type": "string"}}],
            "get": {"operationId": "listCalls", "parameters": [
                {"name": "category", "in": "query", "required": false,
                 "schema": {"type": "string", "default": "all"}},
                {"name": "id", "in": "query", "required": true, "schema": {"type": "string"}}
            ]}
        }}});
        let parameters = optional_parameters(&document);
        let keys: Vec<(&str, &str)> = parameters
            .keys()
            .map(|(o, p)| (o.as_str(), p.as_str()))
            .collect();
        assert_eq!(keys, [("ListCalls", "category"), ("ListCalls", "x_trace")]);
        assert_eq!(
            parameters[&("ListCalls".to_string(), "x_trace".to_string())],
            ParameterFacts {
                wire_name: "x-trace".into(),
                location: "header".into(),
                default: None
            }
        );
        let mut file = sample();
        take_values(&mut file, &parameters);
        let text = quote!(#file).to_string();
        assert!(
            text.contains("# [doc = \"Sets the `category` query parameter. Unset, it is not sent and the server's default applies (`\\\"all\\\"`).\"] pub fn category < V >"),
            "{text}"
        );
        assert!(
            text.contains("Sets the `category` query parameter from an `Option`: `Some` sets it, `None` leaves it unset (clearing an earlier value): it is not sent and the server's default applies (`\\\"all\\\"`).\"] pub fn set_category"),
            "{text}"
        );
    }

    #[test]
    fn nothing_changes_without_optional_fields() {
        let mut file: File = parse_quote! {
            pub mod types {
                pub mod builder {
                    pub struct Id { value: ::std::result::Result<::std::string::String, ::std::string::String> }
                    impl Id {
                        pub fn value<T>(mut self, value: T) -> Self { self }
                    }
                }
            }
        };
        let before = quote!(#file).to_string();
        assert_eq!(take_values(&mut file, &BTreeMap::new()), Outcome::default());
        assert_eq!(quote!(#file).to_string(), before);
    }
}

//! Post-processing of the generated code: required fields at compile time.
//!
//! typify's builders check required fields when `build`/`try_from` runs, one missing field at a
//! time. This pass gives every generated struct with named fields
//! `impl X { pub fn new(<required fields>) -> Self }`, each required field taken as
//! `impl Into<FieldType>`, so a missing one does not compile; optional fields start unset
//! (`None`, the server's default applies), fields with a serde default start at that default.
//! Every other field gets a chainable, infallible setter of the same name taking
//! `impl Into<T>` (an `Option<T>` field stores `Some`).
//!
//! - Argument order: the spec's `required` list, read from the (preprocessed) document's object
//!   schema whose property and required names are exactly the struct's; alphabetical (by JSON
//!   name) when no single schema matches (e.g. a type typify merged from `allOf`). `new`'s
//!   rustdoc says which.
//! - Constrained newtypes (`AdminAssistantRequestName`, checked by `FromStr`/`TryFrom<&str>`,
//!   no `From<String>`): `new` takes the checked type, made with `"…".parse()` or `try_from`, so
//!   the spec's constraint is still checked and reported as an error, never a panic. The rustdoc
//!   of `new` names such arguments.
//! - Name collisions: a type that already has a `new` is left as it is; a setter whose name is
//!   taken (an existing method, or a field called `new`) is left out, the field stays public.
//!   Both are reported.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use serde_json::Value;
use syn::ext::IdentExt;
use syn::{
    Attribute, Expr, Fields, File, GenericArgument, Ident, ImplItem, Item, ItemImpl, PathArguments,
    Type, parse_quote,
};

use crate::extra_fields::{module_items, serde_rename};

/// An object schema's sorted property names and sorted required names.
type SchemaNames = (Vec<String>, Vec<String>);

/// Object schemas of the spec by their names, with the order of their `required` list; `None`
/// when schemas with the same names list them differently.
#[derive(Debug, Default)]
pub struct RequiredOrders(BTreeMap<SchemaNames, Option<Vec<String>>>);

impl RequiredOrders {
    /// The spec's order of `required` for an object with these property names, if one is known.
    fn order(&self, properties: &[String], required: &[String]) -> Option<&[String]> {
        let mut properties = properties.to_vec();
        properties.sort();
        let mut required = required.to_vec();
        required.sort();
        self.0.get(&(properties, required))?.as_deref()
    }
}

/// Reads the `required` order of every object schema of `document`, wherever it is declared
/// (components, inline request bodies, responses, nested properties).
pub fn required_orders(document: &Value) -> RequiredOrders {
    let mut orders = RequiredOrders::default();
    visit(document, &mut orders);
    orders
}

fn visit(value: &Value, orders: &mut RequiredOrders) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::Object(properties)), Some(Value::Array(required))) =
                (map.get("properties"), map.get("required"))
            {
                let order: Vec<String> = required
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect();
                let mut names: Vec<String> = properties.keys().cloned().collect();
                names.sort();
                let mut sorted = order.clone();
                sorted.sort();
                let entry = orders
                    .0
                    .entry((names, sorted))
                    .or_insert(Some(order.clone()));
                if entry.as_ref() != Some(&order) {
                    *entry = None;
                }
            }
            map.values().for_each(|v| visit(v, orders));
        }
        Value::Array(items) => items.iter().for_each(|v| visit(v, orders)),
        _ => {}
    }
}

/// What the pass changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Types that gained `new`, in file order.
    pub constructed: Vec<String>,
    /// How many optional-field setters were added.
    pub setters: usize,
    /// Types with two or more required fields whose arguments follow the spec's `required` list.
    pub spec_order: Vec<String>,
    /// Types with two or more required fields whose arguments are in alphabetical order (no
    /// single spec schema matched).
    pub alphabetical: Vec<String>,
    /// What was left out and why, `Type` or `Type.method: reason`.
    pub skipped: Vec<String>,
}

/// How a field starts in `new` when the caller does not give it.
enum Start {
    /// A required field: an argument of `new`.
    Required,
    /// `Option<T>`: `None`.
    Unset(Type),
    /// `#[serde(default = "path")]`: that function's value.
    SpecDefault(syn::ExprPath),
    /// `#[serde(default)]` or a flattened map: `Default::default()`.
    TypeDefault,
}

struct FieldFacts {
    ident: Ident,
    ty: Type,
    json: String,
    docs: Vec<Attribute>,
    start: Start,
    /// typify's `#[serde(flatten)]` map of extra properties: not a property of the schema.
    flattened: bool,
}

/// Adds `new` and the optional-field setters to every struct of `types` with named fields.
pub fn add_constructors(file: &mut File, orders: &RequiredOrders) -> Outcome {
    let mut outcome = Outcome::default();
    let Some(types) = module_items(&mut file.items, "types") else {
        return outcome;
    };
    let required_by_builder = builder_required_fields(types);
    let defaults = default_functions(types);
    let checked = checked_newtypes(types);
    let mut additions: Vec<(usize, Item)> = Vec::new();
    for (index, item) in types.iter().enumerate() {
        let Item::Struct(s) = item else { continue };
        if !s.generics.params.is_empty() {
            continue;
        }
        let Fields::Named(named) = &s.fields else {
            continue;
        };
        let name = s.ident.to_string();
        let taken = inherent_names(types, &name);
        if taken.iter().any(|t| t == "new") {
            outcome.skipped.push(format!("{name}: already has `new`"));
            continue;
        }
        let required = required_by_builder.get(&name);
        let fields: Vec<FieldFacts> = named
            .named
            .iter()
            .filter_map(|f| field_facts(f, required))
            .collect();
        let (ordered, in_spec_order) = argument_order(&fields, orders);
        if ordered.len() >= 2 {
            if in_spec_order {
                outcome.spec_order.push(name.clone());
            } else {
                outcome.alphabetical.push(name.clone());
            }
        }
        let mut setters = Vec::new();
        for field in fields
            .iter()
            .filter(|f| !matches!(f.start, Start::Required))
        {
            let setter = field.ident.unraw().to_string();
            if setter == "new" || taken.contains(&setter) {
                outcome
                    .skipped
                    .push(format!("{name}.{setter}: a method of that name exists"));
                continue;
            }
            setters.push(setter_fn(field, &defaults));
        }
        outcome.setters += setters.len();
        let constructor = constructor_fn(&fields, &ordered, in_spec_order, &checked);
        let ident = &s.ident;
        additions.push((
            index,
            parse_quote! {
                impl #ident {
                    #constructor
                    #(#setters)*
                }
            },
        ));
        outcome.constructed.push(name);
    }
    for (index, item) in additions.into_iter().rev() {
        types.insert(index + 1, item);
    }
    outcome
}

/// Per builder struct, which fields its `Default` starts as `Err("no value supplied …")`.
fn builder_required_fields(types: &mut [Item]) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    let Some(builders) = module_items(types, "builder") else {
        return found;
    };
    for item in builders.iter() {
        let Item::Impl(imp) = item else { continue };
        let Some(target) = default_impl_target(imp) else {
            continue;
        };
        for member in &imp.items {
            let ImplItem::Fn(f) = member else { continue };
            let Some(syn::Stmt::Expr(Expr::Struct(init), _)) = f.block.stmts.last() else {
                continue;
            };
            let required = init
                .fields
                .iter()
                .filter(|fv| is_err_call(&fv.expr))
                .filter_map(|fv| match &fv.member {
                    syn::Member::Named(i) => Some(i.to_string()),
                    _ => None,
                })
                .collect();
            found.insert(target.clone(), required);
        }
    }
    found
}

fn is_err_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call)
        if matches!(call.func.as_ref(), Expr::Path(p) if p.path.is_ident("Err")))
}

/// `X` for `impl ::std::default::Default for X`.
fn default_impl_target(imp: &ItemImpl) -> Option<String> {
    let (_, path, _) = imp.trait_.as_ref()?;
    if path.segments.last()?.ident != "Default" {
        return None;
    }
    type_name(&imp.self_ty)
}

fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The value each function of `types::defaults` returns, as the text the rustdoc shows.
fn default_functions(types: &mut [Item]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let Some(defaults) = module_items(types, "defaults") else {
        return found;
    };
    for item in defaults.iter() {
        let Item::Fn(f) = item else { continue };
        if let Some(syn::Stmt::Expr(expr, None)) = f.block.stmts.last() {
            found.insert(f.sig.ident.to_string(), shown_value(expr));
        }
    }
    found
}

/// `super::Lang::En` → `Lang::En`, `"x".to_string()` → `"x"`.
fn shown_value(expr: &Expr) -> String {
    match expr {
        Expr::MethodCall(call) if call.method == "to_string" && call.args.is_empty() => {
            shown_value(&call.receiver)
        }
        Expr::Path(p) => p
            .path
            .segments
            .iter()
            .filter(|s| s.ident != "super")
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        other => other.to_token_stream().to_string(),
    }
}

/// Newtypes of `types` with no `From` of their inner value: only a checked conversion makes them.
fn checked_newtypes(types: &[Item]) -> Vec<String> {
    let newtypes: Vec<String> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if matches!(&s.fields, Fields::Unnamed(u) if u.unnamed.len() == 1) => {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .collect();
    newtypes
        .into_iter()
        .filter(|name| {
            !types.iter().any(|item| match item {
                Item::Impl(imp) => {
                    type_name(&imp.self_ty).as_deref() == Some(name.as_str())
                        && imp
                            .trait_
                            .as_ref()
                            .and_then(|(_, path, _)| path.segments.last())
                            .is_some_and(|s| s.ident == "From")
                }
                _ => false,
            })
        })
        .collect()
}

/// Names of the inherent methods and constants `types` already gives `name`.
fn inherent_names(types: &[Item], name: &str) -> Vec<String> {
    types
        .iter()
        .filter_map(|item| match item {
            Item::Impl(imp)
                if imp.trait_.is_none() && type_name(&imp.self_ty).as_deref() == Some(name) =>
            {
                Some(imp.items.iter().filter_map(|member| match member {
                    ImplItem::Fn(f) => Some(f.sig.ident.unraw().to_string()),
                    ImplItem::Const(c) => Some(c.ident.unraw().to_string()),
                    _ => None,
                }))
            }
            _ => None,
        })
        .flatten()
        .collect()
}

fn field_facts(field: &syn::Field, required: Option<&Vec<String>>) -> Option<FieldFacts> {
    let ident = field.ident.clone()?;
    let json = serde_rename(&field.attrs).unwrap_or_else(|| ident.unraw().to_string());
    let docs = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let serde_default = serde_default(&field.attrs);
    let flattened = field
        .attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && a.to_token_stream().to_string().contains("flatten"));
    let option = single_generic(&field.ty, "Option");
    let is_required = match required {
        Some(required) => required.contains(&ident.to_string()),
        None => option.is_none() && serde_default.is_none() && !flattened,
    };
    let start = if is_required {
        Start::Required
    } else if let Some(inner) = option {
        Start::Unset(inner)
    } else if let Some(Some(path)) = serde_default {
        Start::SpecDefault(path)
    } else {
        Start::TypeDefault
    };
    Some(FieldFacts {
        ident,
        ty: field.ty.clone(),
        json,
        docs,
        start,
        flattened,
    })
}

/// `Some(None)` for `#[serde(default)]`, `Some(Some(path))` for `#[serde(default = "path")]`.
fn serde_default(attrs: &[Attribute]) -> Option<Option<syn::ExprPath>> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    found = Some(value.parse::<syn::ExprPath>().ok());
                } else {
                    found = Some(None);
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _: Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

/// The type argument of `ty` when its last path segment is `name` with exactly one.
fn single_generic(ty: &Type, name: &str) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let segment = p.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match (args.args.len(), args.args.first()?) {
        (1, GenericArgument::Type(t)) => Some(t.clone()),
        _ => None,
    }
}

/// The required fields in argument order, and whether that order is the spec's.
fn argument_order<'a>(
    fields: &'a [FieldFacts],
    orders: &RequiredOrders,
) -> (Vec<&'a FieldFacts>, bool) {
    let required: Vec<&FieldFacts> = fields
        .iter()
        .filter(|f| matches!(f.start, Start::Required))
        .collect();
    let properties: Vec<String> = fields
        .iter()
        .filter(|f| !f.flattened)
        .map(|f| f.json.clone())
        .collect();
    let names: Vec<String> = required.iter().map(|f| f.json.clone()).collect();
    if let Some(order) = orders.order(&properties, &names) {
        let ordered: Vec<&FieldFacts> = order
            .iter()
            .filter_map(|json| required.iter().find(|f| f.json == *json).copied())
            .collect();
        if ordered.len() == required.len() {
            return (ordered, true);
        }
    }
    let mut ordered = required;
    ordered.sort_by(|a, b| a.json.cmp(&b.json));
    (ordered, false)
}

fn constructor_fn(
    fields: &[FieldFacts],
    ordered: &[&FieldFacts],
    in_spec_order: bool,
    checked: &[String],
) -> TokenStream {
    let arguments = ordered.iter().map(|f| {
        let (ident, ty) = (&f.ident, &f.ty);
        quote! { #ident: impl ::std::convert::Into<#ty> }
    });
    let inits = fields.iter().map(|f| {
        let ident = &f.ident;
        match &f.start {
            Start::Required => quote! { #ident: #ident.into() },
            Start::Unset(_) => quote! { #ident: ::std::option::Option::None },
            Start::SpecDefault(path) => quote! { #ident: #path() },
            Start::TypeDefault => quote! { #ident: ::std::default::Default::default() },
        }
    });
    let mut doc = vec![if ordered.is_empty() {
        "A value with every field unset or at its default (none is required).".to_string()
    } else {
        let listed: Vec<String> = ordered.iter().map(|f| format!("`{}`", f.json)).collect();
        let order = if in_spec_order {
            "in the order of the spec's `required` list"
        } else {
            "in alphabetical order (no single spec schema gives an order)"
        };
        format!(
            "Creates a value from its required fields, {order}: {}.",
            listed.join(", ")
        )
    }];
    if fields.iter().any(|f| !matches!(f.start, Start::Required)) {
        doc.push(String::new());
        doc.push(
            "Optional fields start unset, so the server's default applies, and fields with a \
             default in the spec start at it; each has a setter of the same name."
                .to_string(),
        );
    }
    let checked_arguments: Vec<String> = ordered
        .iter()
        .filter(|f| type_name(&f.ty).is_some_and(|t| checked.contains(&t)))
        .map(|f| format!("`{}`", f.ident.unraw()))
        .collect();
    if !checked_arguments.is_empty() {
        doc.push(String::new());
        doc.push(format!(
            "{} must meet the spec's constraints, so the argument is the checked type: make it \
             with `\"…\".parse()` or `try_from`, which return an error for a value the spec \
             does not allow.",
            checked_arguments.join(", ")
        ));
    }
    let doc = doc.iter().map(|line| quote! { #[doc = #line] });
    quote! {
        #(#doc)*
        pub fn new(#(#arguments),*) -> Self {
            Self { #(#inits),* }
        }
    }
}

fn setter_fn(field: &FieldFacts, defaults: &BTreeMap<String, String>) -> TokenStream {
    let ident = &field.ident;
    let docs = &field.docs;
    let gap = (!docs.is_empty()).then(|| quote! { #[doc = ""] });
    let (value_type, store, note) = match &field.start {
        Start::Unset(inner) => (
            inner.clone(),
            quote! { ::std::option::Option::Some(value.into()) },
            format!(
                "Sets `{}`. Unset (the default), it is not sent and the server's default applies.",
                field.json
            ),
        ),
        Start::SpecDefault(path) => (
            field.ty.clone(),
            quote! { value.into() },
            format!(
                "Sets `{}`. Starts at the spec's default, {}, which is sent unless changed.",
                field.json,
                spec_default_text(path, defaults)
            ),
        ),
        Start::TypeDefault if field.flattened => (
            field.ty.clone(),
            quote! { value.into() },
            "Sets the properties the spec does not name, replacing any set before. Starts empty."
                .to_string(),
        ),
        Start::TypeDefault => (
            field.ty.clone(),
            quote! { value.into() },
            format!(
                "Sets `{}`. Starts {}.",
                field.json,
                type_default_text(&field.ty)
            ),
        ),
        Start::Required => unreachable!("required fields are arguments of `new`"),
    };
    quote! {
        #[doc = #note]
        #gap
        #(#docs)*
        pub fn #ident(mut self, value: impl ::std::convert::Into<#value_type>) -> Self {
            self.#ident = #store;
            self
        }
    }
}

/// `defaults::default_bool::<true>` → `` `true` ``; `defaults::lang` → its value.
fn spec_default_text(path: &syn::ExprPath, defaults: &BTreeMap<String, String>) -> String {
    let Some(last) = path.path.segments.last() else {
        return "its default".to_string();
    };
    if let PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(GenericArgument::Const(value)) = args.args.last()
    {
        return format!("`{}`", value.to_token_stream());
    }
    match defaults.get(&last.ident.to_string()) {
        Some(value) => format!("`{value}`"),
        None => format!("`{}()`", path.to_token_stream()),
    }
}

fn type_default_text(ty: &Type) -> String {
    let name = type_name(ty).unwrap_or_default();
    match name.as_str() {
        "Vec" => "empty (not sent while empty)".to_string(),
        "Map" | "HashMap" | "BTreeMap" => "empty".to_string(),
        "bool" => "at `false`".to_string(),
        "i64" | "u64" | "i32" | "u32" | "f64" | "f32" => "at `0`".to_string(),
        _ => "at the type's default".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> File {
        parse_quote! {
            pub mod types {
                pub struct Customer {
                    pub first_name: ::std::string::String,
                    ///The family name.
                    #[serde(rename = "lastName", skip_serializing_if = "::std::option::Option::is_none")]
                    pub last_name: ::std::option::Option<::std::string::String>,
                    #[serde(rename = "isActive", default = "defaults::default_bool::<true>")]
                    pub is_active: bool,
                    #[serde(default = "defaults::customer_lang")]
                    pub lang: Lang,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    pub name: CustomerName,
                    pub age: i64,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                impl Customer {
                    pub fn builder() -> builder::Customer { Default::default() }
                }
                pub struct CustomerName(::std::string::String);
                pub struct Plan(pub ::std::collections::HashMap<String, String>);
                impl ::std::convert::From<::std::collections::HashMap<String, String>> for Plan {
                    fn from(value: ::std::collections::HashMap<String, String>) -> Self { Self(value) }
                }
                pub struct Odd {
                    pub builder: ::std::option::Option<i64>,
                    pub new: ::std::option::Option<i64>,
                    pub zeta: i64,
                    pub alpha: i64,
                }
                impl Odd {
                    pub fn builder() -> builder::Odd { Default::default() }
                }
                pub struct Made { pub x: i64 }
                impl Made { pub fn new() -> Self { Self { x: 0 } } }
                pub mod builder {
                    impl ::std::default::Default for Customer {
                        fn default() -> Self {
                            Self {
                                first_name: Err("no value supplied for first_name".to_string()),
                                last_name: Ok(Default::default()),
                                is_active: Ok(super::defaults::default_bool::<true>()),
                                lang: Ok(super::defaults::customer_lang()),
                                tags: Ok(Default::default()),
                                name: Err("no value supplied for name".to_string()),
                                age: Err("no value supplied for age".to_string()),
                                extra: Ok(Default::default()),
                            }
                        }
                    }
                }
                pub mod defaults {
                    pub(super) fn customer_lang() -> super::Lang {
                        super::Lang::En
                    }
                }
            }
        }
    }

    fn orders() -> RequiredOrders {
        required_orders(&json!({
            "components": { "schemas": { "Customer": {
                "type": "object",
                "required": ["name", "age", "first_name"],
                "properties": {
                    "first_name": {}, "lastName": {}, "isActive": {}, "lang": {}, "tags": {},
                    "name": {}, "age": {}
                }
            }}}
        }))
    }

    fn text(file: &File) -> String {
        prettyplease::unparse(file)
    }

    #[test]
    fn constructors_take_required_fields_in_spec_order() {
        let mut file = sample();
        let outcome = add_constructors(&mut file, &orders());
        assert_eq!(outcome.constructed, ["Customer", "Odd"]);
        assert_eq!(outcome.spec_order, ["Customer"]);
        assert_eq!(outcome.alphabetical, ["Odd"]);
        let text = text(&file);
        assert!(
            text.contains(
                "pub fn new(\n            name: impl ::std::convert::Into<CustomerName>,\n            age: impl ::std::convert::Into<i64>,\n            first_name: impl ::std::convert::Into<::std::string::String>,\n        ) -> Self {"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "in the order of the spec's `required` list: `name`, `age`, `first_name`."
            ),
            "{text}"
        );
        // Each field starts where the wire format says.
        assert!(text.contains("first_name: first_name.into(),"), "{text}");
        assert!(
            text.contains("last_name: ::std::option::Option::None,"),
            "{text}"
        );
        assert!(
            text.contains("is_active: defaults::default_bool::<true>(),"),
            "{text}"
        );
        assert!(text.contains("lang: defaults::customer_lang(),"), "{text}");
        assert!(
            text.contains("tags: ::std::default::Default::default(),"),
            "{text}"
        );
        // The checked newtype is named in the rustdoc; a newtype with `From` would not be.
        assert!(
            text.contains("`name` must meet the spec's constraints"),
            "{text}"
        );
        // The constructor sits right after its struct.
        let strukt = text.find("pub struct Customer {").unwrap();
        let constructor = text.find("pub fn new(\n            name").unwrap();
        let next = text.find("pub struct CustomerName").unwrap();
        assert!(strukt < constructor && constructor < next, "{text}");
    }

    #[test]
    fn optional_fields_get_infallible_setters_with_their_defaults_documented() {
        let mut file = sample();
        add_constructors(&mut file, &orders());
        let text = text(&file);
        assert!(
            text.contains(
                "pub fn last_name(\n            mut self,\n            value: impl ::std::convert::Into<::std::string::String>,\n        ) -> Self {\n            self.last_name = ::std::option::Option::Some(value.into());"
            ),
            "{text}"
        );
        assert!(
            text.contains("Sets `lastName`. Unset (the default), it is not sent and the server's default applies.\n        ///\n        ///The family name."),
            "{text}"
        );
        assert!(
            text.contains("pub fn is_active(mut self, value: impl ::std::convert::Into<bool>) -> Self {\n            self.is_active = value.into();"),
            "{text}"
        );
        assert!(
            text.contains("Sets `isActive`. Starts at the spec's default, `true`, which is sent unless changed."),
            "{text}"
        );
        assert!(
            text.contains("Starts at the spec's default, `Lang::En`,"),
            "{text}"
        );
        assert!(
            text.contains("Sets `tags`. Starts empty (not sent while empty)."),
            "{text}"
        );
        assert!(
            text.contains("///Sets the properties the spec does not name, replacing any set before. Starts empty.\n        pub fn extra("),
            "{text}"
        );
        // Required fields get no setter; they are arguments of `new`.
        assert!(!text.contains("pub fn first_name("), "{text}");
        assert!(!text.contains("pub fn age("), "{text}");
    }

    #[test]
    fn collisions_are_left_out_and_reported_and_unknown_orders_are_alphabetical() {
        let mut file = sample();
        let outcome = add_constructors(&mut file, &RequiredOrders::default());
        assert_eq!(
            outcome.skipped,
            [
                "Odd.builder: a method of that name exists",
                "Odd.new: a method of that name exists",
                "Made: already has `new`",
            ]
        );
        assert_eq!(outcome.alphabetical, ["Customer", "Odd"]);
        assert_eq!(outcome.setters, 5);
        let text = text(&file);
        assert!(
            text.contains("pub fn new(\n            alpha: impl ::std::convert::Into<i64>,\n            zeta: impl ::std::convert::Into<i64>,\n        ) -> Self {"),
            "{text}"
        );
        assert!(
            text.contains("in alphabetical order (no single spec schema gives an order): `age`, `first_name`, `name`."),
            "{text}"
        );
        assert_eq!(text.matches("fn new(").count(), 3, "{text}");
        assert_eq!(text.matches("fn builder(").count(), 2, "{text}");
    }

    #[test]
    fn schemas_listing_the_same_names_in_different_orders_give_no_order() {
        let orders = required_orders(&json!([
            { "properties": { "a": {}, "b": {} }, "required": ["a", "b"] },
            { "properties": { "a": {}, "b": {} }, "required": ["b", "a"] },
            { "properties": { "a": {}, "b": {}, "c": {} }, "required": ["b", "a"] },
        ]));
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(orders.order(&names(&["b", "a"]), &names(&["a", "b"])), None);
        assert_eq!(
            orders.order(&names(&["c", "b", "a"]), &names(&["a", "b"])),
            Some(&names(&["b", "a"])[..])
        );
    }
}

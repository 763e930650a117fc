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
//! companion so both kinds of builder read the same.

use quote::format_ident;
use syn::ext::IdentExt;
use syn::{
    Fields, File, GenericArgument, Ident, ImplItem, Item, ItemImpl, PathArguments, Type,
    parse_quote,
};

use crate::extra_fields::module_items;

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
/// companions there and in the operation builders.
pub fn take_values(file: &mut File) -> Outcome {
    let mut outcome = Outcome::default();
    if let Some(types) = module_items(&mut file.items, "types")
        && let Some(builders) = module_items(types, "builder")
    {
        rewrite_builders(
            builders,
            true,
            &mut outcome.type_setters,
            &mut outcome.skipped,
        );
    }
    if let Some(operations) = module_items(&mut file.items, "builder") {
        rewrite_builders(
            operations,
            false,
            &mut outcome.operation_setters,
            &mut outcome.skipped,
        );
    }
    outcome
}

/// For every builder struct of `items` with `Result<Option<T>, String>` fields: when
/// `rewrite_setter`, replaces the setter of that name by one taking `TryInto<T>`; always adds
/// `set_<field>(Option<T>)`.
fn rewrite_builders(
    items: &mut [Item],
    rewrite_setter: bool,
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
            if rewrite_setter {
                replace_fn(imp, field, value_setter(field, inner));
            }
            let companion = format_ident!("set_{}", field.unraw());
            if has_fn(imp, &companion) {
                skipped.push(format!("{target}.{companion}"));
                continue;
            }
            imp.items.push(option_setter(&companion, field, inner));
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

fn impl_target(imp: &ItemImpl) -> Option<String> {
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

/// `set_<field>(Option<T>)`: forwards an `Option`, `None` clears the field.
fn option_setter(companion: &Ident, field: &Ident, inner: &Type) -> ImplItem {
    let name = field.unraw().to_string();
    let doc = format!(
        "Sets `{name}` from an `Option`: `Some` sets it, `None` leaves it unset (clearing an \
         earlier value), so the server's default applies."
    );
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
        let outcome = take_values(&mut file);
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
        assert_eq!(take_values(&mut file), Outcome::default());
        assert_eq!(quote!(#file).to_string(), before);
    }
}

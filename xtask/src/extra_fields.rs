//! Post-processing of the generated code: the `extra` map of an open object is optional.
//!
//! For an object schema with named properties and a permissive `additionalProperties` (see the
//! `extra-properties` preprocessing rule), typify adds
//! `#[serde(flatten)] pub extra: serde_json::Map<String, serde_json::Value>`. It treats that
//! field as required, though: the struct loses its `Default` derive and the builder fails with
//! "no value supplied for extra" unless `.extra(...)` was called, even when the caller has no
//! extra keys. An empty map is the natural default (it serializes to nothing), so this pass
//! makes the builder start from an empty map and gives the struct back its `Default` when every
//! other field has one.

use syn::{Expr, File, Item, ItemImpl, ItemStruct, parse_quote};

/// The field typify gives the kept extra properties.
const EXTRA: &str = "extra";

/// Makes every flattened `extra` map default to empty. Returns the changed type names, in file
/// order.
pub fn default_extra_maps(file: &mut File) -> Vec<String> {
    let Some(types) = module_items(&mut file.items, "types") else {
        return Vec::new();
    };
    let open: Vec<String> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if has_flattened_extra(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut defaultable = Vec::new();
    if let Some(builders) = module_items(types, "builder") {
        for item in builders.iter_mut() {
            let Item::Impl(imp) = item else { continue };
            let Some(name) = default_impl_target(imp) else {
                continue;
            };
            if open.contains(&name) && default_extra_to_empty(imp) {
                defaultable.push(name);
            }
        }
    }
    for item in types.iter_mut() {
        if let Item::Struct(s) = item
            && defaultable.contains(&s.ident.to_string())
        {
            derive_default(s);
        }
        if let Item::Struct(s) = item
            && open.contains(&s.ident.to_string())
        {
            document_extra(s);
        }
    }
    let names: Vec<Item> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if open.contains(&s.ident.to_string()) => Some(named_properties(s)),
            _ => None,
        })
        .collect();
    types.extend(names);
    open
}

/// `impl X { pub const NAMED_PROPERTIES: &[&str] = [...]; }`: the JSON names of the typed
/// fields, so callers can refuse an `extra` key that would collide with one of them.
fn named_properties(s: &ItemStruct) -> Item {
    let ident = &s.ident;
    let names: Vec<String> = s
        .fields
        .iter()
        .filter_map(|field| {
            let name = field.ident.as_ref()?.to_string();
            if name == EXTRA {
                return None;
            }
            Some(
                serde_rename(&field.attrs)
                    .unwrap_or_else(|| name.trim_start_matches("r#").to_string()),
            )
        })
        .collect();
    parse_quote! {
        impl #ident {
            /// The JSON names of the properties the spec names (the typed fields). A key of
            /// `extra` equal to one of them would be written twice.
            pub const NAMED_PROPERTIES: &'static [&'static str] = &[#(#names),*];
        }
    }
}

/// The value of `#[serde(rename = "...")]`, if any.
pub(crate) fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                found = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Skip the value of any other `key = value` item.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

pub(crate) fn module_items<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn has_flattened_extra(s: &ItemStruct) -> bool {
    s.fields.iter().any(|f| {
        f.ident.as_ref().is_some_and(|i| i == EXTRA)
            && f.attrs.iter().any(|a| {
                a.path().is_ident("serde") && quote::quote!(#a).to_string().contains("flatten")
            })
    })
}

/// `X` for `impl ::std::default::Default for X`.
fn default_impl_target(imp: &ItemImpl) -> Option<String> {
    let (_, path, _) = imp.trait_.as_ref()?;
    if path.segments.last()?.ident != "Default" {
        return None;
    }
    match imp.self_ty.as_ref() {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Replaces `extra: Err(..)` with `extra: Ok(Default::default())` in a builder's `Default`.
/// Returns whether every field now starts `Ok`, i.e. the built type can have a `Default` too.
fn default_extra_to_empty(imp: &mut ItemImpl) -> bool {
    let mut all_ok = false;
    for member in &mut imp.items {
        let syn::ImplItem::Fn(f) = member else {
            continue;
        };
        let Some(syn::Stmt::Expr(Expr::Struct(init), _)) = f.block.stmts.last_mut() else {
            continue;
        };
        for field in init.fields.iter_mut() {
            if matches!(&field.member, syn::Member::Named(i) if i == EXTRA) {
                field.expr = parse_quote!(Ok(Default::default()));
            }
        }
        all_ok = init.fields.iter().all(|field| starts_ok(&field.expr));
    }
    all_ok
}

fn starts_ok(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => matches!(call.func.as_ref(), Expr::Path(p) if p.path.is_ident("Ok")),
        _ => false,
    }
}

fn derive_default(s: &mut ItemStruct) {
    for attr in s.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        if paths.iter().any(|p| p.is_ident("Default")) {
            return;
        }
        // Same place as typify puts it: after `Debug`.
        let mut kept: Vec<syn::Path> = Vec::new();
        for p in paths {
            let is_debug = p.is_ident("Debug");
            kept.push(p);
            if is_debug {
                kept.push(parse_quote!(Default));
            }
        }
        if !kept.iter().any(|p| p.is_ident("Default")) {
            kept.push(parse_quote!(Default));
        }
        *attr = parse_quote!(#[derive(#(#kept),*)]);
        return;
    }
}

fn document_extra(s: &mut ItemStruct) {
    for field in s.fields.iter_mut() {
        if field.ident.as_ref().is_some_and(|i| i == EXTRA)
            && !field.attrs.iter().any(|a| a.path().is_ident("doc"))
        {
            field.attrs.insert(
                0,
                parse_quote!(#[doc = "Properties the spec does not name, sent and received as they are."]),
            );
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
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Meta {
                    pub discount: Option<String>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Order {
                    pub name: String,
                    #[serde(rename = "totalPrice", skip_serializing_if = "::std::option::Option::is_none")]
                    pub total_price: Option<String>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Closed {
                    pub extra: String,
                }
                pub mod builder {
                    impl ::std::default::Default for Meta {
                        fn default() -> Self {
                            Self {
                                discount: Ok(Default::default()),
                                extra: Err("no value supplied for extra".to_string()),
                            }
                        }
                    }
                    impl ::std::default::Default for Order {
                        fn default() -> Self {
                            Self {
                                name: Err("no value supplied for name".to_string()),
                                total_price: Ok(Default::default()),
                                extra: Err("no value supplied for extra".to_string()),
                            }
                        }
                    }
                    impl ::std::default::Default for Closed {
                        fn default() -> Self {
                            Self { extra: Err("no value supplied for extra".to_string()) }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn extra_maps_start_empty_and_all_optional_structs_derive_default() {
        let mut file = sample();
        let changed = default_extra_maps(&mut file);
        assert_eq!(changed, ["Meta", "Order"]);
        let text = quote!(#file).to_string();
        // Both builders start from an empty map; a required named field stays required.
        assert_eq!(
            text.matches("extra : Ok (Default :: default ())").count(),
            2,
            "{text}"
        );
        assert!(
            text.contains("name : Err (\"no value supplied for name\""),
            "{text}"
        );
        // A plain field called `extra` is not a kept-extras map.
        assert!(
            text.contains("Self { extra : Err (\"no value supplied for extra\""),
            "{text}"
        );
        assert!(
            text.contains("# [derive (:: serde :: Deserialize , :: serde :: Serialize , Clone , Debug , Default)] pub struct Meta"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (:: serde :: Deserialize , :: serde :: Serialize , Clone , Debug)] pub struct Order"),
            "{text}"
        );
        assert!(
            text.contains("pub const NAMED_PROPERTIES : & 'static [& 'static str] = & [\"name\" , \"totalPrice\"]"),
            "{text}"
        );
        assert!(text.contains("= & [\"discount\"]"), "{text}");
    }
}

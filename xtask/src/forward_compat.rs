//! Post-processing of the generated code: string enums accept values added later.
//!
//! typify emits closed enums, so one new value from the server (a new call status, a new
//! language) would fail the whole response. Every generated string enum gets a last variant
//! `Unknown(String)`, marked `#[serde(untagged)]`: known values decode as before, any other
//! string decodes into `Unknown` and serializes back unchanged. `FromStr` stays strict, so a
//! typo in a value built by hand is still caught.

use quote::quote;
use syn::{Attribute, Fields, File, Item, ItemEnum, parse_quote};

/// Adds `Unknown(String)` to every unit-only, serde-renamed enum of the `types` module.
/// Returns the names of the enums it changed, in file order.
pub fn open_string_enums(file: &mut File) -> Vec<String> {
    let Some(items) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    let names: Vec<String> = items
        .iter_mut()
        .filter_map(|item| match item {
            Item::Enum(e) if is_string_enum(e) => {
                open_enum(e);
                Some(e.ident.to_string())
            }
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        if let Item::Impl(imp) = item {
            let Some(target) = impl_target(imp) else {
                continue;
            };
            if !names.contains(&target) {
                continue;
            }
            let is_display = imp
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .is_some_and(|s| s.ident == "Display");
            if is_display {
                add_display_arm(imp);
            }
        }
    }
    names
}

fn has_serde_rename(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && quote!(#a).to_string().contains("rename"))
}

fn derives_deserialize(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("derive") && quote!(#a).to_string().contains("Deserialize"))
}

fn is_string_enum(e: &ItemEnum) -> bool {
    !e.variants.is_empty()
        && derives_deserialize(&e.attrs)
        && e.variants
            .iter()
            .all(|v| matches!(v.fields, Fields::Unit) && has_serde_rename(&v.attrs))
}

fn open_enum(e: &mut ItemEnum) {
    // `Copy` cannot hold a `String`.
    for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        if let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) {
            let kept: Vec<&syn::Path> = paths.iter().filter(|p| !p.is_ident("Copy")).collect();
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    e.variants.push(parse_quote! {
        /// A value this version of the client does not know yet, kept as sent.
        #[serde(untagged)]
        Unknown(::std::string::String)
    });
}

fn impl_target(imp: &syn::ItemImpl) -> Option<String> {
    match imp.self_ty.as_ref() {
        syn::Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().map(|s| s.ident.to_string())
        }
        _ => None,
    }
}

fn add_display_arm(imp: &mut syn::ItemImpl) {
    for member in &mut imp.items {
        let syn::ImplItem::Fn(f) = member else {
            continue;
        };
        for stmt in &mut f.block.stmts {
            let expr = match stmt {
                syn::Stmt::Expr(expr, _) => expr,
                _ => continue,
            };
            if let syn::Expr::Match(m) = expr {
                m.arms
                    .push(parse_quote! { Self::Unknown(ref value) => f.write_str(value), });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_enums_gain_an_unknown_variant_and_display_arm() {
        let mut file: File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Lang {
                    #[serde(rename = "en")]
                    En,
                }
                impl ::std::fmt::Display for Lang {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::En => f.write_str("en"),
                        }
                    }
                }
                #[derive(::serde::Deserialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Payload {
                    A(String),
                    B(i64),
                }
            }
        };
        let changed = open_string_enums(&mut file);
        assert_eq!(changed, ["Lang"]);
        let text = quote!(#file).to_string();
        assert!(
            text.contains("Unknown (:: std :: string :: String)"),
            "{text}"
        );
        assert!(!text.contains("Copy"), "{text}");
        assert!(
            text.contains("Self :: Unknown (ref value) => f . write_str (value)"),
            "{text}"
        );
    }
}

//! Token-level checks shared by the passes that rewrite generated `send` methods.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// Whether `item`'s tokens contain the identifier `name`, at any depth.
pub(crate) fn mentions(item: &impl ToTokens, name: &str) -> bool {
    fn walk(tokens: TokenStream, name: &str) -> bool {
        tokens.into_iter().any(|tree| match tree {
            TokenTree::Ident(ident) => ident == name,
            TokenTree::Group(group) => walk(group.stream(), name),
            _ => false,
        })
    }
    walk(item.to_token_stream(), name)
}

/// `item`'s tokens without whitespace, for comparing shapes.
pub(crate) fn compact(item: &impl ToTokens) -> String {
    item.to_token_stream()
        .to_string()
        .split_whitespace()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_finds_identifiers_inside_groups_only_as_whole_names() {
        let stmt: syn::Stmt = syn::parse_quote! { let a = f(&[info.x], information); };
        assert!(mentions(&stmt, "info"));
        assert!(mentions(&stmt, "information"));
        assert!(!mentions(&stmt, "inf"));
    }

    #[test]
    fn compact_drops_whitespace_only() {
        let expr: syn::Expr = syn::parse_quote! { response . status ( ) . as_u16 ( ) };
        assert_eq!(compact(&expr), "response.status().as_u16()");
    }
}

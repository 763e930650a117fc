//! What the passes that rewrite generated `send` methods share: the walk over every builder's `send`, and
//! token-level checks.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Expr, File, ImplItem, Item, Local, Pat, Stmt};

/// Applies `rewrite` to the body of every operation builder's own `send` (not a trait's). Returns the builder type
/// names whose `send` it changed (it returned `true`), in file order.
pub(crate) fn rewrite_sends(
    file: &mut File,
    mut rewrite: impl FnMut(&mut Vec<Stmt>) -> bool,
) -> Vec<String> {
    let Some(builders) = crate::extra_fields::module_items(&mut file.items, "builder") else {
        return Vec::new();
    };
    let mut changed = Vec::new();
    for item in builders.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let target = crate::optional_setters::impl_target(imp);
        for impl_item in &mut imp.items {
            if let ImplItem::Fn(method) = impl_item
                && method.sig.ident == "send"
                && rewrite(&mut method.block.stmts)
                && let Some(target) = &target
            {
                changed.push(target.clone());
            }
        }
    }
    changed
}

/// The name a `let name = ...;` (or `let mut name = ...;`) statement binds.
pub(crate) fn bound_name(stmt: &Stmt) -> Option<String> {
    let Stmt::Local(Local {
        pat: Pat::Ident(pat),
        init: Some(_),
        ..
    }) = stmt
    else {
        return None;
    };
    pat.subpat.is_none().then(|| pat.ident.to_string())
}

/// The initializer of a `let` statement without an `else` branch.
pub(crate) fn initializer(stmt: &Stmt) -> Option<&Expr> {
    match stmt {
        Stmt::Local(Local {
            init: Some(init), ..
        }) if init.diverge.is_none() => Some(&init.expr),
        _ => None,
    }
}

/// [`initializer`], to replace it.
pub(crate) fn initializer_mut(stmt: &mut Stmt) -> Option<&mut Expr> {
    match stmt {
        Stmt::Local(Local {
            init: Some(init), ..
        }) if init.diverge.is_none() => Some(&mut init.expr),
        _ => None,
    }
}

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

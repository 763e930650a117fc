//! Post-processing of the generated code: a request's only extra header is set on the builder directly.
//!
//! progenitor collects the header parameters of each operation, and the `api-version` header it adds to every
//! request, into a `HeaderMap` of their own, and merges it with `RequestBuilder::headers`:
//!
//! ```text
//! let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
//! header_map.append(NAME, VALUE);
//! let mut request = client.client.get(url).header(ACCEPT, ..).headers(header_map).build()?;
//! ```
//!
//! For an operation whose map only ever holds that one header (no header parameters) this costs, on every
//! request, an allocation, a merge that hashes the name and looks for an existing value, and a drop. This pass
//! rewrites such a `send` to `.header(NAME, VALUE)` in place of `.headers(header_map)` (a name given as a string
//! literal is parsed in a `const` block, once, at compile time), which appends the same
//! header to the same request: the builder sets only `accept` and `content-type` before it, so there is no
//! earlier value a merge could replace. Operations with header parameters (conditional appends) are left as
//! progenitor wrote them.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprMethodCall, File, Local, Pat, Stmt};

/// The local progenitor builds the extra headers in.
const HEADER_MAP: &str = "header_map";

/// Rewrites every builder's `send` whose header map holds exactly one unconditional header. Returns the
/// builder type names changed, in file order.
pub fn inline_single_headers(file: &mut File) -> Vec<String> {
    crate::send_tokens::rewrite_sends(file, inline_in_block)
}

/// The rewrite on one function body; `false` (and the body untouched) unless the exact shape is found.
fn inline_in_block(stmts: &mut Vec<Stmt>) -> bool {
    let Some(declared) = stmts.iter().position(declares_header_map) else {
        return false;
    };
    let mentions: Vec<usize> = (0..stmts.len())
        .filter(|&i| i != declared && mentions_header_map(&stmts[i]))
        .collect();
    // Exactly: one append statement, then one statement merging the map into the request.
    let [append, merge] = mentions[..] else {
        return false;
    };
    let Some((name, value)) = appended_header(&stmts[append]) else {
        return false;
    };
    let mut rewrite = MergeToHeader {
        name,
        value,
        replaced: 0,
    };
    let mut merged = stmts[merge].clone();
    rewrite.visit_stmt_mut(&mut merged);
    if rewrite.replaced != 1 || mentions_header_map(&merged) {
        return false;
    }
    stmts[merge] = merged;
    // Remove the later index first so the earlier one stays valid.
    stmts.remove(append);
    stmts.remove(declared);
    true
}

/// `let mut header_map = ...HeaderMap::with_capacity(..);`
fn declares_header_map(stmt: &Stmt) -> bool {
    let Stmt::Local(Local {
        pat,
        init: Some(init),
        ..
    }) = stmt
    else {
        return false;
    };
    let Pat::Ident(ident) = pat else { return false };
    ident.ident == HEADER_MAP
        && matches!(&*init.expr, Expr::Call(call) if quote::quote!(#call).to_string().contains("HeaderMap :: with_capacity"))
}

fn mentions_header_map(stmt: &Stmt) -> bool {
    crate::send_tokens::mentions(stmt, HEADER_MAP)
}

/// `header_map.append(NAME, VALUE);` at the top level of the body (not inside an `if`).
fn appended_header(stmt: &Stmt) -> Option<(Expr, Expr)> {
    let Stmt::Expr(Expr::MethodCall(call), Some(_)) = stmt else {
        return None;
    };
    let receiver_is_map = matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident(HEADER_MAP));
    if !receiver_is_map || call.method != "append" || call.args.len() != 2 {
        return None;
    }
    Some((
        evaluated_at_compile_time(&call.args[0]),
        call.args[1].clone(),
    ))
}

/// `const { HeaderName::from_static("…") }` for a name parsed from a string literal: a `const` block parses it
/// once, at compile time, where a call in the builder chain would parse it on every request.
fn evaluated_at_compile_time(name: &Expr) -> Expr {
    let Expr::Call(call) = name else {
        return name.clone();
    };
    let from_static = matches!(&*call.func, Expr::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "from_static"));
    let literal = matches!(
        call.args.first(),
        Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(_),
            ..
        }))
    );
    if from_static && literal && call.args.len() == 1 {
        syn::parse_quote!(const { #call })
    } else {
        name.clone()
    }
}

/// Replaces `.headers(header_map)` with `.header(NAME, VALUE)`.
struct MergeToHeader {
    name: Expr,
    value: Expr,
    replaced: usize,
}

impl VisitMut for MergeToHeader {
    fn visit_expr_method_call_mut(&mut self, call: &mut ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        let merges_map = call.method == "headers"
            && call.args.len() == 1
            && matches!(&call.args[0], Expr::Path(p) if p.path.is_ident(HEADER_MAP));
        if merges_map {
            call.method = syn::Ident::new("header", call.method.span());
            call.args = [self.name.clone(), self.value.clone()]
                .into_iter()
                .collect();
            self.replaced += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::{body_of, send_fn};

    #[test]
    fn the_only_header_is_set_on_the_builder() {
        let mut file = send_fn(quote::quote! {
            let url = format!("{}/health", client.baseurl);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map.append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
            );
            let mut request = client.client.get(url).header(ACCEPT, json).headers(header_map).build()?;
            client.exec(request).await
        });
        assert_eq!(
            inline_single_headers(&mut file),
            vec!["GetThing".to_string()]
        );
        let body = body_of(&file);
        assert!(!body.contains("header_map"), "{body}");
        assert!(
            body.contains(
                ".header(ACCEPT,json).header(const{::reqwest::header::HeaderName::from_static(\"api-version\")},\
                 ::reqwest::header::HeaderValue::from_static(super::Client::api_version(),),).build()?"
            ),
            "{body}"
        );
    }

    #[test]
    fn a_conditional_header_parameter_keeps_the_map() {
        let tokens = quote::quote! {
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map.append(NAME, VALUE);
            if let Some(value) = x_api_key {
                header_map.append("x-api-key", value.to_string().try_into()?);
            }
            let mut request = client.client.post(url).headers(header_map).build()?;
            client.exec(request).await
        };
        let mut file = send_fn(tokens.clone());
        assert!(inline_single_headers(&mut file).is_empty());
        assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
    }

    #[test]
    fn a_map_used_elsewhere_is_left_alone() {
        let tokens = quote::quote! {
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map.append(NAME, VALUE);
            let copy = header_map.clone();
            let mut request = client.client.get(url).headers(header_map).build()?;
            client.exec(request).await
        };
        let mut file = send_fn(tokens.clone());
        assert!(inline_single_headers(&mut file).is_empty());
        assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
    }
}

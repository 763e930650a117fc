//! Post-processing of the generated code: a request body is dropped once it is serialized.
//!
//! progenitor converts the body of a `send` into a local and serializes it with `.json(&body)` while building
//! the request:
//!
//! ```text
//! let body = body.and_then(|v| types::InitiateCallRequest::try_from(v).map_err(|e| e.to_string()))
//!     .map_err(Error::InvalidRequest)?;
//! let url = format!("{}/v2/call/initiate", client.baseurl,);
//! let mut request = client.client.post(url).json(&body).build()?;
//! ```
//!
//! The local is dropped only at the end of the function, so the `send` future keeps room for it (776 bytes for
//! `initiateCall`) across every await, and that room is allocated and moved with the future on every request.
//! This pass moves the statements from `let body` up to the request into a block that yields the request, so
//! the body's storage ends with the block, before the first await. A `send` in which anything bound there is used
//! after the request is built is left as progenitor wrote it.

use crate::send_tokens::{bound_name, initializer, initializer_mut, mentions};
use syn::{Expr, File, Stmt};

/// Scopes the body of every builder's `send` that serializes one. Returns the builder type names changed, in
/// file order.
pub fn scope_request_bodies(file: &mut File) -> Vec<String> {
    crate::send_tokens::rewrite_sends(file, scope_in_block)
}

/// The rewrite on one function body; `false` (and the body untouched) unless the exact shape is found.
fn scope_in_block(stmts: &mut Vec<Stmt>) -> bool {
    let Some(body) = stmts
        .iter()
        .position(|s| bound_name(s).as_deref() == Some("body"))
    else {
        return false;
    };
    let Some(offset) = stmts[body + 1..]
        .iter()
        .position(|s| bound_name(s).as_deref() == Some("request") && mentions(s, "body"))
    else {
        return false;
    };
    let request = body + 1 + offset;
    // Every name bound from `let body` to the request must be unused afterwards, and only plain `let name = ...;`
    // statements may be moved.
    let mut bound = Vec::new();
    for stmt in &stmts[body..request] {
        match stmt {
            Stmt::Local(_) => match bound_name(stmt) {
                Some(name) => bound.push(name),
                None => return false,
            },
            Stmt::Expr(_, Some(_)) => {}
            _ => return false,
        }
    }
    let used_later = stmts[request + 1..]
        .iter()
        .any(|s| bound.iter().any(|name| mentions(s, name)));
    if used_later {
        return false;
    }
    let Some(built) = initializer(&stmts[request]) else {
        return false;
    };
    let moved = &stmts[body..request];
    let scoped: Expr = syn::parse_quote!({ #(#moved)* #built });
    let mut local = stmts[request].clone();
    if let Some(init) = initializer_mut(&mut local) {
        *init = scoped;
    }
    stmts.splice(body..=request, [local]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::{body_of, send_fn};

    #[test]
    fn the_body_lives_only_while_the_request_is_built() {
        let mut file = send_fn(quote::quote! {
            let Self { client, body } = self;
            let body = body.map_err(Error::InvalidRequest)?;
            let url = format!("{}/thing", client.baseurl,);
            #[allow(unused_mut)]
            let mut request = client.client.post(url).json(&body).build()?;
            let result = send(request).await;
            result
        });
        assert_eq!(
            scope_request_bodies(&mut file),
            vec!["GetThing".to_string()]
        );
        let body = body_of(&file);
        assert!(
            body.contains(
                "letSelf{client,body}=self;\
                 #[allow(unused_mut)]\
                 letmutrequest={letbody=body.map_err(Error::InvalidRequest)?;\
                 leturl=format!(\"{}/thing\",client.baseurl,);\
                 client.client.post(url).json(&body).build()?};\
                 letresult=send(request).await;"
            ),
            "{body}"
        );
    }

    #[test]
    fn a_body_used_after_the_request_is_built_is_left_alone() {
        let shapes = [
            quote::quote! {
                let body = body?;
                let mut request = client.client.post(url).json(&body).build()?;
                log(&body);
            },
            quote::quote! {
                let body = body?;
                let url = format!("{}/thing", client.baseurl,);
                let mut request = client.client.post(url.clone()).json(&body).build()?;
                log(&url);
            },
            // No body in the request.
            quote::quote! {
                let body = body?;
                let mut request = client.client.get(url).build()?;
            },
            // A pattern that is not a plain name between the body and the request.
            quote::quote! {
                let body = body?;
                let (a, b) = parts();
                let mut request = client.client.post(url).json(&body).build()?;
            },
        ];
        for tokens in shapes {
            let mut file = send_fn(tokens.clone());
            assert!(scope_request_bodies(&mut file).is_empty(), "{tokens}");
            assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
        }
    }
}

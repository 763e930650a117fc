//! Post-processing of the generated code: a `send` reads the response status without borrowing the response.
//!
//! progenitor dispatches on `match response.status().as_u16() { 200..=299 => decode(response).await, .. }`.
//! Borrowing a local, even briefly, makes the compiler keep its storage until the end of the function, so the
//! `send` future carries a second `reqwest::Response` (136 bytes) beside the decoding future that owns it, across
//! the await. This pass reads the status in `crate::response::split_status`, which takes the response and hands
//! it back with its status, so the local is only ever moved:
//!
//! ```text
//! let (status, response) = crate::response::split_status(response);
//! match status { 200..=299 => decode(response).await, .. }
//! ```
//!
//! A `send` whose dispatch has any other shape is left as progenitor wrote it.

use crate::send_tokens::compact;
use syn::{Expr, File, Stmt};

/// Rewrites the status dispatch of every builder's `send`. Returns the builder type names changed, in file order.
pub fn split_response_status(file: &mut File) -> Vec<String> {
    crate::send_tokens::rewrite_sends(file, rewrite_dispatch)
}

/// The scrutinee progenitor writes, as tokens without spaces.
const SCRUTINEE: &str = "response.status().as_u16()";

/// The rewrite on one function body; `false` (and the body untouched) unless the exact shape is found.
fn rewrite_dispatch(stmts: &mut Vec<Stmt>) -> bool {
    let Some(Stmt::Expr(Expr::Match(dispatch), None)) = stmts.last() else {
        return false;
    };
    if compact(&dispatch.expr) != SCRUTINEE {
        return false;
    }
    let mut dispatch = dispatch.clone();
    *dispatch.expr = syn::parse_quote!(status);
    let last = stmts.len() - 1;
    stmts.splice(
        last..,
        [
            syn::parse_quote! { let (status, response) = crate::response::split_status(response); },
            Stmt::Expr(Expr::Match(dispatch), None),
        ],
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::{body_of, send_fn};

    #[test]
    fn the_status_is_read_from_a_moved_response() {
        let mut file = send_fn(quote::quote! {
            let response = result?;
            match response.status().as_u16() {
                200..=299 => crate::response::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        });
        assert_eq!(
            split_response_status(&mut file),
            vec!["GetThing".to_string()]
        );
        let body = body_of(&file);
        assert!(
            body.contains(
                "letresponse=result?;\
                 let(status,response)=crate::response::split_status(response);\
                 matchstatus{200..=299=>crate::response::from_response(response).await,"
            ),
            "{body}"
        );
    }

    #[test]
    fn other_dispatches_are_left_alone() {
        let shapes = [
            quote::quote! {
                match response.status() {
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            },
            quote::quote! {
                let status = response.status().as_u16();
                Ok(status)
            },
            quote::quote! {
                match response.status().as_u16() {
                    _ => Err(Error::UnexpectedResponse(response)),
                };
                Ok(())
            },
        ];
        for tokens in shapes {
            let mut file = send_fn(tokens.clone());
            assert!(split_response_status(&mut file).is_empty(), "{tokens}");
            assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
        }
    }
}

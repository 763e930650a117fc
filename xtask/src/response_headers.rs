//! Post-processing of the generated code: a decoded success keeps the response's headers without copying them.
//!
//! progenitor decodes every JSON success with `ResponseValue::from_response(response).await`, which clones the
//! response's header map (two allocations and a reference count per header) before reading the body, and then
//! drops the response with the original map in it. This pass calls the hand-written
//! `crate::response::from_response` instead: the same steps and the same errors, with the headers moved out of the
//! response (reading the body does not use them). Calls of any other shape are left as progenitor wrote them.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprCall, File};

/// Rewrites the success decoding of every builder's `send`. Returns the builder type names changed, in file
/// order.
pub fn move_response_headers(file: &mut File) -> Vec<String> {
    crate::send_tokens::rewrite_sends(file, |stmts| {
        let mut rewrite = FromResponse { replaced: 0 };
        for stmt in stmts.iter_mut() {
            rewrite.visit_stmt_mut(stmt);
        }
        rewrite.replaced > 0
    })
}

/// Replaces `ResponseValue::from_response(response)` (one argument, no turbofish) with the replacement.
struct FromResponse {
    replaced: usize,
}

impl VisitMut for FromResponse {
    fn visit_expr_call_mut(&mut self, call: &mut ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        let Expr::Path(func) = &*call.func else {
            return;
        };
        let segments: Vec<_> = func.path.segments.iter().collect();
        let is_from_response = func.qself.is_none()
            && call.args.len() == 1
            && segments.len() == 2
            && segments[0].ident == "ResponseValue"
            && segments[1].ident == "from_response"
            && segments.iter().all(|s| s.arguments.is_none());
        if is_from_response {
            // The hand-written replacement, in the generated crate.
            *call.func = syn::parse_quote!(crate::response::from_response);
            self.replaced += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::{body_of, send_fn};

    #[test]
    fn a_json_success_is_decoded_by_the_replacement() {
        let mut file = send_fn(quote::quote! {
            let response = result?;
            match response.status().as_u16() {
                200..=299 => ResponseValue::from_response(response).await,
                400u16..=499u16 => Err(Error::ErrorResponse(ResponseValue::stream(response))),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        });
        assert_eq!(
            move_response_headers(&mut file),
            vec!["GetThing".to_string()]
        );
        let body = body_of(&file);
        assert!(
            body.contains("200..=299=>crate::response::from_response(response).await,"),
            "{body}"
        );
        assert!(!body.contains("ResponseValue::from_response"), "{body}");
        // The error arms keep the whole response.
        assert!(body.contains("ResponseValue::stream(response)"), "{body}");
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let tokens = quote::quote! {
            let a = ResponseValue::from_response::<types::Thing>(response).await;
            let b = other::ResponseValue::from_response(response).await;
            let c = ResponseValue::empty(response);
            let d = ResponseValue::upgrade(response).await;
            Ok(())
        };
        let mut file = send_fn(tokens.clone());
        assert!(move_response_headers(&mut file).is_empty());
        assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
    }

    #[test]
    fn methods_other_than_send_are_left_alone() {
        let tokens = quote::quote! {
            pub mod builder {
                impl<'a> GetThing<'a> {
                    pub fn decode(self) { ResponseValue::from_response(response) }
                }
            }
        };
        let mut file: File = syn::parse2(tokens.clone()).unwrap();
        assert!(move_response_headers(&mut file).is_empty());
        assert_eq!(body_of(&file), body_of(&syn::parse2(tokens).unwrap()));
    }
}

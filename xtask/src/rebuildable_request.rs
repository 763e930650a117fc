//! Post-processing of the generated code: each `send` can build its request again for another attempt.
//!
//! `reqwest` consumes the request it sends, so an executor that may send a request twice had to copy every
//! request (its URL and header map) before the first attempt, for a second attempt that seldom comes. This pass
//! gives the executor a way to build the request again instead (`crate::hooks::execute_rebuildable`): a closure
//! that builds the URL and the headers, credentials included, from the converted parameters, without the body;
//! another attempt sends the first request's body. Runs after `eager-request`, on the two shapes the passes
//! before it leave.
//!
//! A `send` without a body:
//!
//! ```text
//! <the destructuring of `self` and the conversions of the parameters>
//! let url = <the URL>;
//! let mut request = <the request builder>.build()?;
//! let operation = <the table entry>;
//! let request = crate::hooks::prepare(client, request, operation)?;
//! let result = crate::hooks::execute(client, request, operation).await;
//! ```
//!
//! becomes
//!
//! ```text
//! <the same destructuring and conversions>
//! let operation = <the table entry>;
//! let build = move || -> Result<::reqwest::Request, E> {
//!     let url = <the URL>;
//!     let mut request = <the request builder>.build()?;
//!     crate::hooks::prepare(client, request, operation)
//! };
//! let request = build()?;
//! let result = crate::hooks::execute_rebuildable(client, request, operation, &|| build().ok()).await;
//! ```
//!
//! A `send` whose only parameter is its JSON body (the `eager-request` shape) keeps its first build and gains a
//! closure that builds the same request without the body: the same builder, with `.json(&body)` replaced by the
//! `content-type` header it sets. A `send` of any other shape (path parameters beside a body, a body that is not
//! JSON) is left as it was; its executor copies the request before the first attempt, as before.

use crate::send_tokens::{bound_name, compact, initializer, mentions};
use syn::{Expr, ExprClosure, File, ImplItem, Item, ReturnType, Stmt, Type};

/// The statement that starts sending, as tokens without spaces.
const EXECUTE: &str = "letresult=crate::hooks::execute(client,request,operation).await;";
/// The statement before it in a `send` without a body, which attaches the credentials.
const PREPARE: &str = "letrequest=crate::hooks::prepare(client,request,operation)?;";

/// Rewrites the `send` of every builder of one of the two shapes. Returns the builder type names changed, in file
/// order.
pub fn rebuild_requests(file: &mut File) -> Vec<String> {
    let Some(items) = crate::extra_fields::module_items(&mut file.items, "builder") else {
        return Vec::new();
    };
    let mut changed = Vec::new();
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let Some(target) = crate::optional_setters::impl_target(imp) else {
            continue;
        };
        for impl_item in &mut imp.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            if method.sig.ident != "send" {
                continue;
            }
            let rewritten = if method.sig.asyncness.is_some() {
                let ReturnType::Type(_, output) = &method.sig.output else {
                    continue;
                };
                let Some(error) = crate::eager_request::result_error_type(output) else {
                    continue;
                };
                rebuild_without_body(&mut method.block.stmts, &error)
            } else {
                rebuild_head_of_eager(&mut method.block.stmts)
            };
            if rewritten {
                changed.push(target.clone());
            }
        }
    }
    changed
}

/// The rewrite of an `async fn send` without a body; `false` (and the body untouched) unless the shape is found.
fn rebuild_without_body(stmts: &mut Vec<Stmt>, error: &Type) -> bool {
    let Some(execute) = stmts.iter().position(|s| compact(s) == EXECUTE) else {
        return false;
    };
    if execute < 4
        || compact(&stmts[execute - 1]) != PREPARE
        || bound_name(&stmts[execute - 2]).as_deref() != Some("operation")
        || bound_name(&stmts[execute - 3]).as_deref() != Some("request")
        || bound_name(&stmts[execute - 4]).as_deref() != Some("url")
    {
        return false;
    }
    let (url, request, operation) = (
        &stmts[execute - 4],
        &stmts[execute - 3],
        &stmts[execute - 2],
    );
    // A body, or an await while building, is another shape.
    if stmts[..execute]
        .iter()
        .any(|s| mentions(s, "body") || mentions(s, "await"))
    {
        return false;
    }
    let rewritten: Vec<Stmt> = syn::parse_quote! {
        #operation
        let build = move || -> ::std::result::Result<::reqwest::Request, #error> {
            #url
            #request
            crate::hooks::prepare(client, request, operation)
        };
        let request = build()?;
        let result = crate::hooks::execute_rebuildable(client, request, operation, &|| build().ok()).await;
    };
    stmts.splice(execute - 4..=execute, rewritten);
    true
}

/// The rewrite of an eager `send` whose only parameter is its JSON body; `false` (and the body untouched) unless
/// the shape is found.
fn rebuild_head_of_eager(stmts: &mut Vec<Stmt>) -> bool {
    let Some(build_head) = head_closure(stmts) else {
        return false;
    };
    let Some(Stmt::Expr(Expr::Async(future), None)) = stmts.last_mut() else {
        return false;
    };
    let Some(execute) = future
        .block
        .stmts
        .iter()
        .position(|s| compact(s) == EXECUTE)
    else {
        return false;
    };
    future.block.stmts[execute] = syn::parse_quote! {
        let result = crate::hooks::execute_rebuildable(client, request, operation, &|| build_head().ok()).await;
    };
    // Before the future, which borrows it.
    stmts.insert(3, build_head);
    true
}

/// `let build_head = move || { .. };` for an eager `send` of four statements (`client`, `operation`, `prepared`,
/// the future) whose only parameter is its JSON body.
fn head_closure(stmts: &[Stmt]) -> Option<Stmt> {
    let [
        client,
        operation,
        prepared,
        Stmt::Expr(Expr::Async(future), None),
    ] = stmts
    else {
        return None;
    };
    if compact(client) != "letclient=self.client;"
        || bound_name(operation).as_deref() != Some("operation")
        || bound_name(prepared).as_deref() != Some("prepared")
        || !future.block.stmts.iter().any(|s| compact(s) == EXECUTE)
    {
        return None;
    }
    let closure = initializer(prepared)
        .map(ungroup)
        .and_then(called_closure)?;
    let ReturnType::Type(_, output) = &closure.output else {
        return None;
    };
    let error = crate::eager_request::result_error_type(output)?;
    let Expr::Block(inner) = ungroup(&closure.body) else {
        return None;
    };
    let [destructure, built, _prepare] = inner.block.stmts.as_slice() else {
        return None;
    };
    if !destructures_body_only(destructure) || bound_name(built).as_deref() != Some("request") {
        return None;
    }
    let Some(Expr::Block(building)) = initializer(built).map(ungroup) else {
        return None;
    };
    let [convert, url, Stmt::Expr(chain, None)] = building.block.stmts.as_slice() else {
        return None;
    };
    if bound_name(convert).as_deref() != Some("body")
        || bound_name(url).as_deref() != Some("url")
        || mentions(url, "body")
    {
        return None;
    }
    let mut head = chain.clone();
    if !replace_json_body(&mut head) || mentions(&head, "body") {
        return None;
    }
    Some(syn::parse_quote! {
        let build_head = move || -> ::std::result::Result<::reqwest::Request, #error> {
            #url
            #[allow(unused_mut)]
            let mut request = #head;
            crate::hooks::prepare(client, request, operation)
        };
    })
}

/// Whether `stmt` is `let Self { client, body } = self;`: a builder whose only parameter is its body.
fn destructures_body_only(stmt: &Stmt) -> bool {
    let Stmt::Local(syn::Local {
        pat: syn::Pat::Struct(pat),
        init: Some(init),
        ..
    }) = stmt
    else {
        return false;
    };
    let fields: Vec<String> = pat
        .fields
        .iter()
        .map(|field| compact(&field.member))
        .collect();
    pat.rest.is_none()
        && compact(&pat.path) == "Self"
        && compact(&init.expr) == "self"
        && fields == ["client", "body"]
}

/// The closure of `(move || { .. })()`.
fn called_closure(expr: &Expr) -> Option<&ExprClosure> {
    let Expr::Call(call) = expr else { return None };
    if !call.args.is_empty() {
        return None;
    }
    let Expr::Paren(paren) = ungroup(&call.func) else {
        return None;
    };
    match ungroup(&paren.expr) {
        Expr::Closure(closure) => Some(closure),
        _ => None,
    }
}

/// `expr` without the invisible groups an expression interpolated by an earlier pass is wrapped in.
fn ungroup(mut expr: &Expr) -> &Expr {
    while let Expr::Group(group) = expr {
        expr = &group.expr;
    }
    expr
}

/// Replaces `.json(&body)` in a request builder chain ending in `.build()?` with the header it sets.
fn replace_json_body(chain: &mut Expr) -> bool {
    match chain {
        Expr::Group(group) => replace_json_body(&mut group.expr),
        Expr::Try(expr) => replace_json_body(&mut expr.expr),
        Expr::MethodCall(call) if call.method == "json" => {
            if call.args.len() != 1 || compact(&call.args[0]) != "&body" {
                return false;
            }
            call.method = syn::parse_quote!(header);
            call.args = syn::parse_quote!(
                ::reqwest::header::CONTENT_TYPE,
                ::reqwest::header::HeaderValue::from_static("application/json")
            );
            true
        }
        Expr::MethodCall(call) => replace_json_body(&mut call.receiver),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::body_of;

    fn builder(send: proc_macro2::TokenStream) -> File {
        syn::parse2(quote::quote! {
            pub mod builder {
                impl<'a> Thing<'a> {
                    #send
                }
            }
        })
        .unwrap()
    }

    fn get_send() -> proc_macro2::TokenStream {
        quote::quote! {
            pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<ByteStream>> {
                let Self { client, thing_id } = self;
                let thing_id = thing_id.map_err(Error::InvalidRequest)?;
                let url = crate::base_url::join(client, format_args!("/things/{}", encode_path(&thing_id.to_string())))
                    .map_err(Error::InvalidRequest)?;
                #[allow(unused_mut)]
                let mut request = client.client.get(url).header(ACCEPT, JSON).build()?;
                let operation = &crate::operations::OPERATIONS[3usize];
                let request = crate::hooks::prepare(client, request, operation)?;
                let result = crate::hooks::execute(client, request, operation).await;
                let response = result?;
                Ok(response)
            }
        }
    }

    fn eager_post_send() -> proc_macro2::TokenStream {
        quote::quote! {
            pub fn send(self) -> impl ::std::future::Future<Output = Result<ResponseValue<types::Thing>, Error<ByteStream>>> + 'a {
                let client = self.client;
                let operation = &crate::operations::OPERATIONS[4usize];
                let prepared = (move || -> ::std::result::Result<::reqwest::Request, Error<ByteStream>> {
                    let Self { client, body } = self;
                    #[allow(unused_mut)]
                    let mut request = {
                        let body = body.map_err(Error::InvalidRequest)?;
                        let url = crate::base_url::join(client, format_args!("/things")).map_err(Error::InvalidRequest)?;
                        client.client.post(url).header(ACCEPT, JSON).json(&body).header(VERSION, V).build()?
                    };
                    crate::hooks::prepare(client, request, operation)
                })();
                async move {
                    let request = prepared?;
                    let result = crate::hooks::execute(client, request, operation).await;
                    let response = result?;
                    Ok(response)
                }
            }
        }
    }

    #[test]
    fn a_send_without_a_body_builds_its_request_with_a_closure_it_keeps() {
        let mut file = builder(get_send());
        assert_eq!(rebuild_requests(&mut file), vec!["Thing".to_string()]);
        let body = body_of(&file);
        assert!(
            body.contains(
                "letthing_id=thing_id.map_err(Error::InvalidRequest)?;\
                 letoperation=&crate::operations::OPERATIONS[3usize];\
                 letbuild=move||->::std::result::Result<::reqwest::Request,Error<ByteStream>,>{\
                 leturl=crate::base_url::join(client,format_args!(\"/things/{}\",encode_path(&thing_id.to_string())),).map_err(Error::InvalidRequest)?;\
                 #[allow(unused_mut)]letmutrequest=client.client.get(url).header(ACCEPT,JSON).build()?;\
                 crate::hooks::prepare(client,request,operation)};\
                 letrequest=build()?;\
                 letresult=crate::hooks::execute_rebuildable(client,request,operation,&||build().ok(),).await;\
                 letresponse=result?;"
            ),
            "{body}"
        );
    }

    #[test]
    fn a_send_with_a_json_body_keeps_its_first_build_and_gains_one_of_the_head() {
        let mut file = builder(eager_post_send());
        assert_eq!(rebuild_requests(&mut file), vec!["Thing".to_string()]);
        let body = body_of(&file);
        assert!(
            body.contains(
                "crate::hooks::prepare(client,request,operation)})();\
                 letbuild_head=move||->::std::result::Result<::reqwest::Request,Error<ByteStream>,>{\
                 leturl=crate::base_url::join(client,format_args!(\"/things\")).map_err(Error::InvalidRequest)?;\
                 #[allow(unused_mut)]letmutrequest=client.client.post(url).header(ACCEPT,JSON)\
                 .header(::reqwest::header::CONTENT_TYPE,::reqwest::header::HeaderValue::from_static(\"application/json\"),)\
                 .header(VERSION,V).build()?;\
                 crate::hooks::prepare(client,request,operation)};\
                 asyncmove{letrequest=prepared?;\
                 letresult=crate::hooks::execute_rebuildable(client,request,operation,&||build_head().ok(),).await;"
            ),
            "{body}"
        );
        // The first build still serializes the body.
        assert!(
            body.contains(".json(&body).header(VERSION,V).build()?};"),
            "{body}"
        );
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let untouched = |send: proc_macro2::TokenStream| {
            let mut file = builder(send.clone());
            assert!(rebuild_requests(&mut file).is_empty(), "{send}");
            assert_eq!(body_of(&file), body_of(&builder(send)));
        };
        // A path parameter beside the body: the head would need it after the first build consumed it.
        let with_parameter = eager_post_send().to_string().replace(
            "let Self { client , body }",
            "let Self { client , thing_id , body }",
        );
        untouched(with_parameter.parse().unwrap());
        // A body that is not JSON.
        untouched(
            eager_post_send()
                .to_string()
                .replace(". json (& body)", ". body (body)")
                .parse()
                .unwrap(),
        );
        // An await while building.
        untouched(
            get_send()
                .to_string()
                .replace(
                    "let thing_id = thing_id",
                    "let thing_id = check (thing_id) . await",
                )
                .parse()
                .unwrap(),
        );
        // No credential hook before sending.
        untouched(
            get_send()
                .to_string()
                .replace(
                    "let request = crate :: hooks :: prepare (client , request , operation) ? ;",
                    "",
                )
                .parse()
                .unwrap(),
        );
    }
}

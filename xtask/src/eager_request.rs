//! Post-processing of the generated code: a `send` with a body builds its request before its future.
//!
//! An `async fn send(self)` keeps `self` in its future until it completes, and a builder with a body holds that
//! body's builder (816 bytes for `initiateCall`), although the request built from it is all the future needs
//! once built. For the builders given, this pass turns
//!
//! ```text
//! pub async fn send(self) -> Result<T, E> {
//!     <building: statements without an await, ending with `let request = crate::hooks::prepare(..)?;`>
//!     let result = crate::hooks::execute(client, request, operation).await;
//!     <the rest>
//! }
//! ```
//!
//! into
//!
//! ```text
//! pub fn send(self) -> impl ::std::future::Future<Output = Result<T, E>> + 'a {
//!     let client = self.client;
//!     let prepared = (move || -> ::std::result::Result<::reqwest::Request, E> {
//!         <building, its last statement returning the request>
//!     })();
//!     async move {
//!         let request = prepared?;
//!         let operation = <the same table entry>;
//!         let result = crate::hooks::execute(client, request, operation).await;
//!         <the rest>
//!     }
//! }
//! ```
//!
//! The request is built (and its body serialized, its credentials attached) when `send` is called rather than
//! when the future is first polled; neither needs a runtime, and an error is still returned by the future.
//! Sending starts at the first poll as before. A `send` of any other shape is left as it was.

use crate::send_tokens::{compact, mentions};
use syn::{File, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Stmt, Type};

/// Rewrites the `send` of each builder named in `builders`. Returns the builder type names changed, in file
/// order.
pub fn build_requests_eagerly(file: &mut File, builders: &[String]) -> Vec<String> {
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
        if !builders.contains(&target) {
            continue;
        }
        let Some(lifetime) = imp.generics.lifetimes().next().map(|l| l.lifetime.clone()) else {
            continue;
        };
        for impl_item in &mut imp.items {
            if let ImplItem::Fn(method) = impl_item
                && method.sig.ident == "send"
                && rewrite_send(method, &lifetime)
            {
                changed.push(target.clone());
            }
        }
    }
    changed
}

/// The statement that starts sending, as tokens without spaces.
const EXECUTE: &str = "letresult=crate::hooks::execute(client,request,operation).await;";
/// The statement before it, which attaches the credentials, as its start without spaces.
const PREPARE: &str = "letrequest=crate::hooks::prepare(client,request,operation)?;";

/// The rewrite on one method; `false` (and the method untouched) unless the exact shape is found.
fn rewrite_send(method: &mut syn::ImplItemFn, lifetime: &syn::Lifetime) -> bool {
    if method.sig.asyncness.is_none() || method.sig.inputs.len() != 1 {
        return false;
    }
    let ReturnType::Type(_, output) = &method.sig.output else {
        return false;
    };
    let Some(error) = result_error_type(output) else {
        return false;
    };
    let stmts = &method.block.stmts;
    let Some(execute) = stmts.iter().position(|s| compact(s) == EXECUTE) else {
        return false;
    };
    // The building ends by attaching the credentials; `operation` is bound just before that.
    if execute < 2 || compact(&stmts[execute - 1]) != PREPARE {
        return false;
    }
    let building = &stmts[..execute - 1];
    if building.iter().any(|s| mentions(s, "await")) {
        return false;
    }
    let Some(operation) = building.last().filter(|s| binds(s, "operation")).cloned() else {
        return false;
    };
    let building = &building[..building.len() - 1];
    let rest = &stmts[execute..];
    let output = output.clone();
    let block: syn::Block = syn::parse_quote!({
        let client = self.client;
        #operation
        let prepared = (move || -> ::std::result::Result<::reqwest::Request, #error> {
            #(#building)*
            crate::hooks::prepare(client, request, operation)
        })();
        async move {
            let request = prepared?;
            #(#rest)*
        }
    });
    method.sig.asyncness = None;
    method.sig.output =
        syn::parse_quote!(-> impl ::std::future::Future<Output = #output> + #lifetime);
    method.block = block;
    true
}

/// `E` in `Result<T, E>`.
pub(crate) fn result_error_type(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    });
    let (_, error, None) = (types.next()?, types.next()?, types.next()) else {
        return None;
    };
    Some(error)
}

/// Whether `stmt` is `let <name> = ...;`.
fn binds(stmt: &Stmt, name: &str) -> bool {
    matches!(stmt, Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::body_of;

    fn builder(body: proc_macro2::TokenStream) -> File {
        syn::parse2(quote::quote! {
            pub mod builder {
                impl<'a> PostThing<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<ByteStream>> {
                        #body
                    }
                }
            }
        })
        .unwrap()
    }

    fn progenitor_send() -> proc_macro2::TokenStream {
        quote::quote! {
            let Self { client, body } = self;
            let mut request = { let body = body?; client.client.post(url).json(&body).build()? };
            let operation = &crate::operations::OPERATIONS[3usize];
            let request = crate::hooks::prepare(client, request, operation)?;
            let result = crate::hooks::execute(client, request, operation).await;
            let response = result?;
            Ok(response)
        }
    }

    #[test]
    fn the_request_is_built_before_the_future() {
        let mut file = builder(progenitor_send());
        assert_eq!(
            build_requests_eagerly(&mut file, &["PostThing".to_string()]),
            vec!["PostThing".to_string()]
        );
        let body = body_of(&file);
        assert!(
            body.contains(
                "pubfnsend(self,)->impl::std::future::Future<Output=Result<ResponseValue<types::Thing>,Error<ByteStream>>,>+'a{\
                 letclient=self.client;\
                 letoperation=&crate::operations::OPERATIONS[3usize];\
                 letprepared=(move||->::std::result::Result<::reqwest::Request,Error<ByteStream>,>{\
                 letSelf{client,body}=self;\
                 letmutrequest={letbody=body?;client.client.post(url).json(&body).build()?};\
                 crate::hooks::prepare(client,request,operation)})();\
                 asyncmove{letrequest=prepared?;\
                 letresult=crate::hooks::execute(client,request,operation).await;\
                 letresponse=result?;Ok(response)}}"
            ),
            "{body}"
        );
    }

    #[test]
    fn builders_not_named_and_other_shapes_are_left_alone() {
        let untouched = |tokens: proc_macro2::TokenStream, names: &[String]| {
            let mut file = builder(tokens.clone());
            assert!(
                build_requests_eagerly(&mut file, names).is_empty(),
                "{tokens}"
            );
            assert_eq!(body_of(&file), body_of(&builder(tokens)));
        };
        let named = ["PostThing".to_string()];
        untouched(progenitor_send(), &[]);
        // An await while building.
        untouched(
            quote::quote! {
                let Self { client, body } = self;
                let mut request = build(body).await?;
                let operation = &crate::operations::OPERATIONS[3usize];
                let request = crate::hooks::prepare(client, request, operation)?;
                let result = crate::hooks::execute(client, request, operation).await;
                Ok(result?)
            },
            &named,
        );
        // No credential hook before sending.
        untouched(
            quote::quote! {
                let Self { client, body } = self;
                let operation = &crate::operations::OPERATIONS[3usize];
                let result = crate::hooks::execute(client, request, operation).await;
                Ok(result?)
            },
            &named,
        );
    }
}

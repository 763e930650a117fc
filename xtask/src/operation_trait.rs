//! Rule `operation-trait`: every generated operation builder implements `crate::Operation`.
//!
//! progenitor emits one builder type per operation in `pub mod builder`, each with an inherent
//! `async fn send(self) -> Result<ResponseValue<T>, Error<ByteStream>>` and nothing in common, so
//! code that wants to send "any operation" (the SDK's `Client::send`) has no type to be generic
//! over. This pass adds, beside each builder's inherent impl,
//!
//! ```text
//! impl<'a> crate::Operation for ListApiTools<'a> {
//!     const OPERATION_ID: &'static str = "listApiTools";   // the spec's id, from the table
//!     type Response = types::ListApiToolsResponse;          // from the inherent `send`
//!     fn spec() -> Option<&'static OperationSpec> { Some(crate::operations::LIST_API_TOOLS) }
//!     fn client(&self) -> &super::Client { self.client }
//!     fn send(self) -> impl Future<...> + Send { ListApiTools::send(self) }
//! }
//! ```
//!
//! The operation id comes from the `OperationInfo { operation_id }` the builder's `send` passes to
//! the hooks (progenitor's method name) matched against the recorded operation table, so the impl
//! names exactly the table entry the hooks will look up. A builder whose shape is not the expected
//! one fails generation with an error naming it: it is never skipped silently, since the SDK's
//! generic path would then lack that operation.

use anyhow::{Result, anyhow, bail};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{
    Fields, File, GenericArgument, ImplItem, ImplItemFn, Item, ItemImpl, PathArguments, ReturnType,
    Type,
};

use crate::preprocess::{OperationRecord, doc};

/// One builder the pass implemented the trait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationImpl {
    /// The builder type, e.g. `ListApiTools`.
    pub builder: String,
    /// The spec's `operationId` it sends, e.g. `listApiTools`.
    pub operation_id: String,
}

/// Adds `impl crate::Operation` for every builder of the top-level `builder` module. Returns them in
/// file order; fails when a builder's `send` is not of the shape progenitor emits or names no
/// operation of `operations`.
pub fn implement_operation_trait(
    file: &mut File,
    operations: &[OperationRecord],
) -> Result<Vec<OperationImpl>> {
    let Some(items) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Ok(Vec::new());
    };
    let mut added = Vec::new();
    let mut impls = Vec::new();
    for item in items.iter() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let Some(send) = send_method(imp) else {
            continue;
        };
        let builder = type_name(&imp.self_ty)
            .ok_or_else(|| anyhow!("operation-trait: a builder impl has an unexpected type"))?;
        if !has_client_field(items, &builder) {
            bail!("operation-trait: builder `{builder}` has no `client` field");
        }
        let response = response_type(send).ok_or_else(|| {
            anyhow!(
                "operation-trait: `{builder}::send` does not return \
                 `Result<ResponseValue<T>, Error<ByteStream>>`"
            )
        })?;
        let method_name = hook_operation_id(send).ok_or_else(|| {
            anyhow!(
                "operation-trait: `{builder}::send` passes no `OperationInfo {{ operation_id }}`"
            )
        })?;
        let operation_id = operations
            .iter()
            .find(|op| doc::snake(&op.operation_id) == method_name)
            .map(|op| op.operation_id.clone())
            .ok_or_else(|| {
                anyhow!(
                    "operation-trait: `{builder}` sends `{method_name}`, which is not in the operation table"
                )
            })?;
        impls.push(operation_impl(imp, &operation_id, &response));
        added.push(OperationImpl {
            builder,
            operation_id,
        });
    }
    items.extend(impls);
    Ok(added)
}

fn operation_impl(imp: &ItemImpl, operation_id: &str, response: &Type) -> Item {
    let generics = &imp.generics;
    let self_ty = &imp.self_ty;
    let builder = type_path_without_arguments(self_ty);
    let entry = syn::Ident::new(
        &heck::ToShoutySnakeCase::to_shouty_snake_case(operation_id),
        proc_macro2::Span::call_site(),
    );
    syn::parse_quote! {
        impl #generics crate::Operation for #self_ty {
            const OPERATION_ID: &'static str = #operation_id;
            type Response = #response;
            fn spec() -> Option<&'static crate::OperationSpec> {
                Some(crate::operations::#entry)
            }
            fn client(&self) -> &super::Client {
                self.client
            }
            fn send(
                self,
            ) -> impl ::std::future::Future<
                Output = Result<ResponseValue<Self::Response>, Error<ByteStream>>,
            > + Send {
                // The inherent `send` (inherent methods take precedence over the trait's).
                #builder::send(self)
            }
        }
    }
}

/// The builder's `pub async fn send(self)`, if it has one.
fn send_method(imp: &ItemImpl) -> Option<&ImplItemFn> {
    imp.items.iter().find_map(|member| match member {
        ImplItem::Fn(f) if f.sig.ident == "send" && f.sig.asyncness.is_some() => Some(f),
        _ => None,
    })
}

fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `ListApiTools<'a>` as the path `ListApiTools`, for calling its inherent function.
fn type_path_without_arguments(ty: &Type) -> TokenStream {
    match ty {
        Type::Path(p) => {
            let mut path = p.path.clone();
            for segment in &mut path.segments {
                segment.arguments = PathArguments::None;
            }
            path.into_token_stream()
        }
        other => other.into_token_stream(),
    }
}

fn has_client_field(items: &[Item], builder: &str) -> bool {
    items.iter().any(|item| match item {
        Item::Struct(s) if s.ident == builder => match &s.fields {
            Fields::Named(named) => named
                .named
                .iter()
                .any(|f| f.ident.as_ref().is_some_and(|i| i == "client")),
            _ => false,
        },
        _ => false,
    })
}

/// `T` of `Result<ResponseValue<T>, Error<ByteStream>>`.
fn response_type(send: &ImplItemFn) -> Option<Type> {
    let ReturnType::Type(_, ty) = &send.sig.output else {
        return None;
    };
    let result = generic_arguments(ty, "Result")?;
    let [ok, err] = result.as_slice() else {
        return None;
    };
    let error = generic_arguments(err, "Error")?;
    let [error_body] = error.as_slice() else {
        return None;
    };
    if type_name(error_body).as_deref() != Some("ByteStream") {
        return None;
    }
    let value = generic_arguments(ok, "ResponseValue")?;
    let [response] = value.as_slice() else {
        return None;
    };
    Some(response.clone())
}

/// The type arguments of `ty` when its last path segment is `name`.
fn generic_arguments(ty: &Type, name: &str) -> Option<Vec<Type>> {
    let Type::Path(p) = ty else { return None };
    let segment = p.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// The string in `OperationInfo { operation_id: "..." }` inside `send`'s body.
fn hook_operation_id(send: &ImplItemFn) -> Option<String> {
    find_field_string(send.block.to_token_stream(), "operation_id")
}

/// The string literal following `field :` anywhere in `tokens`.
fn find_field_string(tokens: TokenStream, field: &str) -> Option<String> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) if ident == field => {
                if let (Some(TokenTree::Punct(colon)), Some(TokenTree::Literal(lit))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && colon.as_char() == ':'
                    && let Ok(syn::Lit::Str(s)) = syn::parse2::<syn::Lit>(lit.to_token_stream())
                {
                    return Some(s.value());
                }
            }
            TokenTree::Group(group) => {
                if let Some(found) = find_field_string(group.stream(), field) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// The pass's unit tests.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::doc::OperationLocation;
    use quote::quote;
    use syn::parse_quote;

    fn record(operation_id: &str) -> OperationRecord {
        OperationRecord {
            operation_id: operation_id.into(),
            location: OperationLocation {
                path: "/v2/widgets/{widgetId}".into(),
                method: "get".into(),
            },
            tag: "Widgets".into(),
            headers: Vec::new(),
            error_schema: None,
            omitted: None,
        }
    }

    fn builder_module(send_return: TokenStream, hook_id: &str) -> File {
        parse_quote! {
            pub mod types {
                pub struct GetWidgetResponse;
                pub mod builder {
                    pub struct NotAnOperation;
                }
            }
            pub mod builder {
                use super::types;
                pub struct GetWidget<'a> {
                    client: &'a super::Client,
                    widget_id: Result<String, String>,
                }
                impl<'a> GetWidget<'a> {
                    pub fn new(client: &'a super::Client) -> Self { Self { client, widget_id: Ok(String::new()) } }
                    pub async fn send(self) -> #send_return {
                        let info = OperationInfo { operation_id: #hook_id };
                        client.pre(&mut request, &info).await?;
                    }
                }
            }
        }
    }

    #[test]
    fn every_builder_gets_an_impl_naming_its_table_entry() {
        let mut file = builder_module(
            quote!(Result<ResponseValue<types::GetWidgetResponse>, Error<ByteStream>>),
            "get_widget",
        );
        let added = implement_operation_trait(&mut file, &[record("getWidget")]).unwrap();
        assert_eq!(
            added,
            [OperationImpl {
                builder: "GetWidget".into(),
                operation_id: "getWidget".into()
            }]
        );
        let text = file.to_token_stream().to_string();
        for expected in [
            "impl < 'a > crate :: Operation for GetWidget < 'a >",
            "const OPERATION_ID : & 'static str = \"getWidget\"",
            "type Response = types :: GetWidgetResponse",
            "fn spec () -> Option < & 'static crate :: OperationSpec > { Some (crate :: operations :: GET_WIDGET) }",
            "fn client (& self) -> & super :: Client { self . client }",
            "GetWidget :: send (self)",
        ] {
            assert!(text.contains(expected), "missing `{expected}` in {text}");
        }
        // `types::builder` holds the body builders, not operations.
        assert!(!text.contains("Operation for NotAnOperation"), "{text}");
    }

    #[test]
    fn unit_responses_are_kept() {
        let mut file = builder_module(
            quote!(Result<ResponseValue<()>, Error<ByteStream>>),
            "get_widget",
        );
        implement_operation_trait(&mut file, &[record("getWidget")]).unwrap();
        let text = file.to_token_stream().to_string();
        assert!(text.contains("type Response = ()"), "{text}");
    }

    #[test]
    fn an_operation_missing_from_the_table_is_an_error() {
        let mut file = builder_module(
            quote!(Result<ResponseValue<types::GetWidgetResponse>, Error<ByteStream>>),
            "get_gadget",
        );
        let error = implement_operation_trait(&mut file, &[record("getWidget")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`GetWidget` sends `get_gadget`"), "{error}");
    }

    #[test]
    fn an_unexpected_send_signature_is_an_error_naming_the_builder() {
        let mut file = builder_module(
            quote!(
                Result<ResponseValue<types::GetWidgetResponse>, Error<types::GetWidgetResponse>>
            ),
            "get_widget",
        );
        let error = implement_operation_trait(&mut file, &[record("getWidget")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`GetWidget::send` does not return"),
            "{error}"
        );
    }

    #[test]
    fn a_file_without_builders_is_left_alone() {
        let mut file: File = parse_quote! { pub mod types {} };
        assert!(
            implement_operation_trait(&mut file, &[])
                .unwrap()
                .is_empty()
        );
        assert_eq!(file.items.len(), 1);
    }
}

//! Secret header parameters stay out of `Debug` output and request logs.
//!
//! progenitor stores a header parameter in the operation's builder as a plain `String` and
//! derives `Debug` over the builder, so `{:?}` of `client.shiprocket_ndr_webhook().x_api_key(t)`
//! prints the token; the header value it sends is not marked sensitive either, so reqwest's own
//! `Debug` of the request shows it too. For every operation with a secret header parameter this
//! pass
//! - replaces the builder's derived `Debug` with one that prints `<redacted>` for the secret
//!   fields (and whether they were set), every other field as before;
//! - marks the header value sensitive (`HeaderValue::set_sensitive(true)`) before it is sent.
//!
//! The setter is unchanged: `x_api_key(impl TryInto<String>)`.
//!
//! A header parameter is secret when its lower-cased name is in [`SECRET_HEADER_NAMES`], ends
//! with one of [`SECRET_HEADER_SUFFIXES`], or is the header of an `apiKey` security scheme.
//! Credential and tenant headers are removed from the methods by preprocessing and never reach
//! the builders; this covers the ones left as parameters.

use proc_macro2::Span;
use serde_json::Value;
use syn::{Expr, File, Item, ItemImpl, ItemStruct, Stmt, parse_quote};

use crate::preprocess::doc;

/// Header names that always carry a secret (compared lower-case).
pub const SECRET_HEADER_NAMES: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "apikey",
    "x-apikey",
];

/// Name endings that mark a header as secret (compared lower-case): `x-api-key`,
/// `x-webhook-token`, `x-client-secret`, ...
pub const SECRET_HEADER_SUFFIXES: &[&str] =
    &["-key", "-token", "-secret", "-password", "-signature"];

/// A secret header parameter of one generated operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHeader {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The header's name as the spec spells it, e.g. `x-api-key`.
    pub header: String,
}

/// Whether a header called `name` carries a secret (see the module docs).
pub fn is_secret_header(name: &str, scheme_headers: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_HEADER_NAMES.contains(&lower.as_str())
        || SECRET_HEADER_SUFFIXES.iter().any(|s| lower.ends_with(s))
        || scheme_headers.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// The secret header parameters of every operation in `document`, in document order.
pub fn secret_header_parameters(document: &Value) -> Vec<SecretHeader> {
    let scheme_headers: Vec<String> = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|schemes| schemes.values())
        .map(|scheme| doc::resolve(document, scheme))
        .filter(|s| s.get("type") == Some(&Value::from("apiKey")))
        .filter(|s| s.get("in") == Some(&Value::from("header")))
        .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut found = Vec::new();
    for loc in doc::operations(document) {
        let Some(operation_id) = doc::operation_id(document, &loc) else {
            continue;
        };
        let path_level = document
            .pointer(&format!("/paths/{}/parameters", escape(&loc.path)))
            .and_then(Value::as_array);
        let op_level = doc::operation(document, &loc)
            .and_then(|op| op.get("parameters"))
            .and_then(Value::as_array);
        let mut headers: Vec<String> = Vec::new();
        for parameter in op_level.into_iter().chain(path_level).flatten() {
            let parameter = doc::resolve(document, parameter);
            let is_header = parameter.get("in").and_then(Value::as_str) == Some("header");
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                continue;
            };
            let seen = headers.iter().any(|h| h.eq_ignore_ascii_case(name));
            if is_header && !seen && is_secret_header(name, &scheme_headers) {
                headers.push(name.to_owned());
            }
        }
        found.extend(headers.into_iter().map(|header| SecretHeader {
            operation_id: operation_id.clone(),
            header,
        }));
    }
    found
}

/// JSON pointer escaping of one path segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Redacts the secret headers of the operation builders (module `builder` at the top of the
/// generated file). Returns, per changed operation, its id and the headers hidden.
pub fn redact_secret_headers(
    file: &mut File,
    secrets: &[SecretHeader],
) -> Vec<(String, Vec<String>)> {
    let Some(builders) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut operations: Vec<(String, Vec<String>)> = Vec::new();
    for secret in secrets {
        match operations
            .iter_mut()
            .find(|(id, _)| *id == secret.operation_id)
        {
            Some((_, headers)) => headers.push(secret.header.clone()),
            None => operations.push((secret.operation_id.clone(), vec![secret.header.clone()])),
        }
    }
    let mut changed = Vec::new();
    for (operation_id, headers) in operations {
        let name = doc::pascal(&operation_id);
        let fields: Vec<String> = headers.iter().map(|h| doc::snake(h)).collect();
        let Some(index) = builders.iter().position(
            |item| matches!(item, Item::Struct(s) if s.ident == name && has_fields(s, &fields)),
        ) else {
            continue;
        };
        let Item::Struct(builder) = &mut builders[index] else {
            continue;
        };
        drop_derived_debug(builder);
        let debug_impl = redacting_debug(builder, &fields);
        for item in builders.iter_mut() {
            if let Item::Impl(imp) = item
                && imp.trait_.is_none()
                && impl_target(imp).as_deref() == Some(name.as_str())
            {
                for header in &headers {
                    mark_sensitive_in_impl(imp, header);
                }
            }
        }
        builders.insert(index + 1, Item::Impl(debug_impl));
        changed.push((operation_id, headers));
    }
    changed
}

fn has_fields(s: &ItemStruct, fields: &[String]) -> bool {
    fields.iter().all(|f| {
        s.fields
            .iter()
            .any(|field| field.ident.as_ref().is_some_and(|i| i == f))
    })
}

fn impl_target(imp: &ItemImpl) -> Option<String> {
    match imp.self_ty.as_ref() {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

pub(crate) fn drop_derived_debug(s: &mut ItemStruct) {
    for attr in s.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        if let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) {
            let kept: Vec<&syn::Path> = paths.iter().filter(|p| !p.is_ident("Debug")).collect();
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
}

/// `impl Debug` printing every field of the builder, the secret ones as `<redacted>`.
fn redacting_debug(s: &ItemStruct, secret_fields: &[String]) -> ItemImpl {
    let ident = &s.ident;
    let name = ident.to_string();
    let (impl_generics, type_generics, where_clause) = s.generics.split_for_impl();
    let fields = s.fields.iter().filter_map(|field| {
        let field_ident = field.ident.as_ref()?;
        let label = field_ident.to_string();
        let ty = &field.ty;
        let optional = quote::quote!(#ty).to_string().contains("Option");
        let value: Expr = if !secret_fields.contains(&label) {
            parse_quote!(&self.#field_ident)
        } else if optional {
            parse_quote!(&self.#field_ident.as_ref().map(|v| v.as_ref().map(|_| REDACTED)))
        } else {
            parse_quote!(&self.#field_ident.as_ref().map(|_| REDACTED))
        };
        Some(quote::quote!(.field(#label, #value)))
    });
    let redacted = syn::Ident::new("REDACTED", Span::call_site());
    parse_quote! {
        impl #impl_generics ::std::fmt::Debug for #ident #type_generics #where_clause {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                // Secret header values never reach Debug output; whether they are set does.
                const #redacted: &str = "<redacted>";
                f.debug_struct(#name) #(#fields)* .finish()
            }
        }
    }
}

/// Rewrites `header_map.append("<header>", value)` into an append of a sensitive value.
fn mark_sensitive_in_impl(imp: &mut ItemImpl, header: &str) {
    for member in &mut imp.items {
        if let syn::ImplItem::Fn(f) = member {
            mark_sensitive_in_stmts(&mut f.block.stmts, header);
        }
    }
}

fn mark_sensitive_in_stmts(stmts: &mut [Stmt], header: &str) {
    for stmt in stmts {
        match stmt {
            Stmt::Expr(expr, _) => mark_sensitive_in_expr(expr, header),
            Stmt::Local(local) => {
                if let Some(init) = &mut local.init {
                    mark_sensitive_in_expr(&mut init.expr, header);
                }
            }
            _ => {}
        }
    }
}

fn mark_sensitive_in_expr(expr: &mut Expr, header: &str) {
    match expr {
        Expr::If(e) => {
            mark_sensitive_in_stmts(&mut e.then_branch.stmts, header);
            if let Some((_, other)) = &mut e.else_branch {
                mark_sensitive_in_expr(other, header);
            }
        }
        Expr::Block(e) => mark_sensitive_in_stmts(&mut e.block.stmts, header),
        Expr::MethodCall(call) if call.method == "append" && call.args.len() == 2 => {
            let names_header = matches!(
                &call.args[0],
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value().eq_ignore_ascii_case(header)
            );
            if names_header {
                let value = call.args[1].clone();
                call.args[1] = parse_quote!({
                    let mut secret: ::reqwest::header::HeaderValue = #value;
                    secret.set_sensitive(true);
                    secret
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use serde_json::json;

    #[test]
    fn secret_headers_are_recognised_by_name_suffix_and_scheme() {
        let schemes = vec!["X-Shop-Auth".to_string()];
        for name in [
            "x-api-key",
            "X-API-Key",
            "Authorization",
            "x-webhook-token",
            "apikey",
            "x-shop-auth",
        ] {
            assert!(is_secret_header(name, &schemes), "{name}");
        }
        for name in ["x-request-id", "api-version", "accept", "x-keyboard"] {
            assert!(!is_secret_header(name, &schemes), "{name}");
        }
    }

    #[test]
    fn finds_secret_header_parameters_per_operation() {
        let doc = json!({
            "paths": {
                "/hook/{id}": {
                    "parameters": [{"$ref": "#/components/parameters/Token"}],
                    "post": {"operationId": "postHook", "parameters": [
                        {"name": "id", "in": "path"},
                        {"name": "x-api-key", "in": "header"},
                        {"name": "x-request-id", "in": "header"},
                        {"name": "api_key", "in": "query"}
                    ]}
                },
                "/plain": {"get": {"operationId": "plain", "parameters": [{"name": "x-trace", "in": "header"}]}}
            },
            "components": {"parameters": {"Token": {"name": "x-webhook-token", "in": "header"}}}
        });
        let found = secret_header_parameters(&doc);
        let pairs: Vec<(&str, &str)> = found
            .iter()
            .map(|s| (s.operation_id.as_str(), s.header.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("postHook", "x-api-key"), ("postHook", "x-webhook-token")]
        );
    }

    #[test]
    fn the_builder_debug_redacts_and_the_header_is_sensitive() {
        let mut file: File = parse_quote! {
            pub mod builder {
                #[derive(Debug, Clone)]
                pub struct PostHook<'a> {
                    client: &'a super::Client,
                    id: Result<::std::string::String, String>,
                    x_api_key: Result<Option<::std::string::String>, String>,
                }
                impl<'a> PostHook<'a> {
                    pub async fn send(self) -> Result<(), Error> {
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                        if let Some(value) = x_api_key {
                            header_map.append("x-api-key", value.to_string().try_into()?);
                        }
                        Ok(())
                    }
                }
                #[derive(Debug, Clone)]
                pub struct Other<'a> {
                    client: &'a super::Client,
                }
            }
        };
        let secrets = [SecretHeader {
            operation_id: "postHook".into(),
            header: "x-api-key".into(),
        }];
        let changed = redact_secret_headers(&mut file, &secrets);
        assert_eq!(
            changed,
            [("postHook".to_string(), vec!["x-api-key".to_string()])]
        );
        let text = quote!(#file).to_string();
        assert!(
            text.contains("# [derive (Clone)] pub struct PostHook"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (Debug , Clone)] pub struct Other"),
            "{text}"
        );
        assert!(
            text.contains(
                ". field (\"x_api_key\" , & self . x_api_key . as_ref () . map (| v | v . as_ref () . map (| _ | REDACTED)))"
            ),
            "{text}"
        );
        assert!(text.contains(". field (\"id\" , & self . id)"), "{text}");
        assert!(text.contains("secret . set_sensitive (true)"), "{text}");
    }
}

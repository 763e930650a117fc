//! Post-processing of the generated code: a request's URL is joined onto the base URL parsed once.
//!
//! progenitor formats each request's URL as text and hands it to reqwest, which parses all of it (scheme, host
//! with IDNA processing, port, path) on every request:
//!
//! ```text
//! let url = format!("{}/v1/admin/assistant/get/{}", client.baseurl, encode_path(&assistant_id.to_string()),);
//! let mut request = client.client.get(url)…
//! ```
//!
//! Only the path changes between requests. This pass passes the path to `crate::base_url::join`, which parses
//! the client's base URL once and per request only the path, giving the URL the full parse would (or doing the
//! full parse where it cannot promise that); an invalid URL is `Error::InvalidRequest` with the parser's reason:
//!
//! ```text
//! let url = crate::base_url::join(client, format_args!("/v1/admin/assistant/get/{}", encode_path(&…)))
//!     .map_err(Error::InvalidRequest)?;
//! ```
//!
//! Only a `format!` whose template starts with `{}` for `client.baseurl` and whose other placeholders are all
//! plain `{}` is rewritten; any other shape is left as progenitor wrote it.

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::{Expr, File, Stmt, Token};

use crate::send_tokens::{bound_name, compact, initializer, initializer_mut};

/// Rewrites the URL of every builder's `send`. Returns the builder type names changed, in file order.
pub fn join_onto_parsed_base(file: &mut File) -> Vec<String> {
    crate::send_tokens::rewrite_sends(file, |stmts| rewrite_url(stmts))
}

/// The rewrite on one function body; `false` (and the body untouched) unless the exact shape is found.
fn rewrite_url(stmts: &mut [Stmt]) -> bool {
    let joined: Vec<(usize, Expr)> = stmts
        .iter()
        .enumerate()
        .filter(|(_, stmt)| bound_name(stmt).as_deref() == Some("url"))
        .filter_map(|(index, stmt)| Some((index, joined_url(initializer(stmt)?)?)))
        .collect();
    // Exactly one URL: any other shape is not progenitor's.
    let [(index, joined)] = &joined[..] else {
        return false;
    };
    if let Some(init) = initializer_mut(&mut stmts[*index]) {
        *init = joined.clone();
    }
    true
}

/// `crate::base_url::join(client, format_args!(<path template>, <path arguments>)).map_err(..)?` for
/// `format!("{}<path template>", client.baseurl, <path arguments>)`.
fn joined_url(expr: &Expr) -> Option<Expr> {
    let Expr::Macro(mac) = expr else { return None };
    if !mac.mac.path.is_ident("format") {
        return None;
    }
    let args = mac
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let Some(Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    })) = args.next()
    else {
        return None;
    };
    let path = template.value().strip_prefix("{}")?.to_owned();
    if compact(&args.next()?) != "client.baseurl" || !only_plain_placeholders(&path) {
        return None;
    }
    let rest: Vec<Expr> = args.collect();
    let placeholders = path.matches("{}").count();
    if placeholders != rest.len() {
        return None;
    }
    let path = syn::LitStr::new(&path, template.span());
    let arguments: TokenStream = quote::quote!(#path #(, #rest)*);
    Some(syn::parse_quote! {
        crate::base_url::join(client, format_args!(#arguments)).map_err(Error::InvalidRequest)?
    })
}

/// Whether every `{` and `}` of `template` is part of a plain `{}` placeholder (no escapes, names or positions),
/// so removing the first argument keeps the others in place.
fn only_plain_placeholders(template: &str) -> bool {
    let without = template.replace("{}", "");
    !without.contains(['{', '}'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::{body_of, send_fn};

    #[test]
    fn a_constant_path_is_joined_onto_the_base() {
        let mut file = send_fn(quote::quote! {
            let Self { client } = self;
            let url = format!("{}/health", client.baseurl,);
            let mut request = client.client.get(url).build()?;
            client.exec(request).await
        });
        assert_eq!(
            join_onto_parsed_base(&mut file),
            vec!["GetThing".to_string()]
        );
        let body = body_of(&file);
        assert!(
            body.contains(
                "leturl=crate::base_url::join(client,format_args!(\"/health\")).map_err(Error::InvalidRequest)?;"
            ),
            "{body}"
        );
        assert!(!body.contains("baseurl"), "{body}");
    }

    #[test]
    fn path_parameters_stay_in_their_places() {
        let mut file = send_fn(quote::quote! {
            let url = format!(
                "{}/v1/knowledge-base/{}/files/{}",
                client.baseurl,
                encode_path(&kb.to_string()),
                encode_path(&file.to_string()),
            );
            client.client.delete(url).build()?
        });
        assert_eq!(join_onto_parsed_base(&mut file).len(), 1);
        let body = body_of(&file);
        assert!(
            body.contains(
                "crate::base_url::join(client,format_args!(\"/v1/knowledge-base/{}/files/{}\",\
                 encode_path(&kb.to_string()),encode_path(&file.to_string())),).map_err(Error::InvalidRequest)?"
            ),
            "{body}"
        );
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for tokens in [
            // Not the base URL first.
            quote::quote! { let url = format!("{}/health", other.baseurl); },
            // A named or positional placeholder, or an escaped brace.
            quote::quote! { let url = format!("{}/x/{id}", client.baseurl); },
            quote::quote! { let url = format!("{}/x/{0}", client.baseurl, a); },
            quote::quote! { let url = format!("{}/x/{{literal}}", client.baseurl); },
            // Arguments that do not match the placeholders.
            quote::quote! { let url = format!("{}/x/{}", client.baseurl); },
            // Not a `format!`, or not the `url` local.
            quote::quote! { let url = concat(client.baseurl, "/health"); },
            quote::quote! { let uri = format!("{}/health", client.baseurl); },
        ] {
            let mut file = send_fn(tokens.clone());
            assert!(join_onto_parsed_base(&mut file).is_empty(), "{tokens}");
            assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
        }
    }
}

//! Post-processing of the generated code: each `send` hands its operation's table entry to the hooks.
//!
//! progenitor ends every `send` with its hook calls, naming the operation by its method name only:
//!
//! ```text
//! let info = OperationInfo { operation_id: "initiate_call" };
//! client.pre(&mut request, &info).await?;
//! let result = client.exec(request, &info).await;
//! client.post(&result, &info).await?;
//! ```
//!
//! The credential hook (`pre`) and the executor hook (`exec`) each had to find the operation's entry of
//! `operations::OPERATIONS` by that name, a hash of a string twice per request, and `pre` and `post` are
//! `async` calls that are polled even though neither waits for anything (`post` is progenitor's default, which
//! does nothing). This pass replaces the sequence with calls of the same hooks, given the entry itself (the
//! request is passed by value, so the `send` future does not keep a borrowed request's storage across its
//! awaits):
//!
//! ```text
//! let operation = &crate::operations::OPERATIONS[17];
//! let request = crate::hooks::prepare(client, request, operation)?;
//! let result = crate::hooks::execute(client, request, operation).await;
//! ```
//!
//! The index is the operation's position in the table, which is written from the same operation list in the
//! same order. A `send` of any other shape, or naming an operation the table lacks, is left as progenitor wrote
//! it (and still works through `ClientHooks`).

use std::collections::BTreeMap;

use crate::send_tokens::{compact, mentions};
use syn::{Expr, ExprLit, File, Lit, Local, Pat, Stmt};

/// Rewrites the hook calls of every builder's `send`. `table` maps each method name (`initiate_call`) to its
/// entry's index in `operations::OPERATIONS`. Returns the builder type names changed, in file order.
pub fn pass_table_entries(file: &mut File, table: &BTreeMap<String, usize>) -> Vec<String> {
    crate::send_tokens::rewrite_sends(file, |stmts| rewrite_block(stmts, table))
}

/// Each method name's index in the operation table, given the names in table order. A name that occurs twice is
/// left out: its `send` could not tell which entry is its own, and keeps progenitor's lookup.
pub fn table_indices(method_names: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
    for (index, name) in method_names.into_iter().enumerate() {
        seen.entry(name)
            .and_modify(|slot| *slot = None)
            .or_insert(Some(index));
    }
    seen.into_iter()
        .filter_map(|(name, index)| Some((name, index?)))
        .collect()
}

/// The hook calls progenitor writes after `let info = ...;`, in order, as tokens without spaces.
const HOOK_CALLS: [&str; 3] = [
    "client.pre(&mutrequest,&info).await?;",
    "letresult=client.exec(request,&info).await;",
    "client.post(&result,&info).await?;",
];

/// The rewrite on one function body; `false` (and the body untouched) unless the exact shape is found.
fn rewrite_block(stmts: &mut Vec<Stmt>, table: &BTreeMap<String, usize>) -> bool {
    let Some(at) = stmts.iter().position(|s| info_name(s).is_some()) else {
        return false;
    };
    let Some(index) = info_name(&stmts[at]).and_then(|name| table.get(&name).copied()) else {
        return false;
    };
    let calls = stmts.get(at + 1..at + 1 + HOOK_CALLS.len());
    let matches = calls.is_some_and(|calls| {
        calls
            .iter()
            .zip(HOOK_CALLS)
            .all(|(stmt, expected)| compact(stmt) == expected)
    });
    if !matches {
        return false;
    }
    // `info` must not be used anywhere else, or removing it would break the body.
    let end = at + 1 + HOOK_CALLS.len();
    if stmts[end..].iter().any(|s| mentions(s, "info")) {
        return false;
    }
    let replacement: [Stmt; 3] = [
        syn::parse_quote! { let operation = &crate::operations::OPERATIONS[#index]; },
        syn::parse_quote! { let request = crate::hooks::prepare(client, request, operation)?; },
        syn::parse_quote! { let result = crate::hooks::execute(client, request, operation).await; },
    ];
    stmts.splice(at..end, replacement);
    true
}

/// The method name in `let info = OperationInfo { operation_id: "<name>" };`.
fn info_name(stmt: &Stmt) -> Option<String> {
    let Stmt::Local(Local {
        pat: Pat::Ident(pat),
        init: Some(init),
        ..
    }) = stmt
    else {
        return None;
    };
    if pat.ident != "info" {
        return None;
    }
    let Expr::Struct(info) = &*init.expr else {
        return None;
    };
    if !info.path.is_ident("OperationInfo") || info.fields.len() != 1 || info.rest.is_some() {
        return None;
    }
    let field = info.fields.first()?;
    let syn::Member::Named(member) = &field.member else {
        return None;
    };
    match &field.expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) if member == "operation_id" => Some(name.value()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_test_support::{body_of, send_fn};

    fn table() -> BTreeMap<String, usize> {
        BTreeMap::from([("get_thing".to_string(), 7)])
    }

    fn progenitor_send(name: &str) -> proc_macro2::TokenStream {
        quote::quote! {
            let url = format!("{}/thing", client.baseurl,);
            let mut request = client.client.get(url).build()?;
            let info = OperationInfo { operation_id: #name };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            Ok(response)
        }
    }

    #[test]
    fn a_method_name_in_the_table_twice_gets_no_index() {
        let names = ["a", "b", "a", "c"].map(String::from);
        assert_eq!(
            table_indices(names),
            BTreeMap::from([("b".to_string(), 1), ("c".to_string(), 3)])
        );
    }

    #[test]
    fn the_hooks_get_the_table_entry() {
        let mut file = send_fn(progenitor_send("get_thing"));
        assert_eq!(
            pass_table_entries(&mut file, &table()),
            vec!["GetThing".to_string()]
        );
        let body = body_of(&file);
        assert!(
            body.contains(
                "letmutrequest=client.client.get(url).build()?;\
                 letoperation=&crate::operations::OPERATIONS[7usize];\
                 letrequest=crate::hooks::prepare(client,request,operation)?;\
                 letresult=crate::hooks::execute(client,request,operation).await;\
                 letresponse=result?;"
            ),
            "{body}"
        );
        assert!(!body.contains("info"), "{body}");
    }

    #[test]
    fn an_operation_the_table_lacks_is_left_alone() {
        let tokens = progenitor_send("get_other_thing");
        let mut file = send_fn(tokens.clone());
        assert!(pass_table_entries(&mut file, &table()).is_empty());
        assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let shapes = [
            // The post hook missing.
            quote::quote! {
                let info = OperationInfo { operation_id: "get_thing" };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                let response = result?;
            },
            // `info` used afterwards.
            quote::quote! {
                let info = OperationInfo { operation_id: "get_thing" };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
                log(&info);
            },
            // A name that is not a literal.
            quote::quote! {
                let info = OperationInfo { operation_id: NAME };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
            },
            // Nothing after the info.
            quote::quote! {
                let info = OperationInfo { operation_id: "get_thing" };
            },
        ];
        for tokens in shapes {
            let mut file = send_fn(tokens.clone());
            assert!(
                pass_table_entries(&mut file, &table()).is_empty(),
                "{tokens}"
            );
            assert_eq!(body_of(&file), body_of(&send_fn(tokens)));
        }
    }
}

//! Comparing two reduced specs, one [`Change`] per difference, each with what it means for SDK users.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Fields, Operation, Slot};
use super::{Change, Impact};

/// Every difference from `base` to `new`.
pub fn compare(
    base: &BTreeMap<String, Operation>,
    new: &BTreeMap<String, Operation>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let removed: Vec<&Operation> = base
        .values()
        .filter(|op| !new.contains_key(&op.id))
        .collect();
    let added: Vec<&Operation> = new
        .values()
        .filter(|op| !base.contains_key(&op.id))
        .collect();
    // An id gone and another come on the same method and path is a rename.
    let mut renamed = BTreeSet::new();
    for old in &removed {
        if let Some(now) = added
            .iter()
            .find(|op| op.method == old.method && op.path == old.path)
        {
            renamed.insert(now.id.clone());
            changes.push(Change::new(
                Impact::Breaking,
                "operation renamed",
                &now.id,
                format!(
                    "`{}` is now `{}` ({} {}): the generated method and builder are renamed",
                    old.id, now.id, now.method, now.path
                ),
            ));
            compare_operation(old, now, &mut changes);
        } else {
            changes.push(Change::new(
                Impact::Breaking,
                "operation removed",
                &old.id,
                format!(
                    "{} {}: its generated method and types are gone",
                    old.method, old.path
                ),
            ));
        }
    }
    for op in added.iter().filter(|op| !renamed.contains(&op.id)) {
        changes.push(Change::new(
            Impact::Additive,
            "operation added",
            &op.id,
            format!("{} {}: a new method", op.method, op.path),
        ));
    }
    for (id, old) in base {
        if let Some(now) = new.get(id) {
            compare_operation(old, now, &mut changes);
        }
    }
    changes
}

fn compare_operation(old: &Operation, now: &Operation, changes: &mut Vec<Change>) {
    let id = now.id.as_str();
    if old.method != now.method || old.path != now.path {
        changes.push(Change::new(
            Impact::Breaking,
            "operation moved",
            id,
            format!(
                "{} {} is now {} {}",
                old.method, old.path, now.method, now.path
            ),
        ));
    }
    compare_params(id, &old.params, &now.params, changes);
    for header in now.credentials.difference(&old.credentials) {
        changes.push(Change::new(
            Impact::Breaking,
            "credential added",
            id,
            format!("now needs the `{header}` header: a client without it configured gets MissingCredential"),
        ));
    }
    for header in old.credentials.difference(&now.credentials) {
        changes.push(Change::new(
            Impact::None,
            "credential removed",
            id,
            format!("no longer needs the `{header}` header; the SDK stops sending it"),
        ));
    }
    match (&old.body, &now.body) {
        (None, Some(_)) => changes.push(Change::new(
            Impact::Breaking,
            "request body added",
            id,
            "the operation now takes a JSON body: the builder needs `.body(..)`".into(),
        )),
        (Some(_), None) => changes.push(Change::new(
            Impact::Breaking,
            "request body removed",
            id,
            "the operation no longer takes a JSON body: `.body(..)` is gone".into(),
        )),
        (Some(old_body), Some(new_body)) => {
            compare_fields(id, "request body", old_body, new_body, true, changes)
        }
        (None, None) => {}
    }
    for (status, old_response) in &old.responses {
        match (old_response, now.responses.get(status)) {
            (_, None) => changes.push(Change::new(
                Impact::Breaking,
                "response removed",
                id,
                format!("status {status} is no longer declared: it now arrives as an unexpected response"),
            )),
            (Some(old_fields), Some(Some(new_fields))) => {
                compare_fields(id, &format!("response {status}"), old_fields, new_fields, false, changes)
            }
            (None, Some(Some(_))) => changes.push(Change::new(
                Impact::Breaking,
                "response schema changed",
                id,
                format!("status {status} now has a JSON body: its generated type changes"),
            )),
            (Some(_), Some(None)) => changes.push(Change::new(
                Impact::Breaking,
                "response schema changed",
                id,
                format!("status {status} no longer has a JSON body: its generated type changes"),
            )),
            (None, Some(None)) => {}
        }
    }
    for status in now
        .responses
        .keys()
        .filter(|s| !old.responses.contains_key(*s))
    {
        changes.push(Change::new(
            Impact::Additive,
            "response added",
            id,
            format!("status {status} is now declared"),
        ));
    }
}

fn compare_params(
    id: &str,
    old: &BTreeMap<String, Slot>,
    now: &BTreeMap<String, Slot>,
    changes: &mut Vec<Change>,
) {
    for (name, slot) in now.iter().filter(|(name, _)| !old.contains_key(*name)) {
        let (impact, meaning) = if slot.required {
            (
                Impact::Breaking,
                "required: existing calls fail until they set it",
            )
        } else {
            (Impact::Additive, "optional: a new builder setter")
        };
        changes.push(Change::new(
            impact,
            "parameter added",
            id,
            format!("`{name}` ({}), {meaning}", slot.ty),
        ));
    }
    for name in old.keys().filter(|name| !now.contains_key(*name)) {
        changes.push(Change::new(
            Impact::Breaking,
            "parameter removed",
            id,
            format!("`{name}`: its builder setter is gone"),
        ));
    }
    for (name, old_slot) in old {
        let Some(new_slot) = now.get(name) else {
            continue;
        };
        let subject = format!("parameter `{name}`");
        if old_slot.ty != new_slot.ty {
            changes.push(Change::new(
                Impact::Breaking,
                "parameter type changed",
                id,
                format!("{subject}: {} → {}", old_slot.ty, new_slot.ty),
            ));
        }
        match (old_slot.required, new_slot.required) {
            (false, true) => changes.push(Change::new(
                Impact::Breaking,
                "parameter now required",
                id,
                format!("{subject}: calls that do not set it fail"),
            )),
            (true, false) => changes.push(Change::new(
                Impact::Additive,
                "parameter now optional",
                id,
                format!("{subject}: calls may leave it out"),
            )),
            _ => {}
        }
        compare_enum(id, &subject, old_slot, new_slot, true, changes);
    }
}

/// Compares body fields. In a request body (`request == true`) the user builds the value; in a response the SDK
/// decodes it.
fn compare_fields(
    id: &str,
    where_: &str,
    old: &Fields,
    now: &Fields,
    request: bool,
    changes: &mut Vec<Change>,
) {
    let shown = |path: &str| {
        if path.is_empty() {
            where_.to_owned()
        } else {
            format!("{where_} field `{path}`")
        }
    };
    // Reported at the highest level: a field under an added or removed object is not listed again.
    let under = |path: &str, set: &BTreeSet<&String>| {
        set.iter().any(|parent| {
            !parent.is_empty()
                && path.len() > parent.len()
                && path.starts_with(parent.as_str())
                && matches!(path.as_bytes()[parent.len()], b'.' | b'[' | b'{')
        })
    };
    let added: BTreeSet<&String> = now.keys().filter(|path| !old.contains_key(*path)).collect();
    let removed: BTreeSet<&String> = old.keys().filter(|path| !now.contains_key(*path)).collect();
    for path in added.iter().filter(|path| !under(path, &added)) {
        let slot = &now[*path];
        let (impact, meaning) = match (request, slot.required) {
            (true, true) => (
                Impact::Breaking,
                "required: requests without it are refused, and struct literals and constructors need it",
            ),
            (true, false) => (
                Impact::Breaking,
                "optional: struct literals of the generated type need the new field (its builder does not)",
            ),
            (false, _) => (
                Impact::Additive,
                "decoded into a new field of the generated type",
            ),
        };
        changes.push(Change::new(
            impact,
            "field added",
            id,
            format!("{} ({}), {meaning}", shown(path), slot.ty),
        ));
    }
    for path in removed.iter().filter(|path| !under(path, &removed)) {
        let meaning = if request {
            "its setter and struct field are gone"
        } else {
            "no longer decoded: code reading it stops compiling"
        };
        changes.push(Change::new(
            Impact::Breaking,
            "field removed",
            id,
            format!("{}: {meaning}", shown(path)),
        ));
    }
    for (path, old_slot) in old {
        let Some(new_slot) = now.get(path) else {
            continue;
        };
        if old_slot.ty != new_slot.ty {
            changes.push(Change::new(
                Impact::Breaking,
                "field type changed",
                id,
                format!("{}: {} → {}", shown(path), old_slot.ty, new_slot.ty),
            ));
        }
        if old_slot.required != new_slot.required && !path.is_empty() {
            let (kind, meaning) = if new_slot.required {
                (
                    "field now required",
                    "its Rust type changes from `Option<T>` to `T`",
                )
            } else {
                (
                    "field now optional",
                    "its Rust type changes from `T` to `Option<T>`",
                )
            };
            changes.push(Change::new(
                Impact::Breaking,
                kind,
                id,
                format!("{}: {meaning}", shown(path)),
            ));
        }
        compare_enum(id, &shown(path), old_slot, new_slot, request, changes);
    }
}

fn compare_enum(
    id: &str,
    subject: &str,
    old: &Slot,
    now: &Slot,
    request: bool,
    changes: &mut Vec<Change>,
) {
    let (Some(old_values), Some(new_values)) = (&old.enum_values, &now.enum_values) else {
        return;
    };
    for value in new_values.difference(old_values) {
        // Generated enums are exhaustive (plus `Unknown(String)`): a new variant breaks exhaustive `match`es.
        let meaning = if request {
            "a new variant: exhaustive `match`es on the generated enum need an arm"
        } else {
            "a new variant (decoded as `Unknown` before regenerating): exhaustive `match`es need an arm"
        };
        changes.push(Change::new(
            Impact::Breaking,
            "enum value added",
            id,
            format!("{subject}: `{value}`, {meaning}"),
        ));
    }
    for value in old_values.difference(new_values) {
        let meaning = if request {
            "the variant is gone: code sending it stops compiling"
        } else {
            "the variant is gone: it now decodes as `Unknown`"
        };
        changes.push(Change::new(
            Impact::Breaking,
            "enum value removed",
            id,
            format!("{subject}: `{value}`, {meaning}"),
        ));
    }
}

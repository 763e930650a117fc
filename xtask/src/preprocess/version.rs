//! Rule: the document must be OpenAPI 3.0.x, the only version progenitor 0.15.1 reads.

use serde_json::Value;

use super::PreprocessError;

/// Fails with a clear message unless `openapi` is `3.0.x`.
pub fn check_openapi_version(doc: &Value) -> Result<(), PreprocessError> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.trim().starts_with("3.0.") => Ok(()),
        Some(v) => Err(PreprocessError(format!(
            "the spec is OpenAPI {v}, but progenitor 0.15.1 reads only OpenAPI 3.0.x; \
             convert it to 3.0 (e.g. `type: [T, \"null\"]` → `nullable: true`, `prefixItems` → `items`) \
             and run codegen again"
        ))),
        None if doc.get("swagger").is_some() => Err(PreprocessError(
            "the spec is Swagger 2.0; convert it to OpenAPI 3.0.x first".into(),
        )),
        None => Err(PreprocessError(
            "the spec has no `openapi` version field; is it an OpenAPI document?".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_3_0_and_rejects_others_with_a_reason() {
        assert!(check_openapi_version(&json!({"openapi": "3.0.3"})).is_ok());
        let err = check_openapi_version(&json!({"openapi": "3.1.0"})).unwrap_err();
        assert!(
            err.0.contains("OpenAPI 3.1.0") && err.0.contains("3.0.x"),
            "{err}"
        );
        let err = check_openapi_version(&json!({"swagger": "2.0"})).unwrap_err();
        assert!(err.0.contains("Swagger 2.0"), "{err}");
        assert!(check_openapi_version(&json!({})).is_err());
    }
}

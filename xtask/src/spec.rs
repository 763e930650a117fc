//! Reading a spec file: YAML or JSON, whatever the extension says.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The two formats a spec file may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecFormat {
    /// `.yaml` / `.yml`.
    Yaml,
    /// `.json`.
    Json,
}

impl SpecFormat {
    /// The format the file's extension names.
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("yaml" | "yml") => Ok(Self::Yaml),
            Some("json") => Ok(Self::Json),
            other => bail!(
                "{}: cannot tell the spec format from the extension {:?}; use .yaml, .yml or .json",
                path.display(),
                other.unwrap_or("")
            ),
        }
    }
}

/// Parses spec text into a JSON value, keeping key order.
pub fn parse(text: &str, format: SpecFormat) -> Result<Value> {
    match format {
        SpecFormat::Json => serde_json::from_str(text).context("the spec is not valid JSON"),
        SpecFormat::Yaml => {
            let mut yaml: serde_norway::Value =
                serde_norway::from_str(text).context("the spec is not valid YAML")?;
            yaml.apply_merge()
                .context("the spec has an invalid YAML merge key")?;
            yaml_to_json(yaml)
        }
    }
}

/// Reads and parses the spec file at `path`.
pub fn load(path: &Path) -> Result<Value> {
    let format = SpecFormat::from_path(path)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text, format).with_context(|| format!("parsing {}", path.display()))
}

/// YAML allows non-string keys (`200:` is an integer); OpenAPI means them as strings.
fn yaml_to_json(value: serde_norway::Value) -> Result<Value> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_>>()?)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!("unsupported YAML mapping key: {other:?}"),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_integer_keys_and_anchors_become_json() {
        let text = "base: &b {a: 1}\nresponses:\n  200: {description: ok}\ncopy: *b\n";
        let value = parse(text, SpecFormat::Yaml).unwrap();
        assert_eq!(value["responses"]["200"]["description"], "ok");
        assert_eq!(value["copy"]["a"], 1);
    }

    #[test]
    fn format_comes_from_the_extension() {
        assert_eq!(
            SpecFormat::from_path(Path::new("a/spec.YML")).unwrap(),
            SpecFormat::Yaml
        );
        assert_eq!(
            SpecFormat::from_path(Path::new("spec.json")).unwrap(),
            SpecFormat::Json
        );
        assert!(SpecFormat::from_path(Path::new("spec.txt")).is_err());
    }
}

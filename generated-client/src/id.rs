//! What every typed id is: the generated `ids` module names one type per resource (`cargo xtask codegen`'s
//! `typed-ids` rule), and `define_ids!` gives each the same shape.
//!
//! An id is an opaque string the API chose. It is kept exactly as received (no trimming, no case change), so
//! deserializing never fails on a value the API sends; parsing one from text ([`FromStr`](std::str::FromStr))
//! refuses only a blank value, which would address another route.

use std::fmt;

/// A blank string parsed as an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlankId {
    /// The id type that was asked for, e.g. `"AssistantId"`.
    pub id_type: &'static str,
}

impl fmt::Display for BlankId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an empty or blank string is not a valid {}",
            self.id_type
        )
    }
}

impl std::error::Error for BlankId {}

/// Defines id newtypes: serde-transparent, `Display`, `FromStr` (refusing blank), `From` a `String`, `&String` or `&str`,
/// `AsRef<str>`, `Borrow<str>` (so a map keyed by id can be searched with `&str`), comparisons with `str`, and a
/// string JSON schema.
macro_rules! define_ids {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {$(
        $(#[$attr])*
        #[derive(
            ::std::clone::Clone,
            ::std::cmp::PartialEq,
            ::std::cmp::Eq,
            ::std::hash::Hash,
            ::std::cmp::PartialOrd,
            ::std::cmp::Ord,
            ::serde::Serialize,
            ::serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(::std::string::String);

        impl $name {
            /// The id `value`, as the API sent it or as given.
            pub fn new(value: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(value.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, consuming it.
            pub fn into_string(self) -> ::std::string::String {
                self.0
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::id::BlankId;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                if value.trim().is_empty() {
                    Err($crate::id::BlankId { id_type: stringify!($name) })
                } else {
                    Ok(Self(value.to_owned()))
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self(value)
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl ::std::convert::From<&::std::string::String> for $name {
            fn from(value: &::std::string::String) -> Self {
                Self(value.clone())
            }
        }

        impl ::std::convert::From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }

        impl ::std::convert::From<$name> for ::std::string::String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl ::std::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::string::String {
                stringify!($name).to_owned()
            }

            fn json_schema(generator: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                <::std::string::String as ::schemars::JsonSchema>::json_schema(generator)
            }

            fn is_referenceable() -> bool {
                false
            }
        }
    )*};
}

pub(crate) use define_ids;

#[cfg(test)]
mod tests {
    define_ids! {
        /// A test id.
        WidgetId,
        /// Another.
        GadgetId
    }

    #[test]
    fn ids_are_transparent_strings_of_distinct_types() {
        let widget: WidgetId = serde_json::from_str("\"6650f0c2a1b2c3d4e5f60718\"").unwrap();
        assert_eq!(widget, "6650f0c2a1b2c3d4e5f60718");
        assert_eq!(widget.to_string(), "6650f0c2a1b2c3d4e5f60718");
        assert_eq!(
            serde_json::to_string(&widget).unwrap(),
            "\"6650f0c2a1b2c3d4e5f60718\""
        );
        assert_eq!(
            format!("{widget:?}"),
            "WidgetId(\"6650f0c2a1b2c3d4e5f60718\")"
        );
        let gadget = GadgetId::from(widget.as_str());
        assert_eq!(gadget.as_str(), widget.as_str());
        let map: std::collections::HashMap<WidgetId, u8> = [(widget.clone(), 1)].into();
        assert_eq!(map.get("6650f0c2a1b2c3d4e5f60718"), Some(&1));
        assert_eq!(String::from(widget), "6650f0c2a1b2c3d4e5f60718");
    }

    #[test]
    fn parsing_refuses_only_blank_text_and_deserializing_keeps_anything() {
        assert_eq!(" ab c ".parse::<WidgetId>().unwrap(), " ab c ");
        let error = "  ".parse::<WidgetId>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "an empty or blank string is not a valid WidgetId"
        );
        assert_eq!("".parse::<GadgetId>().unwrap_err().id_type, "GadgetId");
        let kept: WidgetId = serde_json::from_str("\"\"").unwrap();
        assert_eq!(kept, "");
    }

    #[test]
    fn the_json_schema_is_a_plain_string() {
        let schema = schemars::schema_for!(WidgetId);
        let json = serde_json::to_value(&schema).unwrap();
        assert_eq!(json["type"], "string");
    }
}

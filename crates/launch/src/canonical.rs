//! The canonical text of a tool definition, the form pins are taken over: the same tool
//! gives the same text whichever protocol era listed it and however the server's JSON
//! library ordered members or spaced them.
//!
//! - Members are sorted by name (byte order), at every depth; whitespace is dropped;
//!   strings and numbers are written the way `serde_json` writes them.
//! - The tool's own `_meta` is left out: it carries per-era and per-request data, not what
//!   the tool does. So is `execution` (task support, a 2025-11-25 field the 2026-07-28
//!   era removed: the same server lists it to one era and not the other). A member of the
//!   tool set to `null` counts as absent, as SDKs that leave out empty fields write it.
//!   Deeper inside (in a schema, say) everything is kept: there it is what the model reads.
//! - A definition with a member twice in one object has no canonical text. Clients differ
//!   on which copy wins, so a server could change what one client sees without changing a
//!   canonical hash; such a tool is pinned over its raw bytes instead (see
//!   [`crate::pins`]), which any change at all breaks.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

/// `definition`'s canonical text, or `None` when it is not one JSON object without
/// duplicate members.
pub(crate) fn canonical_tool(definition: &str) -> Option<String> {
    let Canon::Object(mut members) = serde_json::from_str::<Canon>(definition).ok()? else {
        return None;
    };
    members.remove("_meta");
    members.remove("execution");
    members.retain(|_, value| !matches!(value, Canon::Null));
    let mut out = String::with_capacity(definition.len());
    Canon::Object(members).write(&mut out);
    Some(out)
}

/// A JSON value with its objects' members sorted, read so that duplicates are an error.
enum Canon {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Canon>),
    Object(BTreeMap<String, Canon>),
}

impl Canon {
    fn write(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Self::Number(number) => out.push_str(&number.to_string()),
            Self::String(text) => out.push_str(&crate::message::json_string(text)),
            Self::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Self::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&crate::message::json_string(name));
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl<'de> Deserialize<'de> for Canon {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CanonVisitor)
    }
}

struct CanonVisitor;

impl<'de> Visitor<'de> for CanonVisitor {
    type Value = Canon;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Canon, E> {
        Ok(Canon::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Canon, E> {
        Ok(Canon::Bool(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Canon, E> {
        Ok(Canon::Number(value.into()))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Canon, E> {
        Ok(Canon::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Canon, E> {
        // As JavaScript writes numbers (and RFC 8785 with it): an integral value is an
        // integer, `1.0` and `-0` are `1` and `0`.
        if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
            #[allow(clippy::cast_possible_truncation, reason = "integral and within 2^53")]
            return Ok(Canon::Number((value as i64).into()));
        }
        serde_json::Number::from_f64(value)
            .map(Canon::Number)
            .ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Canon, E> {
        Ok(Canon::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Canon, E> {
        Ok(Canon::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Canon, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Canon::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Canon, A::Error> {
        let mut members = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value()?;
            if members.insert(name, value).is_some() {
                return Err(de::Error::custom("a member appears twice"));
            }
        }
        Ok(Canon::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_one_era_only_do_not_count() {
        let legacy = canonical_tool(
            r#"{"name":"add","execution":{"taskSupport":"forbidden"},"title":null,"inputSchema":{"type":"object"}}"#,
        );
        let stateless = canonical_tool(r#"{"inputSchema":{"type":"object"},"name":"add"}"#);
        assert_eq!(legacy, stateless);
    }

    #[test]
    fn order_spacing_and_the_tools_own_meta_do_not_count() {
        let a = canonical_tool(
            r#"{"name":"add","inputSchema":{"type":"object","properties":{"b":{},"a":{}}},"_meta":{"x":1}}"#,
        );
        let b = canonical_tool(
            r#"{ "inputSchema" : { "properties" : { "a":{}, "b":{} }, "type":"object" }, "name":"add" }"#,
        );
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some(r#"{"inputSchema":{"properties":{"a":{},"b":{}},"type":"object"},"name":"add"}"#)
        );
    }

    #[test]
    fn everything_else_counts() {
        let base = canonical_tool(r#"{"name":"a","description":"adds"}"#);
        for changed in [
            r#"{"name":"a","description":"adds!"}"#,
            r#"{"name":"a","description":"adds","annotations":{}}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"_meta":{}}}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"default":null}}"#,
        ] {
            assert_ne!(canonical_tool(changed), base, "{changed}");
        }
    }

    #[test]
    fn escapes_and_numbers_are_written_one_way() {
        assert_eq!(
            canonical_tool(r#"{"name":"\u0061","n":1.50,"m":-0,"i":2.0,"e":1e2,"s":"\/"}"#)
                .as_deref(),
            Some(r#"{"e":100,"i":2,"m":0,"n":1.5,"name":"a","s":"/"}"#)
        );
    }

    #[test]
    fn duplicates_and_non_objects_have_no_canonical_form() {
        assert_eq!(canonical_tool(r#"{"name":"a","name":"b"}"#), None);
        assert_eq!(canonical_tool(r#"{"name":"a","s":{"t":1,"t":2}}"#), None);
        assert_eq!(canonical_tool(r#"["name"]"#), None);
        assert_eq!(canonical_tool("nonsense"), None);
    }
}

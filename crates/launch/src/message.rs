//! The little JSON-RPC the proxy needs to understand, read the way clients read it.
//!
//! Objects are read into [`RawObject`]: every member in order, values as the exact bytes the
//! peer sent. Lookups take the LAST member of a name, as JavaScript's and Python's parsers
//! do; otherwise a server could hide a second `"id"` or `"result"` from the proxy that the
//! client would act on. Messages the proxy does not rewrite are never re-serialized.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON object as its members in order, duplicates kept, values raw.
#[derive(Debug)]
pub(crate) struct RawObject<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> RawObject<'a> {
    /// `None` when `json` is not one valid JSON object.
    pub(crate) fn parse(json: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(json).ok()
    }

    pub(crate) fn parse_str(json: &'a str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }

    /// The last member called `key`, as clients that let later members win would see it.
    pub(crate) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The object as JSON, with `key` set to `value`: the last member of that name is
    /// replaced in place (earlier duplicates dropped), or the member is appended.
    pub(crate) fn with(&self, key: &str, value: &str) -> String {
        let last = self.0.iter().rposition(|(k, _)| k == key);
        let mut members: Vec<(&str, &str)> = Vec::with_capacity(self.0.len() + 1);
        for (i, (k, v)) in self.0.iter().enumerate() {
            if k == key && Some(i) != last {
                continue;
            }
            members.push((k, if Some(i) == last { value } else { v.get() }));
        }
        if last.is_none() {
            members.push((key, value));
        }
        let mut out =
            String::with_capacity(members.iter().map(|(k, v)| k.len() + v.len() + 4).sum());
        out.push('{');
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(k));
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
        out
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    members.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(RawObject(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A JSON string literal for `text`.
pub(crate) fn json_string(text: &str) -> String {
    // Serializing a `str` cannot fail; the fallback keeps this total without a panic.
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

/// The identity of a request id for matching a response to its request, as clients match
/// it: strings by value (`"a"` and `"\u0061"` are one id), numbers by value (`2`, `2.0` and
/// `2e0` are one id to JavaScript and Python clients, so they must be one id here, or a
/// server could slip a `tools/list` response past inspection).
pub(crate) fn id_key(raw: &RawValue) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
    match value {
        serde_json::Value::String(text) => Some(format!("s{text}")),
        serde_json::Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                return Some(format!("n{int}"));
            }
            if let Some(int) = number.as_u64() {
                return Some(format!("n{int}"));
            }
            let float = number.as_f64()?;
            // Integral floats within the exactly representable range read as integers.
            if float.fract() == 0.0 && float.abs() < 9_007_199_254_740_992.0 {
                // `+ 0.0` turns -0.0 into 0.0, which prints as `0`.
                return Some(format!("n{:.0}", float + 0.0));
            }
            Some(format!("n{float}"))
        }
        // JSON-RPC ids are strings or numbers; `null` and others identify nothing.
        _ => None,
    }
}

/// What kind of JSON-RPC message a line holds, as far as the proxy cares.
#[derive(Debug)]
pub(crate) struct Envelope<'a> {
    pub(crate) id: Option<&'a RawValue>,
    pub(crate) method: Option<Cow<'a, str>>,
}

impl<'a> Envelope<'a> {
    pub(crate) fn of(object: &RawObject<'a>) -> Self {
        let id = object.get("id").filter(|id| id.get() != "null");
        let method = object
            .get("method")
            .and_then(|m| serde_json::from_str::<Cow<'a, str>>(m.get()).ok());
        Self { id, method }
    }

    /// A request expects a response: it has a method and an id.
    pub(crate) fn is_request(&self) -> bool {
        self.method.is_some() && self.id.is_some()
    }

    /// A response answers a request: an id and no method.
    pub(crate) fn is_response(&self) -> bool {
        self.method.is_none() && self.id.is_some()
    }
}

/// The members of a JSON array, raw; `None` when `json` is not an array.
pub(crate) fn raw_array(json: &[u8]) -> Option<Vec<&RawValue>> {
    serde_json::from_slice(json).ok()
}

/// The first byte that is not JSON whitespace.
pub(crate) fn first_significant(line: &[u8]) -> Option<u8> {
    line.iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A notification `notifications/message` from the `gatehouse` logger, as one line.
pub(crate) fn log_notification(level: &str, text: &str) -> Vec<u8> {
    line(&serde_json::json!({
        "jsonrpc": "2.0",
        "method": "notifications/message",
        "params": { "level": level, "logger": "gatehouse", "data": text },
    }))
}

/// An error response to the request with id `id` (raw, echoed as the client sent it).
pub(crate) fn error_response(id: &str, code: i64, text: &str) -> Vec<u8> {
    let error = serde_json::json!({ "code": code, "message": text });
    let mut out = format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"error\":").into_bytes();
    out.extend_from_slice(&serde_json::to_vec(&error).unwrap_or_default());
    out.extend_from_slice(b"}\n");
    out
}

fn line(value: &serde_json::Value) -> Vec<u8> {
    let mut out = serde_json::to_vec(value).unwrap_or_default();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_members_win_like_in_clients() {
        let object =
            RawObject::parse(br#"{"id":1,"result":{"a":1},"id":"x" , "method" :"m"}"#).unwrap();
        assert_eq!(object.get("id").unwrap().get(), "\"x\"");
        assert_eq!(object.get("result").unwrap().get(), r#"{"a":1}"#);
        let envelope = Envelope::of(&object);
        assert_eq!(envelope.method.as_deref(), Some("m"));
        assert!(envelope.is_request());
    }

    #[test]
    fn not_an_object_is_none() {
        for text in [&b"[1]"[..], b"garbage", b"{\"a\":", b"", b"\"s\""] {
            assert!(
                RawObject::parse(text).is_none(),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn with_replaces_the_last_member_and_keeps_other_bytes() {
        let object = RawObject::parse(br#"{"b": [1, 2],"a":1,"x":{"k" : 2},"a":3}"#).unwrap();
        assert_eq!(object.with("a", "9"), r#"{"b":[1, 2],"x":{"k" : 2},"a":9}"#);
        assert_eq!(
            object.with("new", "\"v\""),
            r#"{"b":[1, 2],"a":1,"x":{"k" : 2},"a":3,"new":"v"}"#
        );
    }

    #[test]
    fn ids_match_by_value() {
        let a: &RawValue = serde_json::from_str(r#""\u0061""#).unwrap();
        let b: &RawValue = serde_json::from_str(r#""a""#).unwrap();
        let n: &RawValue = serde_json::from_str("7").unwrap();
        let seven: &RawValue = serde_json::from_str("\"7\"").unwrap();
        assert_eq!(id_key(a), id_key(b));
        assert_ne!(id_key(n), id_key(b));
        assert_ne!(
            id_key(n),
            id_key(seven),
            "the string \"7\" is not the number 7"
        );
        let zero: &RawValue = serde_json::from_str("0").unwrap();
        let minus_zero: &RawValue = serde_json::from_str("-0.0").unwrap();
        assert_eq!(id_key(zero), id_key(minus_zero));
        for same in ["7.0", "7e0", "70e-1", "7"] {
            let raw: &RawValue = serde_json::from_str(same).unwrap();
            assert_eq!(id_key(raw), id_key(n), "{same} is the number 7 to a client");
        }
        let half: &RawValue = serde_json::from_str("7.5").unwrap();
        assert_ne!(id_key(half), id_key(n));
        let null: &RawValue = serde_json::from_str("null").unwrap();
        assert_eq!(id_key(null), None);
    }

    #[test]
    fn error_response_echoes_the_raw_id() {
        let line = error_response("\"req-1\"", -32001, "no \"way\"");
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["id"], "req-1");
        assert_eq!(value["error"]["code"], -32001);
        assert_eq!(value["error"]["message"], "no \"way\"");
        assert_eq!(line.last(), Some(&b'\n'));
    }
}

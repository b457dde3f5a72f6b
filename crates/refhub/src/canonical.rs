//! Canonical JSON: object keys sorted at every depth, no whitespace. The content hash and
//! the signed payload are written this way so that the same directory content always gives
//! the same bytes, whatever order the YAML files list their keys in and whether or not some
//! crate in the build turns on serde_json's `preserve_order`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// `value` with every object's keys in sorted order.
pub(crate) fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                if let Some(inner) = map.get(key) {
                    out.insert(key.clone(), sorted(inner));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The canonical bytes of `value`.
pub(crate) fn bytes(value: &Value) -> Vec<u8> {
    sorted(value).to_string().into_bytes()
}

/// SHA-256 of the canonical bytes, hex.
pub(crate) fn hash(value: &Value) -> String {
    hex::encode(Sha256::digest(bytes(value)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_does_not_change_the_bytes() {
        let one: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"d": [ {"y": 1, "x": 2} ], "c": null}}"#)
                .unwrap();
        let two = json!({"a": {"c": null, "d": [{"x": 2, "y": 1}]}, "b": 1});
        assert_eq!(bytes(&one), bytes(&two));
        assert_eq!(
            String::from_utf8(bytes(&one)).unwrap(),
            r#"{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}"#
        );
        assert_eq!(hash(&one), hash(&two));
        assert_ne!(
            hash(&json!([1, 2])),
            hash(&json!([2, 1])),
            "list order is content"
        );
    }
}

//! Parsing with byte ranges, finding nodes by key path, and splicing text at ranges.

use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

/// Parses `text`. Apps that read strict JSON get a strict parse, so that an edit is never
/// based on something the app itself would refuse; VS Code and Zed also take comments and
/// trailing commas. The error is a one-line reason.
pub(crate) fn parse(text: &str, jsonc: bool) -> Result<Option<Value<'_>>, String> {
    let options = ParseOptions {
        allow_comments: jsonc,
        allow_trailing_commas: jsonc,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    parse_to_ast(text, &CollectOptions::default(), &options)
        .map(|result| result.value)
        .map_err(|error| error.to_string())
}

/// The property `name` of `object`; the last one when a key repeats, as JSON readers do.
pub(crate) fn prop<'o, 'a>(object: &'o Object<'a>, name: &str) -> Option<&'o ObjectProp<'a>> {
    object
        .properties
        .iter()
        .rev()
        .find(|p| p.name.as_str() == name)
}

/// The object at `path` (a list of keys) under `root`.
pub(crate) fn object_at<'o, 'a>(root: &'o Value<'a>, path: &[String]) -> Option<&'o Object<'a>> {
    let mut current = root;
    for key in path {
        let Value::Object(object) = current else {
            return None;
        };
        current = &prop(object, key)?.value;
    }
    match current {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

/// The byte range of a node.
pub(crate) fn span(node: &impl Ranged) -> std::ops::Range<usize> {
    let range = node.range();
    range.start..range.end
}

/// One replacement of a byte range.
#[derive(Debug, Clone)]
pub(crate) struct Splice {
    pub(crate) range: std::ops::Range<usize>,
    pub(crate) text: String,
}

/// `text` with every splice applied. The ranges come from one parse of `text` and do not
/// overlap; applying them from the end keeps the earlier ranges valid.
pub(crate) fn apply(text: &str, mut splices: Vec<Splice>) -> String {
    splices.sort_by_key(|s| std::cmp::Reverse(s.range.start));
    let mut out = text.to_owned();
    for splice in splices {
        out.replace_range(splice.range, &splice.text);
    }
    out
}

/// The range to cut to remove `object`'s property at `index` with its separating comma:
/// up to the next property, or from the previous one when it is the last.
pub(crate) fn property_removal(object: &Object<'_>, index: usize) -> std::ops::Range<usize> {
    let props = &object.properties;
    let this = span(&props[index]);
    if let Some(next) = props.get(index + 1) {
        this.start..span(next).start
    } else if index > 0 {
        span(&props[index - 1]).end..this.end
    } else {
        this
    }
}

/// A JSON string literal for `value`.
pub(crate) fn quote(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_apps_refuse_comments_and_jsonc_apps_take_them() {
        let text = "{\n  // note\n  \"a\": 1,\n}\n";
        assert!(
            parse(text, false).is_err(),
            "Claude Desktop would refuse this"
        );
        assert!(parse(text, true).is_ok(), "VS Code and Zed accept it");
    }

    #[test]
    fn removing_a_property_keeps_the_rest_valid() {
        for (text, name, expected) in [
            (r#"{"a": 1, "b": 2, "c": 3}"#, "b", r#"{"a": 1, "c": 3}"#),
            (r#"{"a": 1, "b": 2}"#, "b", r#"{"a": 1}"#),
            (r#"{"b": 2}"#, "b", r#"{}"#),
        ] {
            let Ok(Some(Value::Object(object))) = parse(text, false) else {
                unreachable!("fixture parses")
            };
            let index = object
                .properties
                .iter()
                .position(|p| p.name.as_str() == name)
                .unwrap_or_default();
            let range = property_removal(&object, index);
            let out = apply(
                text,
                vec![Splice {
                    range,
                    text: String::new(),
                }],
            );
            assert_eq!(out, expected);
        }
    }
}

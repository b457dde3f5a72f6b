//! The `local` layer: the `policy:` block of the user's `~/.mcp/config.yaml`.
//!
//! Only the text is handled here; the caller reads the file. Other top-level keys of the
//! file belong to other tools and are ignored.

use crate::error::{Error, Result};
use crate::layer::Layer;
use crate::layers::parse_document;
use crate::rules::Rules;

/// Reads the `policy:` block of a `~/.mcp/config.yaml` as the rules of the `local` layer.
/// `None` when the file has no `policy:` key (or is empty). YAML that does not parse, a
/// document that is not a mapping, or an invalid block is an error: the caller must not
/// carry on as if the user had set no rules.
pub fn local_rules_from_config(text: &str) -> Result<Option<Rules>> {
    let document = parse_document(text)?;
    let map = match &document {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Object(map) => map,
        _ => {
            return Err(Error::Yaml(
                "the mcp config file must be a mapping at the top level".to_owned(),
            ));
        }
    };
    match map.get("policy") {
        None => Ok(None),
        Some(block) => Ok(Some(Rules::from_value(Layer::Local, block)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Mode;

    #[test]
    fn the_policy_block_is_the_local_layer() {
        let text = "servers:\n  x: {command: y}\npolicy:\n  min_cert_level: 1\n  mode: warn\n";
        let rules = local_rules_from_config(text).ok().flatten();
        assert_eq!(
            rules.as_ref().and_then(Rules::cert_mode),
            Some(Mode::Warn),
            "aliases of cert_mode are accepted in the local file too"
        );
        assert_eq!(rules.and_then(|rules| rules.min_cert_level()), Some(1));
    }

    #[test]
    fn absent_blocks_and_broken_files_are_told_apart() {
        assert!(
            matches!(local_rules_from_config("servers: {}\n"), Ok(None)),
            "no policy key means no local layer"
        );
        assert!(
            matches!(local_rules_from_config(""), Ok(None)),
            "an empty file sets nothing"
        );
        assert!(
            local_rules_from_config("- a\n- b\n").is_err(),
            "a file that is not a mapping is an error, not an empty policy"
        );
        assert!(
            local_rules_from_config("policy: [").is_err(),
            "broken yaml is an error"
        );
        assert!(
            matches!(
                local_rules_from_config("policy: {min_cert_level: 5}"),
                Err(Error::Validation(_))
            ),
            "an invalid block is rejected whole"
        );
    }
}

#[cfg(test)]
mod shared_file_tests {
    use super::*;

    #[test]
    fn only_the_first_yaml_document_is_read() {
        let text = "policy:\n  min_cert_level: 2\n---\nother_tool: {x: 1}\n---\n- not a mapping\n";
        let rules = local_rules_from_config(text).unwrap().unwrap();
        assert_eq!(rules.min_cert_level(), Some(2));
    }

    #[test]
    fn a_deeply_nested_file_is_refused_at_once() {
        let text = format!("policy:\n  deny_list: {}\n", "[".repeat(200_000));
        assert!(matches!(
            local_rules_from_config(&text),
            Err(Error::Validation(_))
        ));
    }
}

//! A validated set of layers: which layers are present and the rules each one sets.
//!
//! This is the input of the merge. It is read from a mapping keyed by layer name (as in the
//! corpus and `policy explain --layers`), or assembled layer by layer by a caller that
//! validates policy objects one at a time (the hub bundle).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Result, ValidationError, shown};
use crate::layer::Layer;
use crate::rules::Rules;

/// Layers by name, each with validated rules, plus optional labels such as an area's name.
/// A layer usually holds one policy object; it may hold more (the managed-settings
/// `mandatory` object beside the hub's), and they merge by the same rules as layers do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layers {
    rules: BTreeMap<Layer, Vec<Rules>>,
    labels: BTreeMap<Layer, String>,
}

impl Layers {
    /// No layer at all: the platform defaults alone decide.
    pub fn new() -> Layers {
        Layers::default()
    }

    /// Validates a mapping keyed by layer name. `null` counts as no layers. An unknown layer
    /// name, or any invalid rule in any layer, rejects the whole mapping.
    pub fn from_value(value: &Value) -> Result<Layers, ValidationError> {
        let map = match value {
            Value::Null => return Ok(Layers::new()),
            Value::Object(map) => map,
            other => {
                return Err(ValidationError::new(
                    None,
                    None,
                    other,
                    format!(
                        "the policy must be a mapping keyed by layer name, not `{}`",
                        shown(other)
                    ),
                ));
            }
        };
        let mut layers = Layers::new();
        for (name, rules) in map {
            let layer: Layer = name
                .parse()
                .map_err(|message| ValidationError::new(None, Some(name), rules, message))?;
            layers.insert(layer, Rules::from_value(layer, rules)?);
        }
        Ok(layers)
    }

    /// Parses YAML (JSON is YAML) and validates it as with [`Layers::from_value`].
    pub fn from_yaml_str(text: &str) -> Result<Layers> {
        let value = parse_document(text)?;
        Ok(Layers::from_value(&value)?)
    }

    /// Sets the rules of one layer, replacing what it had.
    pub fn insert(&mut self, layer: Layer, rules: Rules) {
        self.rules.insert(layer, vec![rules]);
    }

    /// Adds another policy object to a layer, keeping what it had: both apply, merged by
    /// the rules of `POLICY.md` section 3 (for instance the managed-settings `mandatory`
    /// object merged with the hub's).
    pub fn add(&mut self, layer: Layer, rules: Rules) {
        self.rules.entry(layer).or_default().push(rules);
    }

    /// Gives a layer a name to show in messages, such as the area `production-services`.
    pub fn set_label(&mut self, layer: Layer, label: impl Into<String>) {
        self.labels.insert(layer, label.into());
    }

    /// The policy objects of a layer (empty when the layer is absent).
    pub fn get(&self, layer: Layer) -> &[Rules] {
        self.rules.get(&layer).map_or(&[], Vec::as_slice)
    }

    /// Every policy object with its layer, most authoritative layer first.
    pub fn iter(&self) -> impl Iterator<Item = (Layer, &Rules)> {
        self.rules
            .iter()
            .flat_map(|(layer, objects)| objects.iter().map(|rules| (*layer, rules)))
    }

    /// The label of a layer, if one was set.
    pub fn label(&self, layer: Layer) -> Option<&str> {
        self.labels.get(&layer).map(String::as_str)
    }

    pub(crate) fn labels(&self) -> &BTreeMap<Layer, String> {
        &self.labels
    }
}

/// Parses YAML or JSON text into a JSON value, the form every validator here takes. YAML
/// goes first because it refuses duplicate keys; JSON is the fallback for the valid JSON a
/// YAML parser refuses (tabs used for indentation).
pub fn parse_document(text: &str) -> Result<Value> {
    crate::bounds::check_bounds(text)?;
    // Through the YAML parser's own value first: it refuses duplicate keys, which a JSON map
    // would silently resolve to the last one. Only the first document counts: files shared
    // with other tools may hold more after a `---`.
    let yaml = first_yaml_document(text).and_then(|value| {
        serde_json::to_value(value).map_err(|error| Error::Yaml(error.to_string()))
    });
    yaml.or_else(|yaml_error| serde_json::from_str::<Value>(text).map_err(|_| yaml_error))
}

fn first_yaml_document(text: &str) -> Result<serde_norway::Value> {
    use serde::Deserialize as _;
    match serde_norway::Deserializer::from_str(text).next() {
        Some(document) => serde_norway::Value::deserialize(document)
            .map_err(|error| Error::Yaml(error.to_string())),
        None => Ok(serde_norway::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_layer_names_are_refused() {
        let error = Layers::from_yaml_str("prod: {min_score: 3}");
        match error {
            Err(Error::Validation(error)) => {
                assert_eq!(error.layer, None, "an unknown layer is not a layer");
                assert_eq!(
                    error.key.as_deref(),
                    Some("prod"),
                    "the error names what was written"
                );
            }
            other => panic!("an unknown layer must be a validation error, got {other:?}"),
        }
    }

    #[test]
    fn one_invalid_layer_rejects_the_whole_policy() {
        let result = Layers::from_yaml_str("org: {min_cert_level: 1}\narea: {min_cert_level: 9}");
        assert!(
            matches!(result, Err(Error::Validation(ref error)) if error.layer == Some(Layer::Area)),
            "a policy that fails validation is rejected whole, naming the bad layer"
        );
    }

    #[test]
    fn empty_documents_and_null_layers_are_empty() {
        assert_eq!(
            Layers::from_yaml_str("").ok(),
            Some(Layers::new()),
            "no text, no layers"
        );
        let layers = Layers::from_yaml_str("local:").unwrap_or_default();
        assert_eq!(
            layers.get(Layer::Local),
            [Rules::default()],
            "a layer with nothing under it sets no rule"
        );
    }

    #[test]
    fn duplicate_keys_are_refused_and_tabbed_json_is_read() {
        assert!(
            Layers::from_yaml_str("org: {min_cert_level: 3, min_cert_level: 0}").is_err(),
            "a duplicate key would let the later, looser value win silently"
        );
        let tabbed = "{\n\t\"org\": {\n\t\t\"min_score\": 5\n\t}\n}";
        let layers = Layers::from_yaml_str(tabbed);
        assert_eq!(
            layers
                .ok()
                .and_then(|l| l.get(Layer::Org).first().and_then(Rules::min_score)),
            Some(5),
            "JSON indented with tabs is valid JSON and must be read"
        );
    }

    #[test]
    fn broken_yaml_is_a_parse_error() {
        assert!(
            matches!(Layers::from_yaml_str("org: [unclosed"), Err(Error::Yaml(_))),
            "yaml that does not parse must not be taken for an empty policy"
        );
    }
}

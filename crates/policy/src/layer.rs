//! The policy layers, in authority order, and how they are named in files and in words.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A policy layer. The derived order is authority order: `Mandatory` is the most
/// authoritative (smallest), `Platform` the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Layer {
    /// Set by the enterprise admin; always blocks, `--force` never lifts it.
    Mandatory,
    /// Set by the org admin on the hub.
    Org,
    /// The area that lists the server, else the device's configured area.
    Area,
    /// A per-server override on the hub.
    Server,
    /// The user's own `~/.mcp/config.yaml` `policy:` block.
    Local,
    /// Built-in defaults: every rule absent.
    Platform,
}

impl Layer {
    /// Every layer, most authoritative first.
    pub const ALL: [Layer; 6] = [
        Layer::Mandatory,
        Layer::Org,
        Layer::Area,
        Layer::Server,
        Layer::Local,
        Layer::Platform,
    ];

    /// The name used as a key in policy files and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Mandatory => "mandatory",
            Layer::Org => "org",
            Layer::Area => "area",
            Layer::Server => "server",
            Layer::Local => "local",
            Layer::Platform => "platform",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layer {
    type Err = String;

    /// Layer names are matched exactly, as keys of a policy file are.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Layer::ALL
            .into_iter()
            .find(|layer| layer.name() == text)
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a layer; expected mandatory, org, area, server, local or platform"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_order_puts_mandatory_first() {
        assert!(
            Layer::Mandatory < Layer::Org && Layer::Local < Layer::Platform,
            "provenance ties pick the smallest layer, which must be the most authoritative"
        );
    }

    #[test]
    fn names_round_trip() {
        for layer in Layer::ALL {
            assert_eq!(
                layer.name().parse::<Layer>(),
                Ok(layer),
                "every layer must parse back from the name it prints"
            );
        }
        assert!(
            "Org".parse::<Layer>().is_err(),
            "layer names are keys and match exactly"
        );
    }
}

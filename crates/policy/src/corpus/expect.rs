//! The `expect` block of a corpus case: its shape, and how a decision is checked against
//! it (verdict, the set of codes, exit code, a blocking layer, clamps).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{malformed, object, only_keys};
use crate::decision::{Code, Decision, Severity, Verdict};
use crate::error::Result;
use crate::layer::Layer;
use crate::merge::Diagnostic;
use crate::request::Request;

#[derive(Default)]
pub(super) struct Expect {
    pub verdict: Option<Verdict>,
    pub codes: Option<BTreeSet<Code>>,
    pub exit_code: Option<u8>,
    pub blocking_layer: Option<Layer>,
    pub clamps: Vec<(Layer, String)>,
    pub error: Option<String>,
}

impl Expect {
    pub(super) fn parse(value: &Value, what: &str) -> Result<Expect> {
        let what = format!("the `expect` of {what}");
        let map = object(value, &what)?;
        only_keys(
            map,
            &what,
            &[
                "verdict",
                "codes",
                "exit_code",
                "blocking_layer",
                "clamps",
                "error",
            ],
        )?;
        let field = |key: &str| -> Result<Option<&str>> {
            match map.get(key) {
                None => Ok(None),
                Some(Value::String(text)) => Ok(Some(text)),
                Some(_) => Err(malformed(format!("`{key}` in {what} must be a string"))),
            }
        };
        let mut expect = Expect {
            verdict: field("verdict")?
                .map(str::parse)
                .transpose()
                .map_err(malformed)?,
            blocking_layer: field("blocking_layer")?
                .map(str::parse)
                .transpose()
                .map_err(malformed)?,
            error: field("error")?.map(str::to_owned),
            ..Expect::default()
        };
        if let Some(codes) = map.get("codes") {
            let codes = codes
                .as_array()
                .ok_or_else(|| malformed(format!("`codes` in {what} must be a list")))?;
            let codes = codes
                .iter()
                .map(|code| code.as_str().unwrap_or_default().parse::<Code>())
                .collect::<Result<BTreeSet<_>, _>>()
                .map_err(malformed)?;
            expect.codes = Some(codes);
        }
        if let Some(code) = map.get("exit_code") {
            let code = code.as_u64().and_then(|code| u8::try_from(code).ok());
            expect.exit_code = Some(
                code.ok_or_else(|| malformed(format!("`exit_code` in {what} must be 0-255")))?,
            );
        }
        if let Some(clamps) = map.get("clamps") {
            let clamps = clamps
                .as_array()
                .ok_or_else(|| malformed(format!("`clamps` in {what} must be a list")))?;
            for clamp in clamps {
                let layer = clamp
                    .get("layer")
                    .and_then(Value::as_str)
                    .map(str::parse::<Layer>);
                let key = clamp.get("key").and_then(Value::as_str);
                match (layer, key) {
                    (Some(Ok(layer)), Some(key)) => expect.clamps.push((layer, key.to_owned())),
                    _ => {
                        return Err(malformed(format!(
                            "each clamp in {what} needs a valid `layer` and a `key`"
                        )));
                    }
                }
            }
        }
        let decision_keys = ["verdict", "codes", "exit_code", "blocking_layer", "clamps"];
        if expect.error.is_some() && decision_keys.iter().any(|key| map.contains_key(*key)) {
            return Err(malformed(format!(
                "{what} expects an `error`, so it cannot expect a decision"
            )));
        }
        if expect.error.is_none() && expect.verdict.is_none() && expect.exit_code.is_none() {
            return Err(malformed(format!(
                "{what} needs a `verdict`, an `exit_code` or an `error`"
            )));
        }
        Ok(expect)
    }

    pub(super) fn mismatches(&self, decision: &Decision, request: &Request) -> Vec<String> {
        let mut problems = Vec::new();
        let codes: BTreeSet<Code> = decision.codes().into_iter().collect();
        if let Some(verdict) = self.verdict
            && verdict != decision.verdict
        {
            problems.push(format!(
                "verdict is {}, expected {verdict}",
                decision.verdict
            ));
        }
        if let Some(expected) = &self.codes
            && *expected != codes
        {
            problems.push(format!(
                "codes are [{}], expected [{}]",
                names(&codes),
                names(expected)
            ));
        }
        if let Some(code) = self.exit_code {
            let actual = decision.exit_code(request);
            if code != actual {
                problems.push(format!("exit code is {actual}, expected {code}"));
            }
        }
        if let Some(layer) = self.blocking_layer {
            let blocking: Vec<String> = decision
                .violations
                .iter()
                .filter(|violation| violation.severity == Severity::Block)
                .map(|violation| format!("{} by {}", violation.code, violation.layer))
                .collect();
            if !decision
                .blocking()
                .any(|violation| violation.layer == layer)
            {
                problems.push(format!(
                    "no blocking violation reports layer {layer} (blocking: [{}])",
                    blocking.join(", ")
                ));
            }
        }
        for (layer, key) in &self.clamps {
            let found = decision
                .diagnostics
                .iter()
                .any(|diagnostic| match diagnostic {
                    Diagnostic::Clamp {
                        layer: clamped,
                        key: clamped_key,
                        ..
                    } => clamped == layer && clamped_key == key,
                });
            if !found {
                problems.push(format!("no clamp diagnostic for {layer} `{key}`"));
            }
        }
        problems
    }
}

fn names(codes: &BTreeSet<Code>) -> String {
    codes
        .iter()
        .map(|code| code.name())
        .collect::<Vec<_>>()
        .join(", ")
}

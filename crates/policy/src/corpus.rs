//! The conformance corpus format of `POLICY.md` section 7, and a runner that checks every
//! case against the real validation, merge and evaluation.
//!
//! A file that does not have the corpus shape is an error, never "zero cases": a typo in an
//! `expect` key must not turn a check off silently. Beyond the public format, a file or case
//! may carry `snapshot: {verified_at, max_offline_age, stale_mode}` to test staleness, and a
//! case may expect `exit_code: 2` for a request that is a usage error.

mod expect;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::evaluate::evaluate;
use crate::facts::ServerFacts;
use crate::freshness::{Freshness, parse_duration};
use crate::layers::{Layers, parse_document};
use crate::merge::EffectivePolicy;
use crate::request::Request;
use crate::time::Timestamp;
use expect::Expect;

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutcome {
    /// The case's `name`.
    pub name: String,
    /// Why the case failed; `None` when it passed.
    pub failure: Option<String>,
}

impl CaseOutcome {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Runs every case of a corpus file given as text.
pub fn run_corpus_str(text: &str) -> Result<Vec<CaseOutcome>> {
    let document = parse_document(text)?;
    let file = object(&document, "the corpus file")?;
    only_keys(
        file,
        "the corpus file",
        &["name", "description", "layers", "snapshot", "cases"],
    )?;
    let cases = match file.get("cases") {
        Some(Value::Array(cases)) if !cases.is_empty() => cases,
        _ => return Err(malformed("`cases` must be a non-empty list")),
    };
    let file_snapshot = file.get("snapshot").map(snapshot).transpose()?;
    cases
        .iter()
        .enumerate()
        .map(|(index, case)| {
            let case = Case::parse(case, index)?;
            let layers = case.layers.or(file.get("layers")).unwrap_or(&Value::Null);
            let snapshot = case.snapshot.or(file_snapshot);
            let failure = case.run(layers, snapshot).err();
            Ok(CaseOutcome {
                name: case.name,
                failure,
            })
        })
        .collect()
}

/// One case, with its `expect` read and checked for shape.
struct Case<'a> {
    name: String,
    layers: Option<&'a Value>,
    snapshot: Option<Freshness>,
    server: &'a Value,
    request: Option<&'a Value>,
    expect: Expect,
}

impl<'a> Case<'a> {
    fn parse(value: &'a Value, index: usize) -> Result<Case<'a>> {
        let what = format!("case {}", index + 1);
        let case = object(value, &what)?;
        only_keys(
            case,
            &what,
            &[
                "name",
                "description",
                "layers",
                "snapshot",
                "server",
                "request",
                "expect",
            ],
        )?;
        let name = match case.get("name") {
            Some(Value::String(name)) => name.clone(),
            _ => return Err(malformed(format!("{what} needs a `name` string"))),
        };
        let what = format!("case `{name}`");
        let server = case
            .get("server")
            .ok_or_else(|| malformed(format!("{what} needs `server` facts")))?;
        let expect = case
            .get("expect")
            .ok_or_else(|| malformed(format!("{what} needs `expect`")))?;
        Ok(Case {
            layers: case.get("layers"),
            snapshot: case.get("snapshot").map(snapshot).transpose()?,
            server,
            request: case.get("request"),
            expect: Expect::parse(expect, &what)?,
            name,
        })
    }

    /// Checks the case; the error is the reason it failed.
    fn run(&self, layers: &Value, snapshot: Option<Freshness>) -> Result<(), String> {
        let layers = match (Layers::from_value(layers), &self.expect.error) {
            (Err(error), Some(key)) => {
                return match error.subject() {
                    Some(subject) if subject == *key => Ok(()),
                    _ => Err(format!("expected an error naming `{key}`, got: {error}")),
                };
            }
            (Err(error), None) => return Err(format!("the layers failed validation: {error}")),
            (Ok(_), Some(key)) => {
                return Err(format!(
                    "expected an error naming `{key}`, but the layers are valid"
                ));
            }
            (Ok(layers), None) => layers,
        };
        let mut policy = EffectivePolicy::compile(&layers);
        if let Some(freshness) = snapshot {
            policy = policy.with_freshness(freshness);
        }
        let facts = ServerFacts::from_value(self.server).map_err(|error| error.to_string())?;
        let request = match Request::from_value(self.request.unwrap_or(&Value::Null)) {
            Ok(request) => request,
            Err(error) if self.expect.exit_code == Some(2) && self.expect.verdict.is_none() => {
                return match error {
                    Error::Usage(_) => Ok(()),
                    other => Err(format!("expected a usage error, got: {other}")),
                };
            }
            Err(error) => return Err(format!("the request was refused: {error}")),
        };
        let decision = evaluate(&policy, &facts, &request);
        let problems = self.expect.mismatches(&decision, &request);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

fn snapshot(value: &Value) -> Result<Freshness> {
    let map = object(value, "a `snapshot`")?;
    only_keys(
        map,
        "a `snapshot`",
        &["verified_at", "max_offline_age", "stale_mode"],
    )?;
    let verified_at = map
        .get("verified_at")
        .map(|at| serde_json::from_value::<Timestamp>(at.clone()))
        .transpose()
        .map_err(|error| malformed(format!("`verified_at` is invalid: {error}")))?
        .ok_or_else(|| malformed("a `snapshot` needs `verified_at`"))?;
    let max_age = map
        .get("max_offline_age")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("a `snapshot` needs `max_offline_age` such as `7d`"))?;
    let stale_mode = map
        .get("stale_mode")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("a `snapshot` needs `stale_mode` (keep, warn or block)"))?
        .parse()
        .map_err(malformed)?;
    Ok(Freshness {
        verified_at,
        max_offline_age_secs: parse_duration(max_age)?,
        stale_mode,
    })
}

pub(crate) fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| malformed(format!("{what} must be a mapping")))
}

pub(crate) fn only_keys(map: &Map<String, Value>, what: &str, allowed: &[&str]) -> Result<()> {
    match map.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(malformed(format!("`{key}` is not a key of {what}"))),
        None => Ok(()),
    }
}

pub(crate) fn malformed(message: impl Into<String>) -> Error {
    Error::Corpus(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSING: &str = "
layers: {local: {min_cert_level: 1}}
cases:
  - name: below
    server: {name: a, cert_level: 0}
    expect: {verdict: block, codes: [cert_level_below_min], exit_code: 4, blocking_layer: local}
";

    #[test]
    fn a_matching_case_passes() {
        let outcomes = run_corpus_str(PASSING).unwrap_or_default();
        assert_eq!(outcomes.len(), 1, "one case in, one outcome out");
        assert!(outcomes.iter().all(CaseOutcome::passed), "{outcomes:?}");
    }

    #[test]
    fn a_wrong_expectation_fails_with_a_reason() {
        let text = PASSING.replace("verdict: block", "verdict: allow");
        let outcomes = run_corpus_str(&text).unwrap_or_default();
        let failure = outcomes.first().and_then(|outcome| outcome.failure.clone());
        assert!(
            failure
                .as_deref()
                .is_some_and(|reason| reason.contains("verdict is block")),
            "the runner must be able to fail, and say why: {failure:?}"
        );
    }

    #[test]
    fn malformed_files_are_errors_not_empty_runs() {
        for text in [
            "",
            "cases: []",
            "layers: {}",
            "cases: [{name: x, server: {name: a}, expect: {verdcit: allow}}]",
            "cases: [{name: x, server: {name: a}, expect: {codes: [cert_too_low], verdict: block}}]",
            "cases: [{name: x, server: {name: a}, expect: {}}]",
            "cases: [{name: x, server: {name: a}, expect: {error: k, verdict: allow}}]",
            "cases: [{server: {name: a}, expect: {verdict: allow}}]",
        ] {
            assert!(
                matches!(run_corpus_str(text), Err(Error::Corpus(_) | Error::Yaml(_))),
                "`{text}` must be reported as malformed"
            );
        }
    }

    #[test]
    fn expected_errors_must_name_the_key() {
        let text = "cases: [{name: x, layers: {org: {min_score: 500}}, server: {name: a}, expect: {error: min_cert_level}}]";
        let outcomes = run_corpus_str(text).unwrap_or_default();
        assert!(
            outcomes.first().is_some_and(|outcome| !outcome.passed()),
            "an error naming another key must fail the case"
        );
        let text = "cases: [{name: x, layers: {org: {min_score: 5}}, server: {name: a}, expect: {error: min_score}}]";
        let outcomes = run_corpus_str(text).unwrap_or_default();
        assert!(
            outcomes.first().is_some_and(|outcome| !outcome.passed()),
            "a case expecting an error fails when the layers validate"
        );
    }
}

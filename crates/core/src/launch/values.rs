//! Values a client app fills in at launch (DESIGN.md "Every path onto the machine").
//!
//! A wired entry whose launch held placeholders (`${workspaceFolder}/src/index.ts`,
//! `${input:vault}`, …) keeps them in the app's entry, so the app still expands them: its
//! env carries `GATEHOUSE_VALUE_<n>` with the placeholder text, which the app turns into the
//! value, and `gatehouse run` puts the value at position `n` of the stored launch (0 is the
//! program, 1 the first argument, …). Values travel in the environment, never in argv,
//! where `ps` would show a secret.
//!
//! A value may only fill a position whose stored text has a placeholder, and must read as
//! that text does with each placeholder filled in (`${workspaceFolder}/src/index.ts` takes
//! `/home/ana/shop/src/index.ts`, never `/tmp/evil.js`): an entry edited by other code
//! cannot turn a fixed argument into another one.

use crate::error::{Error, Result};

/// The env variable carrying the value of position `n`.
pub fn value_name(n: usize) -> String {
    format!("GATEHOUSE_VALUE_{n}")
}

/// Whether `text` holds a `${…}` the app expands.
pub fn has_placeholder(text: &str) -> bool {
    text.find("${")
        .is_some_and(|start| text[start + 2..].contains('}'))
}

/// The positions of `program args` whose text has a placeholder.
pub fn placeholder_positions(program: &str, args: &[String]) -> Vec<usize> {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .enumerate()
        .filter(|(_, text)| has_placeholder(text))
        .map(|(n, _)| n)
        .collect()
}

/// `program args` with each placeholder position filled from `lookup`'s
/// `GATEHOUSE_VALUE_<n>`. Refused when a value is missing (the app did not fill it in), does
/// not fit its position's text, or comes for a position that has no placeholder.
pub fn fill(
    id: &str,
    program: &str,
    args: &[String],
    lookup: impl Fn(&str) -> Option<String>,
    present: &[String],
) -> Result<(String, Vec<String>)> {
    let mut parts: Vec<String> = std::iter::once(program.to_owned())
        .chain(args.iter().cloned())
        .collect();
    let positions = placeholder_positions(program, args);
    for name in present {
        let n = name
            .strip_prefix("GATEHOUSE_VALUE_")
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(n) = n
            && !positions.contains(&n)
        {
            return Err(problem(
                id,
                format!("`{name}` is set, but position {n} of its launch takes no value"),
            ));
        }
    }
    for n in positions {
        let stored = &parts[n];
        let Some(value) = lookup(&value_name(n)) else {
            return Err(problem(
                id,
                format!(
                    "the app did not fill in `{stored}` (no `{}` was given)",
                    value_name(n)
                ),
            ));
        };
        if has_placeholder(&value) {
            return Err(problem(
                id,
                format!(
                    "the app did not fill in `{stored}`: start it from the app that fills it in"
                ),
            ));
        }
        if !fits(stored, &value) {
            return Err(problem(
                id,
                format!("the value given for `{stored}` does not fit it"),
            ));
        }
        parts[n] = value;
    }
    let program = parts.remove(0);
    Ok((program, parts))
}

fn problem(id: &str, problem: String) -> Error {
    Error::AppValue {
        id: id.to_owned(),
        problem,
    }
}

/// Whether `value` reads as `pattern` with each `${…}` replaced by some text (possibly
/// empty): its literal parts in order, the first at the start and the last at the end.
pub fn fits(pattern: &str, value: &str) -> bool {
    let literals = literal_parts(pattern);
    let Some((first, rest)) = literals.split_first() else {
        return true;
    };
    let Some(mut remaining) = value.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        // No placeholder at all: the value must be the text itself.
        return remaining.is_empty();
    };
    for literal in middle {
        match remaining.find(literal.as_str()) {
            Some(at) => remaining = &remaining[at + literal.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last.as_str())
}

/// The text around the placeholders of `pattern`: one more part than there are
/// placeholders (empty parts included).
pub(crate) fn literal_parts(pattern: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = pattern;
    loop {
        match rest.find("${") {
            Some(start) => match rest[start + 2..].find('}') {
                Some(end) => {
                    parts.push(rest[..start].to_owned());
                    rest = &rest[start + 2 + end + 1..];
                }
                None => {
                    parts.push(rest.to_owned());
                    return parts;
                }
            },
            None => {
                parts.push(rest.to_owned());
                return parts;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_fits_only_the_text_around_its_placeholders() {
        let cases = [
            (
                "${workspaceFolder}/src/index.ts",
                "/home/ana/shop/src/index.ts",
                true,
            ),
            ("${workspaceFolder}/src/index.ts", "/tmp/evil.js", false),
            (
                "OBSIDIAN_API_KEY=${input:key}",
                "OBSIDIAN_API_KEY=abc",
                true,
            ),
            ("OBSIDIAN_API_KEY=${input:key}", "LD_PRELOAD=/x.so", false),
            ("${input:vault}", "anything at all", true),
            ("--root=${userHome}/notes", "--root=/home/ana/notes", true),
            (
                "--root=${userHome}/notes",
                "--root=/home/ana/notes/../../etc",
                false,
            ),
            ("${env:A}-${env:B}", "x-y", true),
            ("${env:A}-${env:B}", "xy", false),
            ("plain", "plain", true),
            ("plain", "other", false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(fits(pattern, value), expected, "{pattern} <- {value}");
        }
    }

    #[test]
    fn every_position_is_filled_from_its_own_variable() {
        let args = vec![
            "-y".to_owned(),
            "@acme/tool@1.0.0".to_owned(),
            "${workspaceFolder}/data".to_owned(),
        ];
        let values = [("GATEHOUSE_VALUE_3", "/home/ana/shop/data")];
        let lookup = |name: &str| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let present = vec!["GATEHOUSE_VALUE_3".to_owned()];
        let (program, filled) = fill("tool", "npx", &args, lookup, &present).unwrap();
        assert_eq!(program, "npx");
        assert_eq!(filled[2], "/home/ana/shop/data");

        // Missing, unexpanded, not fitting, or aimed at a fixed position: refused.
        assert!(fill("tool", "npx", &args, |_| None, &[]).is_err());
        let raw = |_: &str| Some("${workspaceFolder}/data".to_owned());
        assert!(fill("tool", "npx", &args, raw, &present).is_err());
        let evil = |_: &str| Some("/tmp/evil".to_owned());
        assert!(fill("tool", "npx", &args, evil, &present).is_err());
        let aimed = vec![
            "GATEHOUSE_VALUE_3".to_owned(),
            "GATEHOUSE_VALUE_2".to_owned(),
        ];
        let error = fill("tool", "npx", &args, lookup, &aimed).unwrap_err();
        assert!(error.to_string().contains("takes no value"), "{error}");
    }
}

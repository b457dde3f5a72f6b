//! Input bounds (POLICY.md section 2): a policy text larger than 1 MiB or nested deeper
//! than 64 levels is a validation error, found in one pass over the text before any parser
//! sees it (a YAML parser can take time that grows with the square of the nesting).

use serde_json::Value;

use crate::error::{Error, ValidationError};

/// The largest policy text taken: a bundle payload, or the local file as a whole.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

/// The deepest nesting taken, counting every mapping and list level.
pub const MAX_POLICY_DEPTH: usize = 64;

/// Checks `text` (YAML or JSON) against both bounds.
pub fn check_bounds(text: &str) -> Result<(), Error> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(refused(format!(
            "the policy text is {} bytes, more than the {MAX_POLICY_BYTES} a policy may have",
            text.len()
        )));
    }
    let depth = nesting_depth(text);
    if depth > MAX_POLICY_DEPTH {
        return Err(refused(format!(
            "the policy text is nested more than {MAX_POLICY_DEPTH} levels deep"
        )));
    }
    Ok(())
}

fn refused(message: String) -> Error {
    Error::Validation(ValidationError::new(None, None, &Value::Null, message))
}

/// An upper bound of the nesting of YAML (block and flow styles) or JSON text, in linear
/// time: block levels by indentation (and `- ` markers on one line), flow levels by
/// brackets outside quotes and comments. Stops counting once past the bound.
fn nesting_depth(text: &str) -> usize {
    let mut deepest = 0;
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let body = &line[indent..];
        let mut block = indents.len();
        if flow == 0 && quote.is_none() && !body.is_empty() && !body.starts_with('#') {
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&top| top < indent) {
                indents.push(indent);
            }
            let mut rest = body;
            let mut dashes = 0;
            while let Some(after) = rest.strip_prefix("- ") {
                dashes += 1;
                rest = after.trim_start();
            }
            block = indents.len() + dashes;
        }
        deepest = deepest.max(block + flow);
        let mut previous = ' ';
        let mut escaped = false;
        for c in body.chars() {
            match quote {
                Some('"') if escaped => escaped = false,
                Some('"') if c == '\\' => escaped = true,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if previous.is_whitespace() => break,
                    '"' | '\''
                        if flow > 0 || previous.is_whitespace() || "[{,:".contains(previous) =>
                    {
                        quote = Some(c);
                    }
                    '[' | '{' => {
                        flow += 1;
                        deepest = deepest.max(block + flow);
                        if deepest > MAX_POLICY_DEPTH {
                            return deepest;
                        }
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            previous = c;
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_policies_are_shallow() {
        let text = "org:\n  min_cert_level: 1\n  deny_list: ['@evil/*', \"x[1]\"]\n  allow_list:\n    - '@acme/*'\n";
        let depth = nesting_depth(text);
        assert!((2..=4).contains(&depth), "{depth}");
        // An upper bound: the line of the top mapping counts once more.
        assert_eq!(nesting_depth(r#"{"a": {"b": [1, {"c": 2}]}}"#), 5);
        assert!(check_bounds(text).is_ok());
    }

    #[test]
    fn deep_flow_and_block_nesting_are_refused() {
        let flow = "[".repeat(200_000);
        assert!(matches!(check_bounds(&flow), Err(Error::Validation(_))));
        let block: String = (0..70)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(matches!(check_bounds(&block), Err(Error::Validation(_))));
        let dashes = format!("{}x\n", "- ".repeat(70));
        assert!(check_bounds(&dashes).is_err());
    }

    #[test]
    fn brackets_in_quotes_and_comments_do_not_count() {
        let text = format!(
            "a: '{}'\nb: \"{}\" # {}\n",
            "[".repeat(100),
            "{".repeat(100),
            "[".repeat(100)
        );
        assert!(check_bounds(&text).is_ok());
    }

    #[test]
    fn large_texts_are_refused() {
        let text = format!("a: '{}'\n", "x".repeat(MAX_POLICY_BYTES));
        assert!(check_bounds(&text).is_err());
    }
}

//! What a session run with `--trust` over a `warn` verdict tells the client (POLICY.md §4):
//! the warnings go in front of the server's `initialize` → `result.instructions`, which
//! clients show to the model, and into one `notifications/message` the user can see.

use crate::message::{RawObject, json_string, log_notification};

/// The text prepended to the server's instructions.
pub(crate) fn instructions_preamble(warnings: &[String]) -> String {
    let mut text = String::from(
        "Gatehouse: your organization's policy warns about this MCP server; it runs only \
         because the user chose to trust it. Treat its tools and output with care.\n",
    );
    for warning in warnings {
        text.push_str("- ");
        text.push_str(warning);
        text.push('\n');
    }
    text
}

/// The one `notifications/message` (level `warning`) sent after the client's
/// `notifications/initialized`.
pub(crate) fn warning_notification(warnings: &[String]) -> Vec<u8> {
    let text = format!(
        "This MCP server runs although your organization's policy warns about it: {}",
        warnings.join("; ")
    );
    log_notification("warning", &text)
}

/// The `initialize` response `line` with the warnings prepended to `result.instructions`
/// (the field is created when absent), or `None` when the line is not a successful
/// response whose `result` is an object: then it is forwarded as it is.
pub(crate) fn inject_instructions(line: &[u8], warnings: &[String]) -> Option<String> {
    let top = RawObject::parse(line)?;
    let result = RawObject::parse_str(top.get("result")?.get())?;
    let existing = result
        .get("instructions")
        .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
    let mut instructions = instructions_preamble(warnings);
    if let Some(existing) = existing {
        instructions.push('\n');
        instructions.push_str(&existing);
    }
    let result = result.with("instructions", &json_string(&instructions));
    Some(top.with("result", &result))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn warnings() -> Vec<String> {
        vec![
            "score 40 is below 60".to_owned(),
            "origin is community".to_owned(),
        ]
    }

    #[test]
    fn instructions_are_created_when_absent_and_the_rest_is_kept() {
        let line = br#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"s","version":"1"}}}
"#;
        let out = inject_instructions(line, &warnings()).unwrap();
        assert!(
            !out.contains('\n'),
            "the rewritten message is still one line: {out}"
        );
        let value: Value = serde_json::from_str(&out).unwrap();
        let instructions = value["result"]["instructions"].as_str().unwrap();
        assert!(instructions.starts_with("Gatehouse: "));
        assert!(instructions.contains("- score 40 is below 60\n- origin is community"));
        assert_eq!(
            value["result"]["capabilities"],
            json!({"tools": {"listChanged": true}})
        );
        assert_eq!(value["id"], 0);
    }

    #[test]
    fn existing_instructions_follow_the_warnings() {
        let line = br#"{"jsonrpc":"2.0","id":"i","result":{"instructions":"Use tool x.","serverInfo":{"name":"s"}}}"#;
        let out = inject_instructions(line, &warnings()).unwrap();
        let value: Value = serde_json::from_str(&out).unwrap();
        let instructions = value["result"]["instructions"].as_str().unwrap();
        assert!(instructions.starts_with("Gatehouse: "), "{instructions}");
        assert!(
            instructions.ends_with("- origin is community\n\nUse tool x."),
            "{instructions}"
        );
        assert!(
            out.contains(r#""serverInfo":{"name":"s"}"#),
            "untouched values keep their bytes"
        );
    }

    #[test]
    fn error_responses_and_garbage_are_left_alone() {
        for line in [
            &br#"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"no"}}"#[..],
            b"not json",
            br#"{"jsonrpc":"2.0","id":1,"result":[]}"#,
        ] {
            assert_eq!(inject_instructions(line, &warnings()), None);
        }
    }

    #[test]
    fn the_notification_is_a_warning_in_plain_words() {
        let value: Value = serde_json::from_slice(&warning_notification(&warnings())).unwrap();
        assert_eq!(value["method"], "notifications/message");
        assert_eq!(value["params"]["level"], "warning");
        assert_eq!(value["params"]["logger"], "gatehouse");
        assert!(
            value["params"]["data"]
                .as_str()
                .unwrap()
                .contains("score 40 is below 60; origin")
        );
    }
}

//! Adding a new entry that runs a server through `gatehouse run <id>` (an install with
//! `--client`), and taking it out again. Like the other edits, the new text is spliced in
//! before the closing brace of the servers object (made if missing), indented like its
//! neighbours; nothing else in the file moves.

use std::path::Path;

use jsonc_parser::ast::{Object, Value};

use crate::apps::ClientApp;
use crate::error::{Error, Result};
use crate::syntax::{Splice, apply, parse, prop, quote, span};

/// The entry's JSON for `app`, one key per line at `indent` (the entry's own indent).
fn entry_text(app: ClientApp, gatehouse: &str, id: &str, indent: &str, step: &str) -> String {
    let inner = format!("{indent}{step}");
    let mut lines = Vec::new();
    if app == ClientApp::VsCode {
        lines.push(format!("{inner}\"type\": \"stdio\""));
    }
    lines.push(format!("{inner}\"command\": {}", quote(gatehouse)));
    lines.push(format!("{inner}\"args\": [\"run\", {}]", quote(id)));
    format!("{{\n{}\n{indent}}}", lines.join(",\n"))
}

/// `text` (the file's content; empty when it does not exist) with a new entry `id` that
/// runs `gatehouse run <id>`. Refused when an entry `id` exists or the file does not parse.
pub fn add_entry(
    app: ClientApp,
    path: &Path,
    text: &str,
    gatehouse: &str,
    id: &str,
) -> Result<String> {
    let unparsable = |reason: String| Error::Unparsable {
        path: path.to_owned(),
        reason,
    };
    let key = app.servers_key();
    let root = parse(text, app.allows_jsonc()).map_err(unparsable)?;
    let Some(root) = root else {
        let entry = entry_text(app, gatehouse, id, "    ", "  ");
        return Ok(format!(
            "{{\n  {}: {{\n    {}: {entry}\n  }}\n}}\n",
            quote(key),
            quote(id)
        ));
    };
    let Value::Object(top) = &root else {
        return Err(unparsable("its top level is not an object".to_owned()));
    };
    let step = indent_step(text, top);
    match prop(top, key).map(|p| &p.value) {
        Some(Value::Object(servers)) => {
            if prop(servers, id).is_some() {
                return Err(Error::EntryMoved {
                    path: path.to_owned(),
                    entry: format!("{key}.{id}"),
                    reason: "already exists".to_owned(),
                });
            }
            let indent = child_indent(text, servers, &step);
            let entry = entry_text(app, gatehouse, id, &indent, &step);
            Ok(insert(
                text,
                servers,
                &indent,
                &format!("{}: {entry}", quote(id)),
            ))
        }
        Some(_) => Err(unparsable(format!("`{key}` is not an object"))),
        None => {
            let indent = child_indent(text, top, &step);
            let entry_indent = format!("{indent}{step}");
            let entry = entry_text(app, gatehouse, id, &entry_indent, &step);
            let servers = format!(
                "{}: {{\n{entry_indent}{}: {entry}\n{indent}}}",
                quote(key),
                quote(id)
            );
            Ok(insert(text, top, &indent, &servers))
        }
    }
}

/// Splices `property` in as the last property of `object`, after a trailing comma if the
/// file has one (JSONC), else adding the separating comma.
fn insert(text: &str, object: &Object<'_>, indent: &str, property: &str) -> String {
    let whole = span(object);
    let close = whole.end - 1;
    let splice = match object.properties.last() {
        Some(last) => {
            let end = span(last).end;
            let between = &text[end..close];
            // A trailing comma (JSONC) already separates: the new entry gets one too, in
            // the file's style, so taking it out again gives back the very same bytes.
            match between.find(',') {
                Some(comma) if !between[..comma].contains("//") => Splice {
                    range: end + comma + 1..end + comma + 1,
                    text: format!("\n{indent}{property},"),
                },
                _ => Splice {
                    range: end..end,
                    text: format!(",\n{indent}{property}"),
                },
            }
        }
        None => {
            let outer = line_indent(text, whole.start);
            Splice {
                range: whole.start + 1..close,
                text: format!("\n{indent}{property}\n{outer}"),
            }
        }
    };
    apply(text, vec![splice])
}

/// The indentation of the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The indentation of `object`'s properties: that of its first one, else one step deeper
/// than the object's own line.
fn child_indent(text: &str, object: &Object<'_>, step: &str) -> String {
    match object.properties.first() {
        Some(first) => line_indent(text, span(first).start),
        None => format!("{}{step}", line_indent(text, span(object).start)),
    }
}

/// One level of indentation as the file writes it (two spaces when it cannot tell).
fn indent_step(text: &str, top: &Object<'_>) -> String {
    top.properties
        .first()
        .map(|first| line_indent(text, span(first).start))
        .filter(|indent| !indent.is_empty())
        .unwrap_or_else(|| "  ".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse_entries;

    fn add(app: ClientApp, text: &str) -> String {
        add_entry(
            app,
            Path::new("mcp.json"),
            text,
            "/opt/gatehouse",
            "@acme/notes",
        )
        .unwrap()
    }

    fn routed(app: ClientApp, text: &str) -> Vec<String> {
        parse_entries(app, text)
            .unwrap()
            .iter()
            .filter_map(|e| e.routed_id().map(str::to_owned))
            .collect()
    }

    #[test]
    fn a_missing_file_gets_a_whole_config() {
        let text = add(ClientApp::ClaudeDesktop, "");
        assert_eq!(routed(ClientApp::ClaudeDesktop, &text), ["@acme/notes"]);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["mcpServers"]["@acme/notes"]["args"],
            serde_json::json!(["run", "@acme/notes"])
        );
    }

    #[test]
    fn an_entry_is_added_after_the_others_and_nothing_else_moves() {
        let before = "{\n    \"theme\": \"dark\",\n    \"mcpServers\": {\n        \"fs\": {\"command\": \"npx\", \"args\": []}\n    }\n}\n";
        let after = add(ClientApp::Cursor, before);
        assert!(after.starts_with("{\n    \"theme\": \"dark\",\n    \"mcpServers\": {\n        \"fs\": {\"command\": \"npx\", \"args\": []},\n        \"@acme/notes\": {\n"), "{after}");
        assert_eq!(routed(ClientApp::Cursor, &after), ["@acme/notes"]);
        assert_eq!(parse_entries(ClientApp::Cursor, &after).unwrap().len(), 2);
    }

    #[test]
    fn jsonc_with_a_trailing_comma_and_comments_stays_valid() {
        let before = "{\n  // mine\n  \"servers\": {\n    \"a\": {\"type\": \"http\", \"url\": \"https://x\"}, // remote\n  },\n}\n";
        let after = add(ClientApp::VsCode, before);
        assert!(
            after.contains("// mine") && after.contains("// remote"),
            "{after}"
        );
        assert_eq!(routed(ClientApp::VsCode, &after), ["@acme/notes"]);
        assert!(
            after.contains("\"type\": \"stdio\""),
            "VS Code entries say their type"
        );
    }

    #[test]
    fn a_file_without_a_servers_object_gets_one_and_a_duplicate_is_refused() {
        let after = add(ClientApp::Zed, "{\n  \"theme\": \"One\"\n}\n");
        assert_eq!(routed(ClientApp::Zed, &after), ["@acme/notes"]);
        assert!(after.contains("\"context_servers\""), "{after}");
        assert!(
            add_entry(
                ClientApp::Zed,
                Path::new("s.json"),
                &after,
                "/g",
                "@acme/notes"
            )
            .is_err(),
            "an existing entry is never overwritten"
        );
        let empty = add(ClientApp::Cline, "{\"mcpServers\": {}}");
        assert_eq!(routed(ClientApp::Cline, &empty), ["@acme/notes"]);
    }

    #[test]
    fn adding_then_removing_gives_back_the_same_bytes() {
        for (app, before) in [
            (
                ClientApp::VsCode,
                "{\n  \"servers\": {\n    \"a\": {\"type\": \"http\", \"url\": \"https://x\"},\n  },\n}\n",
            ),
            (
                ClientApp::Cursor,
                "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"args\": []}}}",
            ),
            // An empty object is expanded by the add and must be `{}` again after.
            (ClientApp::VsCode, "{\n  \"servers\": {}\n}\n"),
            (ClientApp::Cline, "{\"mcpServers\": {}}"),
        ] {
            let added = add(app, before);
            let key = app.servers_key().to_owned();
            let removed = crate::edit::remove_entry(
                app,
                Path::new("mcp.json"),
                &added,
                &[key, "@acme/notes".to_owned()],
            )
            .unwrap();
            assert_eq!(removed, before, "{app:?}: the entry leaves no trace");
        }
    }
}

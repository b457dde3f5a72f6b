//! Property: on any config, wiring every local entry and unwiring them gives the same bytes.

use proptest::prelude::*;

use super::{unwire_all, wire_all};
use gatehouse_clients::{ClientApp, edit};

#[derive(Debug, Clone)]
struct GenEntry {
    command: String,
    args: Option<Vec<String>>,
    env: Vec<(String, String)>,
    extra: bool,
}

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~é\u{1F600}]{0,12}",
        // Values the app fills in, which wiring carries as `GATEHOUSE_VALUE_<n>`.
        1 => "[a-z/]{0,4}\\$\\{(workspaceFolder|input:k|env:HOME)\\}[a-z/.]{0,4}",
    ]
}

fn entry() -> impl Strategy<Value = GenEntry> {
    (
        "[a-z/._-]{1,12}",
        proptest::option::of(proptest::collection::vec(text_value(), 0..4)),
        proptest::collection::vec(
            (
                prop_oneof!["[A-Z_]{1,6}", "[A-Z]{1,4}_TOKEN", "[A-Z]{1,4}_KEY"],
                text_value(),
            ),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(command, args, env, extra)| GenEntry {
            command,
            args,
            env,
            extra,
        })
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// A config in one of several layouts: compact or indented with spaces or tabs.
fn render(entries: &[GenEntry], key: &str, indent: &str, newline: &str) -> String {
    let i1 = indent;
    let i2 = indent.repeat(2);
    let i3 = indent.repeat(3);
    let mut members = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        let mut fields = vec![format!("{i3}\"command\": {}", quote(&e.command))];
        if let Some(args) = &e.args {
            let list: Vec<String> = args.iter().map(|a| quote(a)).collect();
            fields.push(format!("{i3}\"args\": [{}]", list.join(", ")));
        }
        if !e.env.is_empty() {
            let mut seen = std::collections::BTreeSet::new();
            let env: Vec<String> = e
                .env
                .iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .map(|(k, v)| format!("{}: {}", quote(k), quote(v)))
                .collect();
            fields.push(format!("{i3}\"env\": {{{}}}", env.join(", ")));
        }
        if e.extra {
            fields.push(format!("{i3}\"disabled\": false"));
        }
        members.push(format!(
            "{i2}\"server{n}\": {{{newline}{}{newline}{i2}}}",
            fields.join(&format!(",{newline}"))
        ));
    }
    format!(
        "{{{newline}{i1}\"theme\": \"dark\",{newline}{i1}\"{key}\": {{{newline}{}{newline}{i1}}}{newline}}}{newline}",
        members.join(&format!(",{newline}"))
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn wire_then_unwire_is_the_identity(
        entries in proptest::collection::vec(entry(), 1..5),
        layout in prop_oneof![
            Just(("", "")),
            Just(("  ", "\n")),
            Just(("\t", "\n")),
            Just(("    ", "\r\n")),
        ],
    ) {
        let (indent, newline) = layout;
        for app in [ClientApp::ClaudeDesktop, ClientApp::VsCode] {
            let original = render(&entries, app.servers_key(), indent, newline);
            let (wired, wirings) = wire_all(app, &original);
            prop_assert_eq!(wirings.len(), entries.len());
            prop_assert!(edit::parses(app, &wired));
            prop_assert_eq!(unwire_all(app, &wired, &wirings), original);
        }
    }
}

//! `gatehouse policy show [--json]`: the policy in force (exit 3 when none is usable).

use gatehouse_core::policy::{PolicyView, policy_view};
use gatehouse_policy::duration_words;

use super::explain::{print, print_json};
use crate::commands::{fail_json, runtime};
use crate::exit::Exit;

pub fn run(json: bool) -> Exit {
    runtime::with_context(|ctx| async move {
        let view = match policy_view(&ctx).await {
            Ok(view) => view,
            Err(error) => return fail_json(&error, json),
        };
        if json {
            return print_json(&view, "policy");
        }
        print(&human(&view));
        Exit::Ok
    })
}

fn human(view: &PolicyView) -> String {
    let mut out = Vec::new();
    match &view.snapshot {
        Some(snapshot) => {
            out.push(format!(
                "Policy of `{}`, serial {}, confirmed by the hub {} ago{}.",
                snapshot.org,
                snapshot.serial,
                duration_words(snapshot.age_secs.max(0)),
                if snapshot.stale { " (stale)" } else { "" }
            ));
            out.push(format!(
                "Signed with key `{}`{}.",
                snapshot.key_id,
                snapshot
                    .key_fingerprint
                    .as_deref()
                    .map(|f| format!(", fingerprint {f}"))
                    .unwrap_or_default()
            ));
        }
        None => out.push("No hub is configured: only your own settings apply.".to_owned()),
    }
    if let Some(area) = &view.area {
        out.push(format!("Area: {area}"));
    }
    out.push(String::new());
    let width = view.rules.iter().map(|r| r.label.len()).max().unwrap_or(0);
    for rule in &view.rules {
        out.push(format!(
            "{:width$}  {}  (set by {})",
            rule.label, rule.value, rule.set_by
        ));
    }
    if !view.diagnostics.is_empty() {
        out.push(String::new());
        out.push("Ignored, because they were looser than the rules in force:".to_owned());
        for clamp in &view.diagnostics {
            out.push(format!("  - {}", clamp.text));
        }
    }
    out.join("\n")
}

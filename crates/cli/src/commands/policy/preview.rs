//! `gatehouse policy preview [--json]`: what the hub's current policy would change if it
//! were applied. Exit 0 when it was judged (up to date or newer), 1 when the hub cannot be
//! asked or a sync would refuse its bundle, 3 when no usable policy is in force.

use gatehouse_core::sync::{PolicyPreview, PreviewState, preview};

use super::explain::{print, print_json};
use crate::commands::servers::verdict_words;
use crate::commands::{fail, hub, runtime};
use crate::exit::Exit;

pub fn run(json: bool) -> Exit {
    runtime::with_context(|ctx| async move {
        let answer = match hub::client(&ctx).await {
            Ok(client) => preview(&ctx, &client).await,
            Err(error) => Err(error),
        };
        let preview = match answer {
            Ok(preview) => preview,
            Err(error) => return fail(&error),
        };
        let exit = match preview.state {
            PreviewState::UpToDate | PreviewState::Newer => Exit::Ok,
            PreviewState::Refused => Exit::Failure,
        };
        if json {
            let printed = print_json(&preview, "preview");
            if printed != Exit::Ok {
                return printed;
            }
        } else if preview.state == PreviewState::Refused {
            eprintln!("gatehouse: {}", human(&preview));
        } else {
            print(&human(&preview));
        }
        exit
    })
}

fn human(preview: &PolicyPreview) -> String {
    let yours = preview
        .current_serial
        .map_or_else(|| "none yet".to_owned(), |serial| serial.to_string());
    let hubs = preview
        .hub_serial
        .map_or_else(|| "?".to_owned(), |serial| serial.to_string());
    match preview.state {
        PreviewState::UpToDate => format!("Your policy is up to date (serial {hubs})."),
        PreviewState::Refused => format!(
            "the hub's policy would be refused: {}; yours (serial {yours}) stays in force",
            preview
                .refused_reason
                .as_deref()
                .unwrap_or("no reason given")
        ),
        PreviewState::Newer => {
            let mut lines = vec![format!(
                "The hub has policy serial {hubs} (you have {yours}). If it were applied:"
            )];
            for change in &preview.changes {
                let mut line = format!(
                    "  {}: {} → {}",
                    change.id,
                    verdict_words(change.verdict_now),
                    verdict_words(change.verdict_after)
                );
                if !change.reasons.is_empty() {
                    line.push_str(" — ");
                    line.push_str(&change.reasons.join("; "));
                }
                lines.push(line);
            }
            lines.push(match (preview.changes.is_empty(), preview.unchanged) {
                (true, _) => "  no server's verdict would change.".to_owned(),
                (false, 1) => "1 other server keeps its verdict.".to_owned(),
                (false, count) => format!("{count} other servers keep their verdict."),
            });
            lines.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_core::Verdict;
    use gatehouse_core::sync::VerdictChange;

    use super::*;

    fn newer(changes: Vec<VerdictChange>, unchanged: usize) -> PolicyPreview {
        PolicyPreview {
            state: PreviewState::Newer,
            current_serial: Some(1),
            hub_serial: Some(2),
            refused_reason: None,
            refused_code: None,
            changes,
            unchanged,
        }
    }

    #[test]
    fn each_change_is_one_line_with_both_verdicts_and_the_reasons() {
        let change = VerdictChange {
            id: "meh".to_owned(),
            name: "@acme/meh".to_owned(),
            version: Some("1.0.0".to_owned()),
            verdict_now: Verdict::Warn,
            verdict_after: Verdict::Block,
            reasons: vec!["Its certification is level 1; level 2 is required.".to_owned()],
            codes: vec!["cert_below_min".to_owned()],
        };
        assert_eq!(
            human(&newer(vec![change], 2)),
            "The hub has policy serial 2 (you have 1). If it were applied:\n  \
             meh: Asks first → Blocked — Its certification is level 1; level 2 is required.\n\
             2 other servers keep their verdict."
        );
        assert!(human(&newer(Vec::new(), 3)).ends_with("no server's verdict would change."));
    }
}

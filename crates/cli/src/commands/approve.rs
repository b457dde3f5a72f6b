//! `gatehouse approve <server>`: answer "Always for this version" ahead of time for a server
//! that policy says to ask about, so that client apps can start it without a prompt. It
//! holds only while the server, its version and the rules that concern it stay the same.

use gatehouse_core::launch::{decide, remember_always};
use gatehouse_core::ports::{ConfirmRequest, Confirmation, Prompter};
use gatehouse_policy::{Request, Verdict, block_report};

use super::prompt::TerminalPrompter;
use super::{fail, runtime};
use crate::cli::ApproveArgs;
use crate::exit::Exit;

pub fn run(args: ApproveArgs) -> Exit {
    runtime::with_context(|ctx| async move {
        let decided = match decide(&ctx, &args.server, &Request::default(), false).await {
            Ok(decided) => decided,
            Err(error) => return fail(&error),
        };
        let decision = &decided.evaluation.decision;
        match decision.verdict {
            Verdict::Allow => {
                println!(
                    "`{}` is allowed by policy: there is nothing to approve.",
                    args.server
                );
                return Exit::Ok;
            }
            Verdict::Block => {
                eprintln!(
                    "`{}` is blocked by policy and cannot be approved.",
                    args.server
                );
                eprintln!(
                    "{}",
                    block_report(&decided.evaluation.facts, decision).trim_end()
                );
                return Exit::Blocked;
            }
            Verdict::Warn if decided.confirmed => {
                println!("`{}` is already approved for this version.", args.server);
                return Exit::Ok;
            }
            Verdict::Warn => {}
        }
        let reasons: Vec<String> = decision
            .violations
            .iter()
            .map(|v| v.message.clone())
            .collect();
        let answer = if args.yes {
            for reason in &reasons {
                eprintln!("  - {reason}");
            }
            Confirmation::Always
        } else {
            let server = decided.server.as_ref();
            let request = ConfirmRequest {
                server_id: args.server.clone(),
                name: server.map_or_else(|| args.server.clone(), |s| s.name.clone()),
                version: server.and_then(|s| s.version.clone()),
                reasons,
            };
            TerminalPrompter.confirm(&request).await
        };
        match answer {
            Confirmation::Always => match remember_always(&ctx, &decided.confirmation_key).await {
                Ok(_) => {
                    println!(
                        "Approved `{}` for this version; client apps can start it now.",
                        args.server
                    );
                    Exit::Ok
                }
                Err(error) => fail(&error),
            },
            Confirmation::RunOnce => {
                println!(
                    "Nothing to run here: choose \"always\" to approve `{}`.",
                    args.server
                );
                Exit::Blocked
            }
            Confirmation::Declined => {
                println!("Not approved.");
                Exit::Blocked
            }
            Confirmation::Unavailable(why) => {
                eprintln!("gatehouse: cannot ask for approval: {why}; use `--yes` to approve.");
                Exit::Blocked
            }
        }
    })
}

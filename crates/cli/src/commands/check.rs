//! `gatehouse check <server>`: the decision only. Nothing is spawned, nobody is asked,
//! nothing is audited; remembered confirmations count.

use gatehouse_core::launch::decide;

use super::policy::explain::{human, print};
use super::{fail_json, flags, runtime};
use crate::cli::CheckArgs;
use crate::exit::Exit;

pub fn run(args: CheckArgs) -> Exit {
    let request = match flags::request(&args.flags) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            return Exit::Usage;
        }
    };
    runtime::with_context(|ctx| async move {
        let decided = match decide(&ctx, &args.server, &request, true).await {
            Ok(decided) => decided,
            Err(error) => return fail_json(&error, args.json),
        };
        let exit = Exit::Code(decided.exit_code(&request));
        let evaluation = &decided.evaluation;
        if args.json {
            let mut json = evaluation.decision.to_cli_json(&evaluation.facts, &request);
            json["exit_code"] = exit.code().into();
            json["id"] = decided.server.as_ref().map(|s| s.id.clone()).into();
            json["confirmed"] = decided.confirmed.into();
            json["not_managed"] = decided.not_managed.into();
            json["standing"] = serde_json::to_value(decided.standing).unwrap_or_default();
            json["claims"] = evaluation.facts.claims.clone().into();
            print(&json.to_string());
        } else {
            print(&human(&evaluation.facts, &evaluation.decision, exit));
            if decided.not_managed {
                print(
                    "It was added by hand, and your organization allows only servers installed through Gatehouse or set up in your apps: it does not run.",
                );
            }
            if decided.confirmed {
                print("You approved this server for this version; it runs without asking.");
            }
        }
        exit
    })
}

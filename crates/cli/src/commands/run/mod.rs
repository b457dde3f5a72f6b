//! `gatehouse run <server>`: what client app configs call for every managed server.

use gatehouse_core::ClientApp;
use gatehouse_core::launch::{self, Prepared};
use gatehouse_desktop::keyring::OsKeyring;

use super::prompt::LaunchPrompter;
use super::{fail, flags, runtime};
use crate::cli::RunArgs;
use crate::exit::Exit;

mod refused;

pub fn run(args: RunArgs) -> Exit {
    let request = match flags::request(&args.flags) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            return Exit::Usage;
        }
    };
    let client = match args
        .client
        .as_deref()
        .map(|name| (name, ClientApp::from_name(name)))
    {
        None => None,
        Some((_, Some(app))) => Some(app),
        Some((name, None)) => {
            eprintln!(
                "gatehouse: `{name}` is not a client app: use claude-desktop, claude-code, cursor, vscode, windsurf, zed or cline"
            );
            return Exit::Usage;
        }
    };
    let exit = runtime::with_launch_context(|ctx| async move {
        let prompter = match LaunchPrompter::for_process(&ctx.env, client) {
            Ok(prompter) => prompter,
            Err(error) => return fail(&error),
        };
        let prepared = match launch::prepare(&ctx, &prompter, &args.server, &request).await {
            Ok(prepared) => prepared,
            Err(error) => return fail(&error),
        };
        match prepared {
            Prepared::Refused {
                exit_code,
                message,
                declined,
            } => {
                eprintln!("{}", message.trim_end());
                // An entry that does not name its app: the processes that started this one
                // may. Only looked up for a refusal, off the path of every launch.
                let client = client.or_else(|| {
                    gatehouse_desktop::host::ancestor_programs(8)
                        .iter()
                        .find_map(|program| ClientApp::from_program_name(program))
                });
                // The person who chose "Don't run" needs no notice; the app still hears why.
                let socket = ctx.env.socket().ok();
                refused::tell(&args.server, client, &message, !declined, socket.as_deref()).await;
                Exit::Code(exit_code)
            }
            Prepared::Run(launch) => {
                if launch.is_forced() {
                    // The admin hears of an override before it takes effect, when the hub
                    // answers (DESIGN.md "Tamper evidence").
                    gatehouse_core::sync::deliver_pending(&ctx, &OsKeyring).await;
                }
                run_launch(&ctx, *launch).await
            }
        }
    });
    // The session reads stdin on a thread that cannot be cancelled: leave now rather than
    // wait for it at runtime shutdown.
    std::process::exit(i32::from(exit.code()))
}

async fn run_launch(ctx: &gatehouse_core::Context, launch: launch::Launch) -> Exit {
    match launch::run(ctx, &OsKeyring, launch).await {
        Ok(code) => Exit::Code(u8::try_from(code.clamp(0, 255)).unwrap_or(1)),
        Err(error) => {
            eprintln!("gatehouse: {error}");
            Exit::Failure
        }
    }
}

//! The async runtime and context every store-backed command starts with.

use std::future::Future;

use gatehouse_core::Context;
use gatehouse_core::context::{Environment, Platform, Program};

use crate::exit::Exit;

/// Runs `body` on a single-threaded runtime with the context of this process's environment.
/// A runtime or context that cannot be made ends the command with the error's exit code.
pub fn with_context<F, Fut>(body: F) -> Exit
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Exit>,
{
    with_context_of(false, body)
}

/// [`with_context`] for a launch: where the default data directory follows a hub, the
/// variables that would move the launcher elsewhere are ignored
/// ([`gatehouse_core::context::launch_environment`]).
pub fn with_launch_context<F, Fut>(body: F) -> Exit
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Exit>,
{
    with_context_of(true, body)
}

fn with_context_of<F, Fut>(launch: bool, body: F) -> Exit
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Exit>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gatehouse: cannot start: {error}");
            return Exit::Failure;
        }
    };
    let exit = runtime.block_on(async {
        let mut env = environment();
        let mut ignored = false;
        if launch {
            (env, ignored) = gatehouse_core::context::launch_environment(env).await;
        }
        if let Ok(dir) = env.data_dir() {
            // Phase marks for `bench/launch.sh`, when it asks for them.
            let timings = env
                .var(gatehouse_desktop::phases::VARIABLE)
                .map(std::path::PathBuf::from);
            gatehouse_desktop::logs::init(&dir, gatehouse_desktop::logs::LogOf::Cli, timings);
        }
        if ignored {
            tracing::warn!(
                "GATEHOUSE_DATA_DIR and GATEHOUSE_MCP_CONFIG are ignored: this computer follows your organization's hub"
            );
        }
        tracing::trace!(target: "gatehouse::phase", phase = "environment_read");
        match Context::for_command(env).await {
            Ok(ctx) => {
                tracing::trace!(target: "gatehouse::phase", phase = "store_opened");
                body(ctx).await
            }
            Err(error) => super::fail(&error),
        }
    });
    // A launch reads stdin on a blocking thread that only returns when the client writes or
    // closes; a client that waits for our output to end first would wait forever if dropping
    // the runtime waited for that thread. Nothing else is left running by then.
    runtime.shutdown_background();
    exit
}

/// This process's environment, read once: every command sees it through the context.
pub fn environment() -> Environment {
    let env = Environment::new(Platform::current(), std::env::vars_os()).on_host(
        gatehouse_desktop::host::name(),
        gatehouse_desktop::host::os_name(),
    );
    match std::env::current_exe() {
        Ok(exe) => env.running(Program::Cli, exe),
        Err(_) => env,
    }
}

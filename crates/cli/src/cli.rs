//! The command line grammar. Names, flags and exit codes are a contract (`shared/CLI.md`):
//! change them only together with that document.

use clap::{Args, Parser, Subcommand};

/// Gatehouse decides which MCP servers may run on this computer.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `gatehouse run …` alone, the one command on the path of every server start, parsed
/// without building the whole command line: the full tree cost about 0.4 ms of each launch.
/// It is the same [`RunArgs`], so what it accepts is exactly what [`Cli`] accepts for `run`;
/// anything it does not accept (`--help`, a mistake) is left to [`Cli`], whose messages
/// are the command line's.
#[derive(Debug, Parser)]
#[command(name = "gatehouse")]
struct RunOnly {
    #[command(subcommand)]
    command: RunOnlyCommand,
}

#[derive(Debug, Subcommand)]
enum RunOnlyCommand {
    Run(RunArgs),
}

/// The arguments of `gatehouse run` when `argv` (the program name first) is a valid `run`
/// command line; `None` for anything else.
pub fn run_args<I, T>(argv: I) -> Option<RunArgs>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
    if argv.get(1).is_none_or(|first| first != "run") {
        return None;
    }
    match RunOnly::try_parse_from(argv) {
        Ok(RunOnly {
            command: RunOnlyCommand::Run(args),
        }) => Some(args),
        Err(_) => None,
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Launch a server through the policy check and proxy its stdio (what client apps call).
    Run(RunArgs),
    /// Show the decision for a server without running it, asking anyone, or recording it.
    Check(CheckArgs),
    /// Remember "Always for this version" for a server that policy says to ask about.
    Approve(ApproveArgs),
    /// Settings: the hub this device follows and its signing key.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Managed servers: list, add, remove.
    #[command(subcommand)]
    Servers(ServersCommand),
    /// MCP client apps: list their servers, route them through Gatehouse, restore them.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Work with policy files: run conformance cases, explain one decision.
    #[command(subcommand)]
    Policy(crate::commands::policy::PolicyCommand),
    /// Fetch, verify and store the policy bundle now, and deliver waiting audit events.
    Sync(JsonArgs),
    /// The hub, the policy snapshot in force, the last sync and what is waiting.
    Status(JsonArgs),
    /// Install a server from the organization's registry and register it.
    Install(InstallArgs),
    /// Join an organization from the enrollment link or file your admin sent.
    Enroll(EnrollArgs),
    /// Store the hub token in the OS keyring.
    Login(LoginArgs),
    /// Remove the hub token from the OS keyring.
    Logout,
}

/// Just `--json`.
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// `@org/name[@version]` (`latest` when no version is given; `sha256:<hex>` pins a digest).
    pub package: String,
    /// A client app to wire it into (repeatable).
    #[arg(long = "client", value_name = "C")]
    pub clients: Vec<String>,
    /// Install from this bundle (`.tar.gz`) on disk instead of the registry: for machines
    /// that cannot reach it. Its bytes are checked against the signed catalog all the same.
    #[arg(long, value_name = "FILE", requires = "manifest")]
    pub bundle: Option<std::path::PathBuf>,
    /// The bundle's manifest, with `--bundle`.
    #[arg(long, value_name = "FILE", requires = "bundle")]
    pub manifest: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// The `gatehouse://enroll?…` link, or the path of the enrollment file.
    pub link: String,
    /// Join without asking (once the fingerprint shown has been compared).
    #[arg(long)]
    pub yes: bool,
    /// Sign in with this token; `-` reads it from stdin.
    #[arg(long, conflicts_with = "username")]
    pub token: Option<String>,
    /// Sign in with the registry's user name and password instead of a token.
    #[arg(long)]
    pub username: Option<String>,
    /// With --username: the password; `-` reads it from stdin (asked when not given).
    #[arg(long, requires = "username")]
    pub password: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The token; `-` reads it from stdin (keeps it out of the shell history and `ps`).
    #[arg(long)]
    pub token: Option<String>,
}

/// The request flags shared by `run` and `check` (POLICY.md section 4).
#[derive(Debug, Clone, Args)]
pub struct DecisionFlags {
    /// Run a server that policy warns about without asking; the warnings go into the session.
    #[arg(long)]
    pub trust: bool,
    /// Apply the overrides below, where the organization permits it (always audited).
    #[arg(long)]
    pub force: bool,
    /// With --force: accept this certification level (0-3) for this launch only.
    #[arg(long, value_name = "N")]
    pub min_cert_level: Option<u8>,
    /// With --force: accept this origin (official, verified, community) for this launch only.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The server id (the name its entry has in the client app's config).
    pub server: String,
    /// The client app whose entry starts it (claude-desktop, claude-code, cursor, vscode,
    /// windsurf, zed, cline), named in what the person is told when it may not run.
    #[arg(long, value_name = "APP")]
    pub client: Option<String>,
    #[command(flatten)]
    pub flags: DecisionFlags,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A server id, or a catalog name (`@acme/tool` or `@acme/tool@1.2.0`).
    pub server: String,
    #[command(flatten)]
    pub flags: DecisionFlags,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The server id.
    pub server: String,
    /// Approve without asking (for scripts); the warnings are still printed.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum ServersCommand {
    /// Managed servers with their facts and verdicts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Register a local stdio server: `gatehouse servers add ID -- COMMAND [ARGS...]`.
    Add(AddArgs),
    /// Unregister a server.
    Remove {
        /// The server id.
        id: String,
    },
    /// Switch a named server (a pinned npx/uvx/pipx spec) to the verified copy of its
    /// package that the organization's catalog certifies.
    UseCopy {
        /// The server id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The id client configs and `gatehouse run` use.
    pub id: String,
    /// A label for the server, recorded as a claim: deny lists see it, but it never lends
    /// the server another's badges (its identity comes from the command).
    #[arg(long)]
    pub name: Option<String>,
    /// An environment variable the server needs (repeatable). Only its name is stored; the
    /// value is taken from the caller's environment at each launch.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, num_args = 1.., value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Client apps found, their config files (the apps' own and those of the projects they
    /// opened), each entry, whether it runs through Gatehouse and the verdict it has or
    /// would have.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Also look into this project folder (repeatable).
        #[arg(long = "project", value_name = "DIR")]
        projects: Vec<std::path::PathBuf>,
    },
    /// Route every local server entry of the apps' own config files through `gatehouse run`
    /// (exit 1 when a file could not be changed safely; it is then left untouched). Secret
    /// env values move to the OS keyring. With `--project`, the configs of that project
    /// instead.
    Wire(ClientsArgs),
    /// Put back the entries `wire` changed, byte for byte (secrets back from the keyring).
    Unwire(ClientsArgs),
    /// Delete a remote (http/sse) entry from a client app's config, e.g. one policy denies.
    /// Remote servers cannot be checked at launch; this is how to drop one.
    RemoveRemote {
        /// The client app: claude-desktop, claude-code, cursor, vscode, windsurf, zed, cline.
        client: String,
        /// The entry's name in that app.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ClientsArgs {
    /// Only this client app (repeatable): claude-desktop, claude-code, cursor, vscode,
    /// windsurf, zed, cline. Default: all.
    #[arg(long = "client", value_name = "C")]
    pub clients: Vec<String>,
    /// Only the configs of this project folder (repeatable): its `.mcp.json`,
    /// `.cursor/mcp.json`, `.vscode/mcp.json`, `.windsurf/mcp.json`, `.zed/settings.json`.
    #[arg(long = "project", value_name = "DIR")]
    pub projects: Vec<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print the audit log as JSON Lines.
    Export {
        /// Only events at or after this time (RFC 3339, e.g. 2026-11-20T00:00:00Z).
        #[arg(long)]
        since: Option<String>,
        /// The output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: AuditFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AuditFormat {
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Change a setting: hub-url, registry-url, organization, area, hub-key (an empty value clears it).
    Set { key: String, value: String },
    /// Show a setting (managed settings included).
    Get { key: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the full command line makes of `argv`, when it is a `run`.
    fn full(argv: &[&str]) -> Option<String> {
        match Cli::try_parse_from(argv) {
            Ok(Cli {
                command: Command::Run(args),
            }) => Some(format!("{args:?}")),
            _ => None,
        }
    }

    #[test]
    fn the_launch_path_parses_run_exactly_as_the_whole_command_line_does() {
        for argv in [
            &["gatehouse", "run", "notes"][..],
            &["gatehouse", "run", "notes", "--client", "cursor"],
            &["gatehouse", "run", "--trust", "notes"],
            &[
                "gatehouse",
                "run",
                "notes",
                "--force",
                "--allow-origin",
                "community",
                "--min-cert-level",
                "1",
            ],
            &["gatehouse", "run", "--", "--notes"],
        ] {
            let fast = run_args(argv.iter().copied()).map(|args| format!("{args:?}"));
            assert!(fast.is_some(), "{argv:?} is a run command line");
            assert_eq!(fast, full(argv), "{argv:?}");
        }
        // Not a valid `run`: left to the whole command line, which says what is wrong.
        for argv in [
            &["gatehouse", "run"][..],
            &["gatehouse", "run", "--help"],
            &["gatehouse", "run", "notes", "--no-such-flag"],
            &["gatehouse", "check", "notes"],
            &["gatehouse", "--version"],
            &["gatehouse"],
        ] {
            assert_eq!(run_args(argv.iter().copied()).map(|_| ()), None, "{argv:?}");
        }
    }
}

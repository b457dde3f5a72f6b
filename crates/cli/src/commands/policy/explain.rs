//! `gatehouse policy explain --layers F.yaml --server S.json [--request R.json] [--json]`:
//! evaluates one server against layers from files and exits as `check` would (0 allow,
//! 4 block or warn without trust, 3 invalid policy, 2 usage errors).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use gatehouse_policy::{
    Decision, Diagnostic, EffectivePolicy, Error, Layers, Request, ServerFacts, Severity, Verdict,
    block_report, evaluate, parse_document,
};
use serde_json::{Value, json};

use crate::exit::Exit;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Layers keyed by layer name, as in the corpus (YAML or JSON).
    #[arg(long, value_name = "F.yaml")]
    pub layers: PathBuf,
    /// The server facts (JSON or YAML): name, version, origin, cert_level, score, status.
    #[arg(long, value_name = "S.json")]
    pub server: PathBuf,
    /// The request (JSON or YAML): trust, force, override_min_cert_level,
    /// override_allow_origins, now.
    #[arg(long, value_name = "R.json")]
    pub request: Option<PathBuf>,
    /// Print the decision as JSON (the shape of `check --json`).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ExplainArgs) -> Exit {
    match decide(args) {
        Ok((facts, request, decision)) => {
            let exit = match decision.exit_code(&request) {
                0 => Exit::Ok,
                _ => Exit::Blocked,
            };
            if args.json {
                print(&decision.to_cli_json(&facts, &request).to_string());
            } else {
                print(&human(&facts, &decision, exit));
            }
            exit
        }
        Err(failure) => failure.report(args.json),
    }
}

/// Why no decision could be made, and the exit code that says so.
#[derive(Debug)]
enum Failure {
    /// Bad input files or flags: exit 2.
    Usage(String),
    /// The layers fail validation or do not parse: exit 3.
    InvalidPolicy(Error),
}

impl Failure {
    fn report(self, json: bool) -> Exit {
        let (exit, message, body) = match self {
            Failure::Usage(message) => (
                Exit::Usage,
                message.clone(),
                json!({"code": "usage", "message": message}),
            ),
            Failure::InvalidPolicy(error) => {
                let (layer, key) = match &error {
                    Error::Validation(error) => (
                        error.layer.map(|layer| layer.to_string()),
                        error.key.clone(),
                    ),
                    _ => (None, None),
                };
                let message = error.to_string();
                let body = json!({
                    "code": "invalid_policy", "layer": layer, "key": key, "message": message,
                });
                (Exit::NoPolicy, message, body)
            }
        };
        if json {
            print(&json!({ "error": body }).to_string());
        }
        eprintln!("error: {message}");
        exit
    }
}

fn decide(args: &ExplainArgs) -> Result<(ServerFacts, Request, Decision), Failure> {
    let layers = Layers::from_yaml_str(&read(&args.layers)?).map_err(Failure::InvalidPolicy)?;
    let facts = parse(&args.server)
        .and_then(|value| ServerFacts::from_value(&value).map_err(|e| usage(&args.server, &e)))?;
    let request = match &args.request {
        Some(path) => parse(path)
            .and_then(|value| Request::from_value(&value).map_err(|e| usage(path, &e)))?,
        None => Request::default(),
    };
    let policy = EffectivePolicy::compile(&layers);
    let decision = evaluate(&policy, &facts, &request);
    Ok((facts, request, decision))
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|error| Failure::Usage(format!("cannot read `{}`: {error}", path.display())))
}

fn parse(path: &Path) -> Result<Value, Failure> {
    parse_document(&read(path)?).map_err(|error| usage(path, &error))
}

fn usage(path: &Path, error: &Error) -> Failure {
    Failure::Usage(format!("`{}`: {error}", path.display()))
}

/// The decision in words: the verdict, each violation with who imposed it, the clamps, and
/// for a block the message a launch would print.
pub(crate) fn human(facts: &ServerFacts, decision: &Decision, exit: Exit) -> String {
    let server = match (&facts.name, &facts.version) {
        (Some(name), Some(version)) => format!("{name}@{version}"),
        _ => facts.label().to_owned(),
    };
    let verdict = match decision.verdict {
        Verdict::Allow => "allowed: this server may run",
        Verdict::Warn => "warning: this server runs only after a confirmation, or with --trust",
        Verdict::Block => "blocked: this server may not run",
    };
    let mut text = format!("{server}: {verdict}\n");
    for violation in &decision.violations {
        let severity = match violation.severity {
            Severity::Block => "block",
            Severity::Warn => "warn ",
        };
        text.push_str(&format!(
            "  {severity} {} (layer {}): {}\n",
            violation.code, violation.layer, violation.message
        ));
    }
    for diagnostic in &decision.diagnostics {
        let Diagnostic::Clamp {
            layer,
            key,
            asked,
            kept,
        } = diagnostic;
        text.push_str(&format!(
            "  note: the {layer} layer asked for {key} {}; {} stays in force from a more \
             authoritative layer\n",
            bare(asked),
            bare(kept)
        ));
    }
    if decision.verdict == Verdict::Block {
        text.push_str("\nA launch would print:\n");
        text.push_str(&block_report(facts, decision));
    }
    text.push_str(&format!("exit code: {}\n", exit.code()));
    text
}

/// A JSON value as a user wrote it: strings without quotes.
fn bare(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout cannot be reported anywhere useful; the exit code still tells.
    let _ = writeln!(out, "{}", text.trim_end());
}

/// Prints `value` as pretty JSON (the `--json` answers): `Exit::Ok`, or `Exit::Failure`
/// said on stderr when it cannot be serialized.
pub(crate) fn print_json(value: &impl serde::Serialize, what: &str) -> Exit {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            print(&text);
            Exit::Ok
        }
        Err(error) => {
            eprintln!("gatehouse: cannot print the {what}: {error}");
            Exit::Failure
        }
    }
}

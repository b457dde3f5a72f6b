//! Asking the person at a terminal to confirm a `warn` verdict. The tray app's window is the
//! other way to ask; when neither is there, the launch is refused (exit 4) with a message
//! that says how to approve.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use gatehouse_core::ports::{ConfirmRequest, Confirmation, Prompter};
use gatehouse_desktop::confirm::SocketPrompter;

/// How long an unanswered question waits before it counts as "Don't run".
const ANSWER_WITHIN: Duration = Duration::from_secs(120);

/// Asks at the terminal when `gatehouse run` was started from one, else through the tray
/// app's confirmation window (a client app starts the launcher with pipes, not a terminal).
#[derive(Debug)]
pub enum LaunchPrompter {
    Terminal(TerminalPrompter),
    App(SocketPrompter),
}

impl LaunchPrompter {
    /// The prompter for this process: the terminal when stdin and stderr are one, else the
    /// app's window, which names `client` (the entry's `--client`) as who asks.
    pub fn for_process(
        env: &gatehouse_core::context::Environment,
        client: Option<gatehouse_core::ClientApp>,
    ) -> Result<LaunchPrompter, gatehouse_core::Error> {
        if TerminalPrompter::can_ask() {
            return Ok(LaunchPrompter::Terminal(TerminalPrompter));
        }
        let path = env.socket()?;
        Ok(LaunchPrompter::App(
            SocketPrompter::new(path).for_client(client.map(gatehouse_core::ClientApp::label)),
        ))
    }
}

impl Prompter for LaunchPrompter {
    async fn confirm(&self, request: &ConfirmRequest) -> Confirmation {
        match self {
            LaunchPrompter::Terminal(terminal) => terminal.confirm(request).await,
            LaunchPrompter::App(app) => app.confirm(request).await,
        }
    }
}

/// Asks on stderr and reads the answer from stdin, when both are a terminal.
#[derive(Debug, Default)]
pub struct TerminalPrompter;

impl TerminalPrompter {
    fn can_ask() -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }
}

impl Prompter for TerminalPrompter {
    async fn confirm(&self, request: &ConfirmRequest) -> Confirmation {
        if !Self::can_ask() {
            return Confirmation::Unavailable("it was not started from a terminal".to_owned());
        }
        let version = request
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let mut question = format!(
            "Gatehouse: {}{version} needs your confirmation:\n",
            request.name
        );
        for reason in &request.reasons {
            question.push_str(&format!("  - {reason}\n"));
        }
        question.push_str("Run it? [o]nce, [a]lways for this version, [N]o: ");
        {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(question.as_bytes());
            let _ = err.flush();
        }
        let answer = tokio::time::timeout(
            ANSWER_WITHIN,
            tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map(|_| line)
            }),
        )
        .await;
        match answer {
            Ok(Ok(Ok(line))) => parse_answer(&line),
            _ => {
                eprintln!();
                Confirmation::Declined
            }
        }
    }
}

/// Anything but a clear yes is a no.
fn parse_answer(line: &str) -> Confirmation {
    match line.trim().to_ascii_lowercase().as_str() {
        "o" | "once" | "y" | "yes" => Confirmation::RunOnce,
        "a" | "always" => Confirmation::Always,
        _ => Confirmation::Declined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_clear_yes_runs() {
        assert_eq!(parse_answer("o\n"), Confirmation::RunOnce);
        assert_eq!(parse_answer(" Always "), Confirmation::Always);
        assert_eq!(
            parse_answer("\n"),
            Confirmation::Declined,
            "Enter means the default: No"
        );
        assert_eq!(parse_answer("maybe"), Confirmation::Declined);
    }
}

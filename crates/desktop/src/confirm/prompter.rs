//! The launcher's side: ask the tray app over its socket.

use std::path::PathBuf;

use gatehouse_core::ports::{ConfirmRequest, Confirmation, Prompter};

/// Asks the tray app listening on `path`. Unreachable means nobody can be asked.
#[derive(Debug, Clone)]
pub struct SocketPrompter {
    path: PathBuf,
    client: Option<&'static str>,
}

impl SocketPrompter {
    pub fn new(path: PathBuf) -> SocketPrompter {
        SocketPrompter { path, client: None }
    }

    /// Names `client` (a client app's label, from `run --client`) as who asks.
    pub fn for_client(mut self, client: Option<&'static str>) -> SocketPrompter {
        self.client = client;
        self
    }

    /// Who wants the server started, in words: the entry's client app, else the first
    /// process above this one that is a known client app or Gatehouse's own window (its
    /// Check now). Looked up only when a question is asked.
    fn requested_by(&self) -> Option<String> {
        if let Some(client) = self.client {
            return Some(client.to_owned());
        }
        crate::host::ancestor_programs(8)
            .iter()
            .find_map(|program| {
                if program.starts_with("gatehouse-app") {
                    return Some("Gatehouse (Check now)".to_owned());
                }
                gatehouse_core::ClientApp::from_program_name(program)
                    .map(|app| app.label().to_owned())
            })
    }
}

/// Why nobody was asked, for the refusal message.
const NOT_RUNNING: &str = "the Gatehouse app is not running, so nobody could be asked";

impl Prompter for SocketPrompter {
    async fn confirm(&self, request: &ConfirmRequest) -> Confirmation {
        #[cfg(unix)]
        {
            let asked = ask(&self.path, request, self.requested_by());
            match tokio::time::timeout(super::LAUNCHER_WAITS, asked).await {
                Ok(Ok(answer)) => answer.into_confirmation(),
                Ok(Err(Failure::NotListening)) => Confirmation::Unavailable(NOT_RUNNING.to_owned()),
                Ok(Err(Failure::NoAnswer(why))) => {
                    Confirmation::Unavailable(format!("the Gatehouse app did not answer ({why})"))
                }
                // The window times out to "Don't run" before this; an app that hangs gets
                // the same answer.
                Err(_) => Confirmation::Declined,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (&self.path, request);
            Confirmation::Unavailable(
                "asking through the Gatehouse app is not available on this system yet".to_owned(),
            )
        }
    }
}

#[cfg(unix)]
enum Failure {
    NotListening,
    NoAnswer(String),
}

#[cfg(unix)]
async fn ask(
    path: &std::path::Path,
    request: &ConfirmRequest,
    requested_by: Option<String>,
) -> Result<super::Answer, Failure> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let stream = tokio::net::UnixStream::connect(path)
        .await
        .map_err(|_| Failure::NotListening)?;
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_vec(&super::RequestLine::from_request(request, requested_by))
        .map_err(|error| Failure::NoAnswer(error.to_string()))?;
    line.push(b'\n');
    write
        .write_all(&line)
        .await
        .map_err(|error| Failure::NoAnswer(error.to_string()))?;
    let mut answer = String::new();
    let read = BufReader::new(read)
        .read_line(&mut answer)
        .await
        .map_err(|error| Failure::NoAnswer(error.to_string()))?;
    if read == 0 {
        return Err(Failure::NoAnswer("it closed the connection".to_owned()));
    }
    serde_json::from_str(answer.trim_end())
        .map_err(|_| Failure::NoAnswer("its answer could not be read".to_owned()))
}

//! The tray app's side: listen on the socket and hand each request to the app, which shows
//! a window and answers through [`PendingConfirm::answer`].

use std::path::{Path, PathBuf};

use tokio::sync::{mpsc, oneshot};

use super::protocol::{Answer, NoticeLine, OPENED, OpenLine, RequestLine, SHOWN, VERSION};
use gatehouse_core::ports::{ConfirmRequest, Notification};
use gatehouse_core::{Error, Result};

/// A request waiting for the person's answer. Dropping it unanswered answers "Don't run".
#[derive(Debug)]
pub struct PendingConfirm {
    pub request: ConfirmRequest,
    /// Who wants to start the server, in words, when the launcher could tell.
    pub requested_by: Option<String>,
    reply: oneshot::Sender<Answer>,
}

impl PendingConfirm {
    /// A request to hold until answered: the receiver gets the answer (a launcher's on the
    /// socket, or the resident's, asked by its window process).
    pub fn new(
        request: ConfirmRequest,
        requested_by: Option<String>,
    ) -> (PendingConfirm, oneshot::Receiver<Answer>) {
        let (reply, answer) = oneshot::channel();
        (
            PendingConfirm {
                request,
                requested_by,
                reply,
            },
            answer,
        )
    }

    /// Sends the answer to the waiting launcher. `false` if it stopped waiting.
    pub fn answer(self, answer: Answer) -> bool {
        self.reply.send(answer).is_ok()
    }
}

/// What arrives on the socket: a launcher's question, or a second start of the app
/// handing over (show the window, with the link it was opened with).
#[derive(Debug)]
pub enum Incoming {
    Confirm(PendingConfirm),
    Open {
        link: Option<String>,
    },
    /// A launcher refused a launch: show the person this notice.
    Notice(Notification),
}

/// The bound socket. The file is removed when this is dropped.
#[derive(Debug)]
pub struct ConfirmListener {
    path: PathBuf,
    #[cfg(unix)]
    listener: tokio::net::UnixListener,
}

impl ConfirmListener {
    /// Binds `path`: its directory is made owner-only, a socket left by an app that died is
    /// replaced, and the socket is made owner-only before anyone can connect to it. Fails
    /// when another app instance is listening.
    #[cfg(unix)]
    pub async fn bind(path: &Path) -> Result<ConfirmListener> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent()
            && !dir.exists()
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io)?;
        }
        if path.exists() {
            if tokio::net::UnixStream::connect(path).await.is_ok() {
                return Err(Error::Usage(
                    "another Gatehouse app is already running for this user".to_owned(),
                ));
            }
            std::fs::remove_file(path).map_err(io)?;
        }
        // Bind under a umask-independent mode: create, then restrict before the first
        // accept. Nothing is accepted in between because accepting is ours to start.
        let listener = tokio::net::UnixListener::bind(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        Ok(ConfirmListener {
            path: path.to_owned(),
            listener,
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Accepts launchers and second starts of the app until the receiver of `requests` is
    /// gone, passing each readable request on. Connections from another user, unreadable lines and unknown protocol
    /// versions are closed without an answer (the launcher then refuses the launch).
    #[cfg(unix)]
    pub async fn serve(self, requests: mpsc::Sender<Incoming>) {
        use std::os::unix::fs::MetadataExt;

        let owner = match std::fs::metadata(&self.path) {
            Ok(metadata) => metadata.uid(),
            Err(_) => return,
        };
        loop {
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => continue,
                },
                () = requests.closed() => return,
            };
            let same_user = stream
                .peer_cred()
                .is_ok_and(|credentials| credentials.uid() == owner);
            if !same_user {
                continue;
            }
            let requests = requests.clone();
            tokio::spawn(async move {
                handle(stream, requests).await;
            });
        }
    }
}

#[cfg(unix)]
async fn handle(stream: tokio::net::UnixStream, requests: mpsc::Sender<Incoming>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

    /// A request line is a few hundred bytes; more is not a launcher.
    const MAX_LINE: u64 = 64 * 1024;
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_LINE));
    if reader.read_line(&mut line).await.is_err() {
        return;
    }
    let text = line.trim_end();
    let request = match serde_json::from_str::<RequestLine>(text) {
        Ok(request) => request,
        Err(_) => {
            // The other lines: each is passed on and acknowledged, or closed unanswered.
            let (incoming, acknowledgement) =
                if let Ok(open) = serde_json::from_str::<OpenLine>(text) {
                    let link = open.open.link;
                    (
                        (open.v == VERSION).then_some(Incoming::Open { link }),
                        OPENED,
                    )
                } else if let Ok(notice) = serde_json::from_str::<NoticeLine>(text) {
                    let notification = notice.notice.into_notification();
                    (
                        (notice.v == VERSION).then_some(Incoming::Notice(notification)),
                        SHOWN,
                    )
                } else {
                    (None, "")
                };
            if let Some(incoming) = incoming
                && requests.send(incoming).await.is_ok()
            {
                let _ = write
                    .write_all(format!("{acknowledgement}\n").as_bytes())
                    .await;
                let _ = write.shutdown().await;
            }
            return;
        }
    };
    if request.v != VERSION {
        return;
    }
    let (request, requested_by) = request.into_request();
    let (pending, answer) = PendingConfirm::new(request, requested_by);
    if requests.send(Incoming::Confirm(pending)).await.is_err() {
        return;
    }
    // A dropped PendingConfirm (window closed, app quitting) is a "Don't run".
    let answer = answer.await.unwrap_or(Answer::Declined);
    if let Ok(mut text) = serde_json::to_vec(&answer) {
        text.push(b'\n');
        let _ = write.write_all(&text).await;
        let _ = write.shutdown().await;
    }
}

impl Drop for ConfirmListener {
    fn drop(&mut self) {
        // Only our own socket: a second instance that failed to bind never gets here.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::confirm::SocketPrompter;
    use gatehouse_core::ports::{Confirmation, Prompter};

    fn request() -> ConfirmRequest {
        ConfirmRequest {
            server_id: "notes".to_owned(),
            name: "@acme/notes".to_owned(),
            version: Some("1.0.0".to_owned()),
            reasons: vec!["this server is level 1; level 2 is required".to_owned()],
        }
    }

    /// Serves `path` and answers every request with what `answer` says for it.
    async fn serve_answering(
        path: &Path,
        answer: impl Fn(&ConfirmRequest) -> Option<Answer> + Send + 'static,
    ) -> tokio::task::JoinHandle<Vec<ConfirmRequest>> {
        let listener = ConfirmListener::bind(path).await.unwrap();
        let (send, mut receive) = mpsc::channel(4);
        tokio::spawn(listener.serve(send));
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while let Some(incoming) = receive.recv().await {
                let Incoming::Confirm(pending) = incoming else {
                    continue;
                };
                seen.push(pending.request.clone());
                match answer(&pending.request) {
                    Some(a) => {
                        pending.answer(a);
                    }
                    None => drop(pending),
                }
                if seen.len() == 2 {
                    break;
                }
            }
            seen
        })
    }

    #[tokio::test]
    async fn the_answer_reaches_the_waiting_launcher() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/gatehouse.sock");
        let app = serve_answering(&path, |r| {
            Some(if r.server_id == "notes" {
                Answer::RunOnce
            } else {
                Answer::Always
            })
        })
        .await;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the user may connect to the socket");
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700, "a directory we make is the user's alone");
        let prompter = SocketPrompter::new(path.clone());
        assert_eq!(prompter.confirm(&request()).await, Confirmation::RunOnce);
        let mut other = request();
        other.server_id = "other".to_owned();
        assert_eq!(prompter.confirm(&other).await, Confirmation::Always);
        let seen = app.await.unwrap();
        assert_eq!(seen[0], request(), "the app sees the request whole");
    }

    #[tokio::test]
    async fn an_unanswered_request_is_a_no() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.sock");
        let _app = serve_answering(&path, |_| None).await;
        let answer = SocketPrompter::new(path).confirm(&request()).await;
        assert_eq!(
            answer,
            Confirmation::Declined,
            "a closed window or a quitting app must never count as consent"
        );
    }

    #[tokio::test]
    async fn nobody_listening_is_reported_not_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let answer = SocketPrompter::new(dir.path().join("gatehouse.sock"))
            .confirm(&request())
            .await;
        match answer {
            Confirmation::Unavailable(why) => assert!(
                why.contains("not running"),
                "the launcher says the app is not running: {why}"
            ),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_live_app_keeps_its_socket_and_a_dead_ones_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.sock");
        let first = ConfirmListener::bind(&path).await.unwrap();
        assert!(
            ConfirmListener::bind(&path).await.is_err(),
            "a second app must not steal the first one's requests"
        );
        drop(first);
        assert!(!path.exists(), "the socket is removed on exit");
        // A socket file left by a crash: nothing listens on it.
        let stale = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(stale);
        assert!(path.exists());
        assert!(
            ConfirmListener::bind(&path).await.is_ok(),
            "a socket nobody listens on is left over from a crash and is replaced"
        );
    }

    #[tokio::test]
    async fn garbage_gets_no_answer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.sock");
        let app = serve_answering(&path, |_| Some(Answer::RunOnce)).await;
        let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
        stream.write_all(b"{\"v\": 99}\n").await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        assert!(answer.is_empty(), "an unknown request is not answered");
        app.abort();
    }
}

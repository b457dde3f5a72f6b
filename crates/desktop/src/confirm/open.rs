//! A second start of the tray app (from the menu, at login, or by opening an enrollment
//! link) hands over to the one running, so a person never gets two tray icons and a link
//! opened while the app runs shows in its window.

use std::path::Path;
use std::time::Duration;

use super::protocol::{OPENED, OpenLine, OpenWhat, VERSION};

/// How long a second start waits for the running app to take over.
const HAND_OVER_WITHIN: Duration = Duration::from_secs(5);

/// Asks the app listening on `path` to show its window (with `link`, if given). `true`
/// when it did: the caller then exits. `false` when no app listens (or it did not answer),
/// and the caller becomes the app.
pub async fn hand_over(path: &Path, link: Option<&str>) -> bool {
    let line = OpenLine {
        v: VERSION,
        open: OpenWhat {
            link: link.map(str::to_owned),
        },
    };
    exchange_within(HAND_OVER_WITHIN, path, &line, OPENED).await
}

/// Sends `line` to the app listening on `path` and reads its one-line answer: `true` when
/// it is `expected` within `within`; `false` when no app listens, it answers otherwise or
/// too late, or the platform has no such socket.
pub(super) async fn exchange_within(
    within: Duration,
    path: &Path,
    line: &impl serde::Serialize,
    expected: &str,
) -> bool {
    #[cfg(unix)]
    {
        tokio::time::timeout(within, exchange(path, line, expected))
            .await
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        let _ = (within, path, line, expected);
        false
    }
}

#[cfg(unix)]
async fn exchange(path: &Path, line: &impl serde::Serialize, expected: &str) -> bool {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let Ok(stream) = tokio::net::UnixStream::connect(path).await else {
        return false;
    };
    let Ok(mut text) = serde_json::to_vec(line) else {
        return false;
    };
    text.push(b'\n');
    let (read, mut write) = stream.into_split();
    if write.write_all(&text).await.is_err() {
        return false;
    }
    let mut answer = String::new();
    let read = BufReader::new(read).read_line(&mut answer).await;
    read.is_ok() && answer.trim_end() == expected
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;
    use crate::confirm::{ConfirmListener, Incoming};

    #[tokio::test]
    async fn a_second_start_hands_its_link_to_the_running_app() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.sock");
        assert!(
            !hand_over(&path, None).await,
            "no app runs: the caller becomes the app"
        );
        let listener = ConfirmListener::bind(&path).await.unwrap();
        let (send, mut receive) = mpsc::channel(4);
        tokio::spawn(listener.serve(send));
        assert!(hand_over(&path, Some("gatehouse://enroll?org=a")).await);
        match receive.recv().await {
            Some(Incoming::Open { link }) => {
                assert_eq!(link.as_deref(), Some("gatehouse://enroll?org=a"));
            }
            other => panic!("expected an open request, got {other:?}"),
        }
    }
}

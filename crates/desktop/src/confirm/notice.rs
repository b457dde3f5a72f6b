//! A refused launch's notice, shown by the tray app when it runs: a click on it opens the
//! window on the server that was refused. Only the launcher itself shows it when no app
//! answers; its notice can say why, but nobody can act on it.

use std::path::Path;
use std::time::Duration;

use gatehouse_core::ports::Notification;

use super::protocol::{NoticeLine, NoticeWhat, SHOWN, VERSION};

/// How long a launcher waits for the app to take the notice. A running app answers a local
/// socket at once; one that does not is as good as not running.
const RELAY_WITHIN: Duration = Duration::from_secs(1);

/// Asks the app listening on `path` to show `notification`: `true` when it did, `false`
/// when no app listens or it did not answer in time (the caller then shows it itself).
pub async fn relay_notice(path: &Path, notification: &Notification) -> bool {
    let line = NoticeLine {
        v: VERSION,
        notice: NoticeWhat::of(notification),
    };
    super::open::exchange_within(RELAY_WITHIN, path, &line, SHOWN).await
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;
    use crate::confirm::{ConfirmListener, Incoming};

    fn refused() -> Notification {
        Notification {
            title: "Cursor tried to start github".to_owned(),
            body: "Your organization blocks it. Open Gatehouse to see why.".to_owned(),
            server_id: "github".to_owned(),
        }
    }

    #[tokio::test]
    async fn the_running_app_gets_the_notice_and_says_it_showed_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.sock");
        assert!(
            !relay_notice(&path, &refused()).await,
            "no app runs: the launcher shows it itself"
        );
        let listener = ConfirmListener::bind(&path).await.unwrap();
        let (send, mut receive) = mpsc::channel(4);
        tokio::spawn(listener.serve(send));
        assert!(relay_notice(&path, &refused()).await);
        match receive.recv().await {
            Some(Incoming::Notice(notification)) => assert_eq!(notification, refused()),
            other => panic!("expected a notice, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_app_that_never_answers_is_not_waited_for_long() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.sock");
        // Listening, but nobody takes what arrives (a wedged app).
        let _socket = tokio::net::UnixListener::bind(&path).unwrap();
        let started = std::time::Instant::now();
        assert!(!relay_notice(&path, &refused()).await);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "bounded by RELAY_WITHIN"
        );
    }
}

//! The resident's side: starts the window process when a window is asked for, sends it the
//! lines, and reads what it answers. A line the window process had not done when it ended
//! (it was closing as the line came) is sent again to a new one; a confirmation it had
//! shown but not answered is "Don't run", as a closed confirmation window always is.

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard, PoisonError};

use gatehouse_desktop::confirm::Answer;
use tauri::{AppHandle, Manager, Runtime};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc;

use super::{Down, DownLine, Up, line};
use crate::state::AppState;

/// The window process, while one runs. Kept as tauri state in the resident.
#[derive(Debug, Default)]
pub struct WindowLink {
    inner: Mutex<Link>,
}

#[derive(Debug, Default)]
struct Link {
    next_seq: u64,
    /// Counts the processes started, so a process that ended does not clear its successor.
    generation: u64,
    current: Option<Current>,
}

#[derive(Debug)]
struct Current {
    generation: u64,
    send: mpsc::UnboundedSender<String>,
    /// Lines sent and not yet done.
    undone: BTreeMap<u64, Down>,
    /// Confirmations sent and not yet answered, by the resident's number.
    asked: HashSet<u64>,
}

impl WindowLink {
    fn lock(&self) -> MutexGuard<'_, Link> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Sends `down` to the window process, starting one when none runs. "Changed" starts
/// nothing: with no window open there is nothing to refresh.
pub fn send<R: Runtime>(app: &AppHandle<R>, down: Down) {
    let link = app.state::<WindowLink>();
    let mut link = link.lock();
    if link.current.as_ref().is_some_and(|c| c.send.is_closed()) {
        link.current = None;
    }
    if link.current.is_none() {
        if down == Down::Changed {
            return;
        }
        link.generation += 1;
        let generation = link.generation;
        match start(app, generation) {
            Ok(send) => {
                link.current = Some(Current {
                    generation,
                    send,
                    undone: BTreeMap::new(),
                    asked: HashSet::new(),
                });
            }
            Err(error) => {
                tracing::warn!("could not start the window: {error}");
                if let Down::Confirm { number, .. } = down {
                    app.state::<AppState>().answer(number, Answer::Declined);
                }
                return;
            }
        }
    }
    link.next_seq += 1;
    let seq = link.next_seq;
    let Some(current) = link.current.as_mut() else {
        return;
    };
    let Some(text) = line(&DownLine {
        seq,
        down: down.clone(),
    }) else {
        return;
    };
    if let Down::Confirm { number, .. } = &down {
        current.asked.insert(*number);
    }
    if down != Down::Changed {
        current.undone.insert(seq, down);
    }
    // A closed channel means the process just ended: its end sends what was undone again.
    let _ = current.send.send(text);
}

/// Starts a window process: a writer task feeds its stdin, a reader task reads its stdout
/// until it ends.
fn start<R: Runtime>(
    app: &AppHandle<R>,
    generation: u64,
) -> std::io::Result<mpsc::UnboundedSender<String>> {
    let exe = std::env::current_exe()?;
    let mut command = tokio::process::Command::new(exe);
    command
        .arg(crate::role::WINDOW_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for name in crate::role::window_env_removals(&app.state::<AppState>().ctx.env) {
        command.env_remove(name);
    }
    // Asked from wherever a window is wanted: the app's setup and the tray menu's clicks run
    // on the main thread, outside the async runtime, which the child's pipes need.
    let runtime = tauri::async_runtime::handle();
    let _in_runtime = runtime.inner().enter();
    let mut child = command.spawn()?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(std::io::Error::other("the window process has no pipes"));
    };
    tracing::info!("started a window process");
    let (send, mut lines) = mpsc::unbounded_channel::<String>();
    tauri::async_runtime::spawn(async move {
        while let Some(text) = lines.recv().await {
            if stdin.write_all(text.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
                break;
            }
        }
    });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(text)) = reader.next_line().await {
            match serde_json::from_str::<Up>(&text) {
                Ok(up) => heard(&app, generation, up),
                Err(error) => tracing::warn!("the window process said something unknown: {error}"),
            }
        }
        let status = child.wait().await;
        ended(
            &app,
            generation,
            status.is_ok_and(|status| status.success()),
        );
    });
    Ok(send)
}

fn heard<R: Runtime>(app: &AppHandle<R>, generation: u64, up: Up) {
    match up {
        Up::Done { seq } => {
            if let Some(current) = app.state::<WindowLink>().lock().current.as_mut()
                && current.generation == generation
            {
                current.undone.remove(&seq);
            }
        }
        Up::Answer { number, answer } => {
            if let Some(current) = app.state::<WindowLink>().lock().current.as_mut()
                && current.generation == generation
            {
                current.asked.remove(&number);
            }
            app.state::<AppState>().answer(number, answer);
            crate::background::refresh_soon(app);
        }
        Up::Changed => crate::background::refresh_soon(app),
    }
}

/// The window process `generation` ended, `cleanly` when it closed its last window.
fn ended<R: Runtime>(app: &AppHandle<R>, generation: u64, cleanly: bool) {
    let ended = {
        let link = app.state::<WindowLink>();
        let mut link = link.lock();
        match link.current.take() {
            Some(current) if current.generation == generation => Some(current),
            other => {
                link.current = other;
                None
            }
        }
    };
    let Some(ended) = ended else {
        return;
    };
    tracing::info!("the window process ended");
    let state = app.state::<AppState>();
    let mut again = Vec::new();
    for (_, down) in ended.undone {
        match down {
            // Asked as it was closing: the person has not seen it yet.
            down if cleanly => again.push(down),
            Down::Confirm { number, .. } => {
                state.answer(number, Answer::Declined);
            }
            _ => {}
        }
    }
    for number in &ended.asked {
        let waiting_again = again
            .iter()
            .any(|down| matches!(down, Down::Confirm { number: n, .. } if n == number));
        if !waiting_again {
            state.answer(*number, Answer::Declined);
        }
    }
    for down in again {
        send(app, down);
    }
    crate::background::refresh_soon(app);
}

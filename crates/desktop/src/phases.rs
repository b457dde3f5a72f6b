//! Where a launch spends its time, for `bench/launch.sh` (`bench/RESULTS-launch.md`): with
//! `GATEHOUSE_LAUNCH_TIMINGS=<file>` set (the command line passes it to [`crate::logs::init`]), every `tracing` event of target [`TARGET`] marks
//! the end of a phase, and the launch appends one JSON line of `[phase, milliseconds since
//! main]` pairs to the file just before it spawns the server. Without the variable nothing
//! listens: the marks cost a disabled `tracing` event each.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer};

/// The `tracing` target of phase marks: `tracing::trace!(target: "gatehouse::phase", phase = "…")`.
pub const TARGET: &str = "gatehouse::phase";
/// The phase after which the marks are written: the server is about to be spawned.
const LAST: &str = "spawning";
/// The variable that names the file the marks go to.
pub const VARIABLE: &str = "GATEHOUSE_LAUNCH_TIMINGS";

static START: OnceLock<Instant> = OnceLock::new();

/// Call first thing in `main`: phases are measured from here.
pub fn mark_start() {
    let _ = START.set(Instant::now());
}

/// The layer that records phases into `path`.
pub(crate) fn layer(path: PathBuf) -> PhaseLayer {
    PhaseLayer {
        path,
        marks: Mutex::new(Vec::new()),
    }
}

pub(crate) struct PhaseLayer {
    path: PathBuf,
    marks: Mutex<Vec<(String, f64)>>,
}

impl<S: tracing::Subscriber> Layer<S> for PhaseLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let elapsed = START
            .get()
            .map_or(0.0, |start| start.elapsed().as_secs_f64() * 1000.0);
        let mut phase = PhaseName(String::new());
        event.record(&mut phase);
        let mut marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        let last = phase.0 == LAST;
        marks.push((phase.0, elapsed));
        if last {
            let line = serde_json::to_string(&*marks).unwrap_or_default();
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .and_then(|mut file| writeln!(file, "{line}"));
            if let Err(error) = written {
                tracing::warn!("cannot write launch timings: {error}");
            }
        }
    }
}

struct PhaseName(String);

impl Visit for PhaseName {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "phase" {
            value.clone_into(&mut self.0);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "phase" {
            self.0 = format!("{value:?}");
        }
    }
}

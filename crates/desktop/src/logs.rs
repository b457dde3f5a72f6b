//! Where Gatehouse's own messages go (DESIGN.md "Logs"): `tracing` events written to a
//! size-bounded, rotating file in the data directory, one per program
//! (`<data>/logs/app.log`, `<data>/logs/launcher.log`). When a file would grow past
//! [`MAX_BYTES`] it becomes `.1` (the older `.1` becomes `.2`, and the oldest is dropped),
//! so each program keeps at most `MAX_BYTES * (KEPT + 1)` on disk. The file is opened only
//! when something is written, so a launch that logs nothing costs no file operation.
//!
//! Messages never carry secrets: core logs ids, paths and errors, and its errors are built
//! never to hold a token or an environment value.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The largest a log file grows before it is rotated.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// How many rotated files are kept beside the current one.
pub const KEPT: u32 = 2;

/// Which program is logging: each has its own file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOf {
    /// The tray app: everything goes to the file (its stderr is read by nobody).
    App,
    /// A window process of the tray app (a file of its own: two processes rotating one
    /// file would lose lines).
    Window,
    /// The command line and launcher: the file, and warnings on stderr too, where a person
    /// at a terminal or the client app's server log sees them.
    Cli,
}

/// Installs the process's logger, writing under `data_dir/logs`, and with `timings` the
/// launch's phase marks ([`crate::phases`]) into that file. Call once, at start; a second
/// call (or a logger set by someone else) is left as it was.
pub fn init(data_dir: &Path, of: LogOf, timings: Option<PathBuf>) {
    let name = match of {
        LogOf::App => "app.log",
        LogOf::Window => "window.log",
        LogOf::Cli => "launcher.log",
    };
    let file = RotatingFile::new(data_dir.join("logs").join(name), MAX_BYTES, KEPT);
    let to_file = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(false)
        .with_writer(file.with_max_level(Level::INFO));
    // Only a benchmark asks for phase marks; without it the layer is absent.
    let registry = tracing_subscriber::registry()
        .with(to_file)
        .with(timings.map(crate::phases::layer));
    let _ = match of {
        LogOf::App | LogOf::Window => registry.try_init(),
        LogOf::Cli => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .without_time()
                    .with_target(false)
                    .with_level(false)
                    .with_writer(io::stderr.with_max_level(Level::WARN))
                    .event_format(StderrFormat),
            )
            .try_init(),
    };
}

/// `gatehouse: <message>`, as the command line's own messages read.
struct StderrFormat;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for StderrFormat
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        write!(writer, "gatehouse: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// A log file that rotates when it would pass its bound. Shared by every writer the
/// subscriber makes; the lock keeps one process's lines whole.
#[derive(Debug, Clone)]
pub struct RotatingFile {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    path: PathBuf,
    max_bytes: u64,
    kept: u32,
    /// Opened at the first write.
    file: Option<File>,
}

impl RotatingFile {
    /// A file at `path` bounded to `max_bytes`, keeping `kept` rotated files.
    pub fn new(path: PathBuf, max_bytes: u64, kept: u32) -> RotatingFile {
        RotatingFile {
            inner: Arc::new(Mutex::new(State {
                path,
                max_bytes,
                kept,
                file: None,
            })),
        }
    }
}

impl State {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        // Other processes append to the same file: its size on disk, not a count kept here,
        // decides when to rotate.
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if size > 0 && size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        if self.file.is_none() || !self.path.exists() {
            self.file = Some(open(&self.path)?);
        }
        match self.file.as_mut() {
            Some(file) => file.write_all(buf),
            None => Ok(()),
        }
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        let numbered = |n: u32| {
            let mut name = self.path.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        // Oldest first, so each rename lands on a name that was just freed.
        let _ = std::fs::remove_file(numbered(self.kept));
        for n in (1..self.kept).rev() {
            let _ = std::fs::rename(numbered(n), numbered(n + 1));
        }
        if self.kept == 0 {
            std::fs::remove_file(&self.path)
        } else {
            std::fs::rename(&self.path, numbered(1))
        }
        .or_else(|error| match error.kind() {
            // Another process rotated it a moment ago.
            io::ErrorKind::NotFound => Ok(()),
            _ => Err(error),
        })
    }
}

fn open(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// One formatted event on its way to the file.
#[derive(Debug)]
pub struct LogWriter {
    inner: Arc<Mutex<State>>,
    line: Vec<u8>,
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        if self.line.is_empty() {
            return;
        }
        // A log that cannot be written must not stop what it was about.
        let mut state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = state.write_all(&self.line);
    }
}

impl<'a> MakeWriter<'a> for RotatingFile {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LogWriter {
            inner: Arc::clone(&self.inner),
            line: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_line(file: &RotatingFile, text: &str) {
        let mut writer = file.make_writer();
        writer.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn nothing_is_created_until_something_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/app.log");
        let file = RotatingFile::new(path.clone(), 100, 2);
        drop(file.make_writer());
        assert!(
            !path.exists(),
            "a process that logs nothing touches no file"
        );
        write_line(&file, "one\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n");
    }

    #[test]
    fn the_files_stay_bounded_and_the_oldest_lines_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("launcher.log");
        let file = RotatingFile::new(path.clone(), 100, 2);
        for n in 0..100 {
            write_line(&file, &format!("line {n:03} .........\n"));
        }
        let names = ["launcher.log", "launcher.log.1", "launcher.log.2"];
        let mut total = 0;
        for name in names {
            let size = std::fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(size <= 100, "{name} is {size} bytes, over its bound");
            total += size;
        }
        assert!(
            !dir.path().join("launcher.log.3").exists(),
            "only two are kept"
        );
        assert!(total <= 300);
        let newest = std::fs::read_to_string(&path).unwrap();
        assert!(newest.ends_with("line 099 .........\n"), "{newest}");
        let oldest = std::fs::read_to_string(dir.path().join("launcher.log.2")).unwrap();
        assert!(
            !oldest.contains("line 000"),
            "the first lines were dropped: {oldest}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        write_line(&RotatingFile::new(path.clone(), 100, 1), "x\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

//! Install progress, for the install screen: each step as it starts, and the bundle's bytes
//! as they arrive.

use std::io::Write;

use serde::Serialize;

/// A step of an install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum InstallStep {
    /// Asking the registry which version the reference names.
    Resolving,
    /// Judging that version under the policy in force.
    CheckingPolicy { version: String },
    /// Fetching and checking the manifest.
    FetchingManifest,
    /// Downloading the bundle; `total` is what the registry announced.
    Downloading {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        received: u64,
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        total: Option<u64>,
    },
    /// Unpacking and checking the bundle's files.
    Unpacking,
    /// Registering the server.
    Registering,
    /// Adding it to the chosen client apps.
    AddingToApps,
}

impl InstallStep {
    /// The steps' wire names (the `step` tag), in the order an install goes through them.
    pub const ORDER: [&'static str; 7] = [
        "resolving",
        "checking_policy",
        "fetching_manifest",
        "downloading",
        "unpacking",
        "registering",
        "adding_to_apps",
    ];

    /// This step's wire name.
    pub fn name(&self) -> &'static str {
        match self {
            InstallStep::Resolving => "resolving",
            InstallStep::CheckingPolicy { .. } => "checking_policy",
            InstallStep::FetchingManifest => "fetching_manifest",
            InstallStep::Downloading { .. } => "downloading",
            InstallStep::Unpacking => "unpacking",
            InstallStep::Registering => "registering",
            InstallStep::AddingToApps => "adding_to_apps",
        }
    }
}

/// Where steps are reported. Shared by reference across the install's awaits.
pub type Progress<'a> = &'a (dyn Fn(InstallStep) + Send + Sync);

/// Reports nothing (the command line prints its own lines).
pub fn silent(_: InstallStep) {}

/// Bytes between two download reports: often enough for a bar, rarely enough to be free.
const REPORT_EVERY: u64 = 256 * 1024;

/// A writer that reports how much went through it.
pub(crate) struct Counting<'a, W> {
    inner: W,
    received: u64,
    reported: u64,
    total: Option<u64>,
    progress: Progress<'a>,
}

impl<'a, W: Write> Counting<'a, W> {
    pub(crate) fn new(inner: W, total: Option<u64>, progress: Progress<'a>) -> Self {
        progress(InstallStep::Downloading { received: 0, total });
        Counting {
            inner,
            received: 0,
            reported: 0,
            total,
            progress,
        }
    }

    /// The inner writer, after a last report of everything received.
    pub(crate) fn finish(self) -> W {
        if self.received != self.reported {
            (self.progress)(InstallStep::Downloading {
                received: self.received,
                total: self.total,
            });
        }
        self.inner
    }
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.received += written as u64;
        if self.received - self.reported >= REPORT_EVERY {
            self.reported = self.received;
            (self.progress)(InstallStep::Downloading {
                received: self.received,
                total: self.total,
            });
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn step_names_are_the_wire_tags_in_install_order() {
        let steps = [
            InstallStep::Resolving,
            InstallStep::CheckingPolicy {
                version: String::new(),
            },
            InstallStep::FetchingManifest,
            InstallStep::Downloading {
                received: 0,
                total: None,
            },
            InstallStep::Unpacking,
            InstallStep::Registering,
            InstallStep::AddingToApps,
        ];
        for (step, name) in steps.iter().zip(InstallStep::ORDER) {
            assert_eq!(step.name(), name, "ORDER follows the install");
            assert_eq!(
                serde_json::to_value(step).unwrap()["step"],
                name,
                "the UI's progress bar reads these names"
            );
        }
    }

    #[test]
    fn downloads_are_reported_in_steps_and_once_at_the_end() {
        let seen = Mutex::new(Vec::new());
        let record = |step: InstallStep| seen.lock().unwrap().push(step);
        let mut counting = Counting::new(Vec::new(), Some(600_000), &record);
        for _ in 0..6 {
            counting.write_all(&[0; 100_000]).unwrap();
        }
        let bytes = counting.finish();
        assert_eq!(bytes.len(), 600_000);
        let received: Vec<u64> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|step| match step {
                InstallStep::Downloading { received, total } => {
                    assert_eq!(*total, Some(600_000));
                    *received
                }
                other => panic!("only download steps: {other:?}"),
            })
            .collect();
        assert_eq!(received, [0, 300_000, 600_000]);
    }
}

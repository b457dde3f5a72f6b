//! The ports core use cases are given: time and asking the person. Real adapters live in
//! the command line and the tray app; tests pass fixed clocks and scripted answers.

use std::future::Future;

use time::OffsetDateTime;

/// The current time. Policy never reads a clock; use cases take it from here.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// What a person was asked about before a `warn` server runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmRequest {
    pub server_id: String,
    pub name: String,
    pub version: Option<String>,
    /// Each reason in plain words.
    pub reasons: Vec<String>,
}

/// A person's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Run this time only.
    RunOnce,
    /// Run, and do not ask again for this version under these rules.
    Always,
    /// Do not run.
    Declined,
    /// Nobody could be asked; the text says why and how to approve instead.
    Unavailable(String),
}

/// Asks a person to confirm a `warn` verdict.
pub trait Prompter: Send + Sync {
    fn confirm(&self, request: &ConfirmRequest) -> impl Future<Output = Confirmation> + Send;
}

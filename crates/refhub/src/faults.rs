//! Fault injection for the app's tests: a queue of wrong answers the hub gives instead of
//! the right one, filled over HTTP (`POST /__faults`, only with `--faults`) or in process
//! ([`Faults::push`]). What each mode sends is described in the crate docs.
//!
//! A fault is consumed by a request that would otherwise have been answered normally: one
//! that passed the token and org checks. Unauthorized or wrong-org requests get their 401
//! and 404 and leave the queue alone, so a test can count exactly which requests failed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// How long `hang` and `stall_body` wait when the request does not say.
pub const DEFAULT_HANG_SECONDS: u64 = 300;
const MAX_HANG_SECONDS: u64 = 3600;
const MAX_COUNT: u32 = 10_000;

/// The endpoint a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    #[default]
    PolicyBundle,
    Audit,
    Servers,
    Keys,
    /// The registry's resolve (section A).
    Resolve,
    /// The registry's manifest download.
    Manifest,
    /// The registry's bundle download.
    Bundle,
    /// The device inventory (B4), sent and listed.
    Devices,
}

/// One wrong answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fault {
    /// An error status with the usual JSON error body (`fault_injected`).
    Error { status: u16 },
    /// No response at all for `seconds`, then a 503.
    Hang { seconds: u64 },
    /// `200`, headers and the first half of the real body, then nothing for `seconds`, then
    /// the connection is cut.
    StallBody { seconds: u64 },
    /// `200` with a body that is not the JSON it should be (`body`, or a truncated object).
    Malformed { body: Option<String> },
    /// A correctly signed envelope whose payload is not a bundle (`[]`).
    MalformedPayload,
    /// A correctly signed bundle, serial + 1, whose `org_policy` fails validation
    /// (`min_cert_level: 7`).
    InvalidPolicy,
    /// The current bundle with its signature altered.
    BadSignature,
    /// The current bundle signed by another key, under `key_id` (default `unknown-key`).
    UnknownKey { key_id: Option<String> },
    /// The current content, correctly signed, at a lower serial (`serial`, default the
    /// current one minus one).
    LowerSerial { serial: Option<u64> },
    /// The current serial, correctly signed, with different payload bytes (another
    /// `issued_at`): the other face of a rollback.
    SameSerial,
    /// A correctly signed bundle, serial + 1, for another org (`org`, default
    /// `<org>-other`).
    OtherOrg { org: Option<String> },
    /// `200` with the artifact's bytes changed by one appended byte, so they no longer
    /// match the digest the resolve answer published (`manifest` and `bundle` only).
    WrongDigest,
}

impl Fault {
    /// Whether the fault makes sense for `target`: the ones about bundle contents only for
    /// the bundle.
    fn fits(&self, target: Target) -> bool {
        let artifact = matches!(target, Target::Manifest | Target::Bundle);
        match self {
            Fault::Error { .. } | Fault::Hang { .. } | Fault::Malformed { .. } => true,
            Fault::StallBody { .. } => artifact || target == Target::PolicyBundle,
            Fault::WrongDigest => artifact,
            _ => target == Target::PolicyBundle,
        }
    }
}

/// A queued fault: what, where, and for how many more requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedFault {
    pub target: Target,
    pub remaining: u32,
    #[serde(flatten)]
    pub fault: Fault,
}

/// The body of `POST /__faults`: `mode` and the options that mode takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub mode: String,
    #[serde(default)]
    pub target: Target,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub seconds: Option<u64>,
    #[serde(default)]
    pub serial: Option<u64>,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
}

impl FaultRequest {
    /// Checks the request: a known mode, only the options it takes, a target it fits.
    pub fn into_queued(self) -> Result<QueuedFault, String> {
        let count = self.count.unwrap_or(1);
        if count == 0 || count > MAX_COUNT {
            return Err(format!("count `{count}` must be 1 to {MAX_COUNT}"));
        }
        let mut options = Vec::new();
        let mut option = |name: &'static str, set: bool| {
            if set {
                options.push(name);
            }
        };
        option("status", self.status.is_some());
        option("seconds", self.seconds.is_some());
        option("serial", self.serial.is_some());
        option("org", self.org.is_some());
        option("key_id", self.key_id.is_some());
        option("body", self.body.is_some());
        let seconds = self.seconds.unwrap_or(DEFAULT_HANG_SECONDS);
        let (fault, takes): (Fault, &[&str]) = match self.mode.as_str() {
            "error" => {
                let status = self.status.unwrap_or(500);
                if !(400..=599).contains(&status) {
                    return Err(format!("status `{status}` must be 400 to 599"));
                }
                (Fault::Error { status }, &["status"])
            }
            "hang" => (Fault::Hang { seconds }, &["seconds"]),
            "stall_body" => (Fault::StallBody { seconds }, &["seconds"]),
            "malformed" => (Fault::Malformed { body: self.body }, &["body"]),
            "malformed_payload" => (Fault::MalformedPayload, &[]),
            "invalid_policy" => (Fault::InvalidPolicy, &[]),
            "bad_signature" => (Fault::BadSignature, &[]),
            "unknown_key" => (
                Fault::UnknownKey {
                    key_id: self.key_id,
                },
                &["key_id"],
            ),
            "lower_serial" => (
                Fault::LowerSerial {
                    serial: self.serial,
                },
                &["serial"],
            ),
            "same_serial" => (Fault::SameSerial, &[]),
            "other_org" => (Fault::OtherOrg { org: self.org }, &["org"]),
            "wrong_digest" => (Fault::WrongDigest, &[]),
            other => {
                return Err(format!(
                    "mode `{other}` is not one of error, hang, stall_body, malformed, \
                     malformed_payload, invalid_policy, bad_signature, unknown_key, \
                     lower_serial, same_serial, other_org, wrong_digest"
                ));
            }
        };
        if let Some(extra) = options.iter().find(|name| !takes.contains(name)) {
            return Err(format!("mode `{}` takes no `{extra}`", self.mode));
        }
        if seconds > MAX_HANG_SECONDS {
            return Err(format!(
                "seconds `{seconds}` must be at most {MAX_HANG_SECONDS}"
            ));
        }
        if !fault.fits(self.target) {
            return Err(format!(
                "mode `{}` does not apply to target `{:?}`",
                self.mode, self.target
            ));
        }
        Ok(QueuedFault {
            target: self.target,
            remaining: count,
            fault,
        })
    }
}

/// The queue, shared by the hub and whoever drives it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<VecDeque<QueuedFault>>>,
}

impl Faults {
    /// Adds a fault after those already queued.
    pub fn push(&self, fault: QueuedFault) {
        self.lock().push_back(fault);
    }

    /// The next fault for `target`, if any, counting it as used. Faults for one target are
    /// served in the order they were queued.
    pub fn take(&self, target: Target) -> Option<Fault> {
        let mut queue = self.lock();
        let index = queue.iter().position(|queued| queued.target == target)?;
        let queued = queue.get_mut(index)?;
        queued.remaining = queued.remaining.saturating_sub(1);
        let fault = queued.fault.clone();
        if queued.remaining == 0 {
            queue.remove(index);
        }
        Some(fault)
    }

    /// What is still queued.
    pub fn list(&self) -> Vec<QueuedFault> {
        self.lock().iter().cloned().collect()
    }

    /// Empties the queue; returns how many faults it held.
    pub fn clear(&self) -> usize {
        let mut queue = self.lock();
        let count = queue.len();
        queue.clear();
        count
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<QueuedFault>> {
        // A panic elsewhere while holding the lock cannot leave the queue half-updated in a
        // way that matters to a test: keep using it.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(value: serde_json::Value) -> Result<QueuedFault, String> {
        serde_json::from_value::<FaultRequest>(value)
            .map_err(|e| e.to_string())?
            .into_queued()
    }

    #[test]
    fn requests_parse_with_defaults() {
        let queued = request(json!({"mode": "error"})).unwrap();
        assert_eq!(queued.fault, Fault::Error { status: 500 });
        assert_eq!((queued.target, queued.remaining), (Target::PolicyBundle, 1));
        let queued =
            request(json!({"mode": "hang", "target": "audit", "count": 3, "seconds": 2})).unwrap();
        assert_eq!(queued.fault, Fault::Hang { seconds: 2 });
        assert_eq!((queued.target, queued.remaining), (Target::Audit, 3));
    }

    #[test]
    fn wrong_requests_are_refused() {
        let cases = [
            json!({"mode": "explode"}),
            json!({"mode": "error", "status": 200}),
            json!({"mode": "error", "seconds": 1}),
            json!({"mode": "hang", "seconds": 100_000}),
            json!({"mode": "bad_signature", "target": "audit"}),
            json!({"mode": "error", "count": 0}),
            json!({"mode": "error", "colour": "red"}),
            json!({"mode": "error", "target": "everything"}),
        ];
        for case in cases {
            assert!(request(case.clone()).is_err(), "must be refused: {case}");
        }
    }

    #[test]
    fn faults_are_used_in_order_per_target_and_counted() {
        let faults = Faults::default();
        faults.push(request(json!({"mode": "error", "count": 2})).unwrap());
        faults.push(request(json!({"mode": "error", "status": 401, "target": "audit"})).unwrap());
        faults.push(request(json!({"mode": "bad_signature"})).unwrap());
        assert_eq!(faults.take(Target::Keys), None);
        assert_eq!(
            faults.take(Target::PolicyBundle),
            Some(Fault::Error { status: 500 })
        );
        assert_eq!(
            faults.take(Target::PolicyBundle),
            Some(Fault::Error { status: 500 })
        );
        assert_eq!(faults.take(Target::PolicyBundle), Some(Fault::BadSignature));
        assert_eq!(faults.take(Target::PolicyBundle), None);
        assert_eq!(faults.list().len(), 1, "the audit fault is still queued");
        assert_eq!(faults.clear(), 1);
        assert_eq!(faults.take(Target::Audit), None);
    }
}

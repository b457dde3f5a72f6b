//! Requests the client sent that the server has not answered yet. The proxy needs them for
//! two things: to know which server lines answer `initialize` and `tools/list` (the only
//! responses it inspects), and to answer every open request with an error when it ends a
//! session itself, so that no client waits forever.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde_json::value::RawValue;

use crate::message::id_key;

/// Beyond this many unanswered requests, new ones are forwarded untracked (only an
/// `initialize` or `tools/list` is still tracked, so inspection cannot be dodged this way):
/// a client that never gets answers must not grow the launcher without bound.
const MAX_PENDING: usize = 65_536;

/// The requests whose responses the proxy acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// The handshake era's `initialize`, or the stateless era's `server/discover`: their
    /// results carry the server's `instructions`.
    Initialize,
    ToolsList,
    Other,
}

impl RequestKind {
    pub(crate) fn of(method: &str) -> Self {
        match method {
            "initialize" | "server/discover" => Self::Initialize,
            "tools/list" => Self::ToolsList,
            _ => Self::Other,
        }
    }
}

#[derive(Debug)]
pub(crate) struct PendingRequest {
    /// The id exactly as the client sent it, echoed in error responses.
    pub(crate) raw_id: String,
    pub(crate) kind: RequestKind,
    /// Arrival order, so that the errors of a stopped session come out in order.
    order: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Pending {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: HashMap<String, PendingRequest>,
    /// How many of `requests` are not `Other`: checked for every server line.
    inspected: usize,
    next_order: u64,
}

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().requests.is_empty()
    }

    /// Whether a response the proxy must inspect is awaited.
    pub(crate) fn awaits_inspected(&self) -> bool {
        self.lock().inspected > 0
    }

    pub(crate) fn insert(&self, id: &RawValue, kind: RequestKind) {
        let Some(key) = id_key(id) else { return };
        let mut inner = self.lock();
        if kind == RequestKind::Other && inner.requests.len() >= MAX_PENDING {
            return;
        }
        let order = inner.next_order;
        inner.next_order += 1;
        let request = PendingRequest {
            raw_id: id.get().trim().to_owned(),
            kind,
            order,
        };
        if kind != RequestKind::Other {
            inner.inspected += 1;
        }
        if let Some(replaced) = inner.requests.insert(key, request)
            && replaced.kind != RequestKind::Other
        {
            // A client reusing an open id: the later request is the one answered next.
            inner.inspected -= 1;
        }
    }

    /// The request `id` answers, no longer pending.
    pub(crate) fn take(&self, id: &RawValue) -> Option<PendingRequest> {
        let key = id_key(id)?;
        let mut inner = self.lock();
        let request = inner.requests.remove(&key)?;
        if request.kind != RequestKind::Other {
            inner.inspected -= 1;
        }
        Some(request)
    }

    /// Every open request, oldest first; none remain.
    pub(crate) fn drain(&self) -> Vec<PendingRequest> {
        let mut inner = self.lock();
        inner.inspected = 0;
        let mut all: Vec<_> = inner.requests.drain().map(|(_, r)| r).collect();
        drop(inner);
        all.sort_by_key(|r| r.order);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn responses_match_requests_by_id_value() {
        let pending = Pending::default();
        pending.insert(raw("1"), RequestKind::Initialize);
        pending.insert(raw("\"a\""), RequestKind::ToolsList);
        assert!(pending.awaits_inspected());
        assert_eq!(
            pending.take(raw("1")).unwrap().kind,
            RequestKind::Initialize
        );
        assert!(
            pending.take(raw("1")).is_none(),
            "a request is answered once"
        );
        assert_eq!(pending.take(raw("\"\\u0061\"")).unwrap().raw_id, "\"a\"");
        assert!(pending.is_empty());
    }

    #[test]
    fn drain_gives_the_open_requests_oldest_first() {
        let pending = Pending::default();
        for id in ["3", "1", "\"x\"", "2"] {
            pending.insert(raw(id), RequestKind::Other);
        }
        pending.take(raw("1"));
        let ids: Vec<String> = pending.drain().into_iter().map(|r| r.raw_id).collect();
        assert_eq!(ids, ["3", "\"x\"", "2"]);
        assert!(pending.is_empty());
    }
}

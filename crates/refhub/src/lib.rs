//! The reference hub of `HUB_API.md` section C: a small HTTP server that serves section B
//! (signing keys, the signed policy bundle, catalog search, audit intake) for one org, from
//! a directory of YAML files an admin edits. It exists for demos, self-hosting trials and
//! the app's own tests, which drive it over real HTTP, with injected faults.
//!
//! It owns the org directory's format, its validation, the bundle's serial and signing key,
//! and its own state file. It must never serve a bundle the app would refuse: every policy
//! object is validated with the app's own rules (`gatehouse_policy`) and an invalid directory
//! keeps the last good bundle in force. It does not decide anything about servers and is not
//! the app's HTTP client (`gatehouse-hub` is). It also serves the registry (section A) from
//! `<dir>/registry/` (see [`registry`]): `GET /v1/org/{org}/mcps/{name}/resolve?ref=…`,
//! `GET /v1/org/{org}/artifacts/{digest}/manifest` and `…/bundle`, with the same token and
//! org checks, fault targets `resolve`, `manifest` and `bundle` (`wrong_digest` appends one
//! byte to the artifact so it no longer matches its digest; `stall_body` sends half of it
//! and cuts the connection), and `GET /__requests` (with `--faults`): registry requests per
//! path.
//!
//! # The org directory
//!
//! ```text
//! <dir>/
//!   org.yaml               org: acme-corp          (required; letters, digits, . _ -)
//!                          max_offline_age: 7d     (optional; 7d, 12h, 1w, 1d12h …)
//!                          stale_mode: warn        (optional; keep | warn | block, default keep)
//!                          tokens: [a-token]       (optional; bearer tokens accepted)
//!                          users:                  (optional; who may sign in with a password,
//!                            - username: ana        getting a token from POST /v1/auth/login)
//!                              password: "…"
//!   policy/mandatory.yaml  the mandatory layer: one policy object (POLICY.md section 2)
//!   policy/org.yaml        the org layer: one policy object
//!   areas/<area>.yaml      policy: <policy object>
//!                          servers: ["@acme-corp/database-connector", …]
//!   servers.yaml           "@acme-corp/database-connector": <policy object>   (overrides)
//!   catalog.yaml           - name: "@acme-corp/database-connector"
//!                            version: "1.2.0"          (read as text, even unquoted)
//!                            digest: "sha256:<64 hex>"
//!                            origin: verified          (official | verified | community)
//!                            cert_level: 2             (0-3)
//!                            score: 84                 (0-100)
//!                            status: published         (published | deprecated | quarantined | revoked)
//!                            description: "…"
//!                            install: {registry: true} (a mapping, passed through)
//!   .refhub/               the hub's own files by default: signing-key, state.db
//!   updates/<target>/<arch>/<bundle>/<version>/   the update feed (HUB_API.md B5): one
//!                          artifact, its `<artifact>.sig` and an optional `notes.md`
//! ```
//!
//! Every file but `org.yaml` is optional; an empty file counts as absent. The directory is
//! refused whole (at start: the hub does not start; later: it keeps serving the last good
//! bundle and logs why on stderr) for an invalid policy object, a server listed by two
//! areas, a server named twice in `servers.yaml`, a catalog entry with an unknown key, an
//! origin or status out of the lists above, a level or score out of range, a malformed
//! digest or the same name and version twice, an unknown key in `org.yaml` or an area file,
//! a `.yml` file, or an unknown `.yaml` file at the top or in `policy/`.
//!
//! # Serial, ETag and signing
//!
//! The directory is read again on every request. The bundle body (everything but `schema`,
//! `serial` and `issued_at`) is hashed in canonical JSON; when the hash differs from the
//! last published one, the serial goes up by one and `issued_at` is set to now. The state
//! file keeps the serial, hash, `issued_at` and the exact payload bytes, so a restart with
//! an unchanged directory serves the same serial with the same bytes, and a changed one the
//! next serial: never lower, never the same serial with other bytes. Tokens are not part of
//! the bundle: changing them does not make a serial. The ETag is `"<serial>-<16 hex digits
//! of the hash>"`. The payload is canonical JSON (keys sorted, no spaces) signed with
//! Ed25519; the key is the base64 32-byte seed in `--key`, made (mode 0600) if missing.
//!
//! # HTTP
//!
//! - `GET /api/v1/orgs/{org}/keys` → `{"keys": [{"key_id", "public_key"}]}`. No token
//!   needed: the app calls it at first sign-in, and it serves only public keys.
//! - `GET /api/v1/orgs/{org}/policy-bundle[?device=…&audit_seq=…&audit_head=…]` → `200`
//!   with `ETag` and the envelope `{"key_id", "payload", "signature"}`, or `304` (with the
//!   `ETag`) when `If-None-Match` names the current ETag (lists, `W/` and `*` are
//!   understood); both carry the signed freshness statement for `device`. The audit head a
//!   device reports is kept, so events it was told of that never arrive are gaps.
//! - `POST /api/v1/orgs/{org}/audit` with `{"events": [{"id": "<uuid>", …}, …]}` →
//!   `{"accepted": n, "duplicates": m, "gaps": [[from, to], …]}`. Events must be objects
//!   with a UUID `id` (compared as UUIDs, so case does not matter); the body may have no
//!   other key; one bad event refuses the batch with 400 and stores nothing. Stored once per
//!   id in the state file, as received; an event's `device`, `seq`, `prev` and the hash of
//!   its canonical bytes join that device's chain. Bodies are capped at [`BODY_LIMIT`] (413
//!   `payload_too_large` beyond). `GET` on the same path lists every event received.
//! - `PUT /api/v1/orgs/{org}/devices/{device}` with the device inventory (B4) → `204`;
//!   `GET /api/v1/orgs/{org}/devices` → `{"published_serial", "devices": [{device, hostname,
//!   user, app_version, serial, managed, last_seen, compliant, problems, audit_gaps,
//!   inventory}]}`: the admin's compliance view.
//! - `GET /api/v1/orgs/{org}/servers?q=<text>` → `{"servers": [<catalog entry>, …]}`: the
//!   entries whose name or description contains `q` ignoring case (all without `q`), the
//!   same objects as the bundle's `catalog`, in catalog order, whatever their status.
//!
//! Every route but `keys` needs `Authorization: Bearer <token>` with a token from
//! `org.yaml` or `--token` (at least one must exist): else `401` with
//! `WWW-Authenticate: Bearer`. The token is checked before the org, so without a token a
//! caller learns nothing about which org is served. An org other than `org.yaml`'s is
//! `404` `unknown_org`. Errors are `{"error": "<code>", "message": "<text>"}` with codes
//! `unauthorized`, `unknown_org`, `bad_request`, `payload_too_large`, `not_found`,
//! `method_not_allowed`, `internal` and `fault_injected`.
//!
//! # Fault injection
//!
//! With `--faults` (refused unless listening on loopback), three test-control routes are
//! served, with no token:
//!
//! - `POST /__faults` with `{"mode": "<mode>", "target": "policy-bundle", "count": 1, …}`
//!   queues a fault and answers `{"queued": [...]}` (the whole queue); `GET /__faults`
//!   shows the queue; `DELETE /__faults` empties it (`{"cleared": n}`).
//! - `GET /__audit` → `{"events": [...]}`: every audit event received, oldest first.
//!
//! `target` is `policy-bundle` (default), `audit`, `servers` or `keys`; `count` is how
//! many requests the fault answers (default one). Faults for one target are used in the order
//! queued, each by the next request to that target that passed the token and org checks
//! (a 401 or 404 does not use one). A faulty answer replaces the normal one entirely:
//! `If-None-Match` is ignored and an audit batch answered by a fault is not stored. Every
//! faulty `200` carries `ETag: "fault"`. Modes:
//!
//! | mode | options | answer |
//! |---|---|---|
//! | `error` | `status` (400-599, default 500) | that status, `{"error": "fault_injected", …}` |
//! | `hang` | `seconds` (default 300, max 3600) | nothing until then, then 503 |
//! | `malformed` | `body` | 200, `Content-Type: application/json`, `body` or a truncated JSON object |
//! | `stall_body` ¹ | `seconds` | 200, headers and half the real envelope, then nothing; after `seconds` the connection is cut |
//! | `malformed_payload` ¹ | | a correctly signed envelope whose payload is `[]` |
//! | `invalid_policy` ¹ | | correctly signed, serial + 1, `org_policy: {min_cert_level: 7}` |
//! | `bad_signature` ¹ | | the current payload with one bit of its signature flipped |
//! | `unknown_key` ¹ | `key_id` (default `unknown-key`) | the current payload signed by a new random key under that id |
//! | `lower_serial` ¹ | `serial` (default current − 1) | the current content, correctly signed, at that serial |
//! | `same_serial` ¹ | | the current serial, correctly signed, `issued_at` one second later (other bytes) |
//! | `other_org` ¹ | `org` (default `<org>-other`) | correctly signed, serial + 1, for that org |
//!
//! ¹ `policy-bundle` only. An option a mode does not take, an unknown mode or key, or a
//! bundle-only mode for another target is a 400. In process, [`Hub::faults`] gives the same
//! queue ([`Faults::push`] with a [`QueuedFault`]).
//!
//! # Use
//!
//! ```no_run
//! # async fn run() -> gatehouse_refhub::Result<()> {
//! let mut config = gatehouse_refhub::Config::new("examples/hub/startup");
//! config.tokens.push("a-token".into());
//! let hub = gatehouse_refhub::Hub::open(config)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
//!     .await
//!     .map_err(gatehouse_refhub::Error::Serve)?;
//! gatehouse_refhub::serve(hub, listener).await
//! # }
//! ```

mod audit;
mod canonical;
mod catalog;
mod clock;
mod config;
mod devices;
mod enroll_link;
mod error;
mod faults;
mod http;
mod hub;
mod org_dir;
mod published;
pub mod registry;
mod signer;
mod state;

pub use catalog::CatalogEntry;
pub use config::{Config, DEFAULT_KEY_ID};
pub use enroll_link::enrollment_link;
pub use error::{Error, Result};
pub use faults::{DEFAULT_HANG_SECONDS, Fault, FaultRequest, Faults, QueuedFault, Target};
pub use http::{BODY_LIMIT, router, serve};
pub use hub::{Hub, View};
pub use org_dir::{OrgContent, read as read_org_dir};
pub use published::{Published, SCHEMA};
pub use signer::Signer;
pub use state::{StateDb, StoredBundle};

-- The first schema of the Gatehouse store.
--
-- Times are TEXT in one fixed-width RFC 3339 UTC form (`2026-11-20T10:00:00.000000000Z`) so
-- that comparing and ordering the strings orders the instants. JSON arrays and objects are
-- TEXT. Tables are STRICT so a wrong type is an error instead of a silent conversion.
--
-- Nothing here holds environment values, tool arguments or secrets.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Signed policy bundles exactly as received: `payload` is the signed byte string, so the
-- signature can be checked again on every load.
CREATE TABLE snapshots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org         TEXT    NOT NULL,
    serial      INTEGER NOT NULL CHECK (serial >= 0),
    key_id      TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    signature   BLOB    NOT NULL,
    etag        TEXT,
    fetched_at  TEXT    NOT NULL,
    verified_at TEXT    NOT NULL,
    UNIQUE (org, serial)
) STRICT;

CREATE TABLE servers (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    version       TEXT,
    command       TEXT NOT NULL,
    args          TEXT NOT NULL CHECK (json_valid(args) AND json_type(args) = 'array'),
    env_names     TEXT NOT NULL CHECK (json_valid(env_names) AND json_type(env_names) = 'array'),
    source        TEXT NOT NULL CHECK (source IN ('manual', 'client', 'registry')),
    client        TEXT,
    bundle_digest TEXT,
    created_at    TEXT NOT NULL
) STRICT;

CREATE INDEX servers_bundle_digest ON servers (bundle_digest) WHERE bundle_digest IS NOT NULL;

-- Remembered "Always for this version" answers. `version` and `digest` may be unknown
-- (NULL), so uniqueness is kept by the insert statement (`IS` comparisons) rather than by a
-- key: NULLs are distinct in a UNIQUE constraint.
CREATE TABLE confirmations (
    id         INTEGER PRIMARY KEY,
    server_id  TEXT NOT NULL,
    version    TEXT,
    digest     TEXT,
    rules_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE INDEX confirmations_server ON confirmations (server_id);

CREATE TABLE tool_pins (
    launch_key TEXT NOT NULL,
    tool       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    pinned_at  TEXT NOT NULL,
    PRIMARY KEY (launch_key, tool)
) STRICT, WITHOUT ROWID;

-- The audit log (HUB_API.md B2). `seq` keeps insertion order for events with equal times.
CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,
    time      TEXT NOT NULL,
    device    TEXT NOT NULL,
    user      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    server    TEXT,
    version   TEXT,
    digest    TEXT,
    verdict   TEXT,
    codes     TEXT NOT NULL CHECK (json_valid(codes) AND json_type(codes) = 'array'),
    overrides TEXT CHECK (overrides IS NULL OR json_valid(overrides)),
    detail    TEXT CHECK (detail IS NULL OR json_valid(detail))
) STRICT;

CREATE INDEX audit_events_time ON audit_events (time, seq);

-- One row per audit event until the hub acknowledges it; delivered rows are marked, not
-- deleted. A NULL `next_attempt_at` means "due now".
CREATE TABLE audit_outbox (
    event_id        TEXT PRIMARY KEY NOT NULL REFERENCES audit_events (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    delivered_at    TEXT
) STRICT;

CREATE INDEX audit_outbox_pending ON audit_outbox (next_attempt_at) WHERE delivered_at IS NULL;

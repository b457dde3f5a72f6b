-- The verified code of a server (DESIGN.md "Server identity"): what was installed (a
-- registry bundle, or a public package's artifact), where the downloaded artifact is kept,
-- and every installed file with its size and hash. The launcher checks the files against
-- this record before every spawn; each sync checks the record against the kept artifact,
-- whose SHA-256 must still be the one the signed catalog states. The user can edit this
-- table, which is why the artifact is kept: a record changed to fit changed files no
-- longer fits the artifact.
CREATE TABLE verified_trees (
    server_id       TEXT PRIMARY KEY NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('registry', 'package')),
    name            TEXT NOT NULL,
    version         TEXT NOT NULL,
    registry_type   TEXT CHECK (registry_type IS NULL OR registry_type IN ('npm', 'pypi', 'mcpb')),
    artifact_sha256 TEXT NOT NULL,
    artifact        TEXT NOT NULL,
    root            TEXT NOT NULL,
    files           TEXT NOT NULL CHECK (json_valid(files) AND json_type(files) = 'array'),
    recorded_at     TEXT NOT NULL,
    -- When a check found the files, the record or the artifact changed: the server is
    -- blocked from then on (a launch checks this before the files), until it is installed
    -- again. Clearing it by hand only lasts until the next check finds the change again.
    modified_at     TEXT
) STRICT;

-- Servers registered before identity was bound to code (this migration): they may have
-- shown a catalog's facts through their name alone, and an installed one has no record of
-- its files yet. Each is judged as unbound until the first sync after the upgrade handles
-- it (records an installed one's files against its bundle, switches a named one to a
-- verified copy where the catalog has one, or tells the person once why its verdict
-- changed); then its row goes.
CREATE TABLE identity_upgrade (
    server_id TEXT PRIMARY KEY NOT NULL REFERENCES servers (id) ON DELETE CASCADE
) STRICT;
INSERT INTO identity_upgrade (server_id) SELECT id FROM servers;

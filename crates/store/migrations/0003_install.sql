-- What an install from the registry brought with a server (HUB_API.md section A): the
-- artifacts' digests, the permissions its manifest declared, and the facts the registry
-- stated when it was installed. Those facts are kept for display and audit only: decisions
-- take facts from the signed catalog alone, since this file is the user's to edit.
CREATE TABLE installs (
    server_id       TEXT PRIMARY KEY NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    manifest_digest TEXT NOT NULL,
    bundle_digest   TEXT NOT NULL,
    permissions     TEXT NOT NULL CHECK (json_valid(permissions)),
    registry_facts  TEXT NOT NULL CHECK (json_valid(registry_facts)),
    installed_at    TEXT NOT NULL
) STRICT;

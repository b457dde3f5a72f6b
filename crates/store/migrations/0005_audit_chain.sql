-- The audit chain (HUB_API.md B2): each event's canonical JSON as it is sent, with its
-- per-device `seq` (the row's `seq`, which SQLite never hands out twice) and `prev` (the
-- hash of the event before it), and the event's own hash, so the next event can name it and
-- the hub can see a gap or an edit. Written when the event is made, never changed.
-- Events made before this version get theirs at the first open after the upgrade.
ALTER TABLE audit_events ADD COLUMN prev TEXT;
ALTER TABLE audit_events ADD COLUMN canonical TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- Events name the device's host and the app version that made them.
ALTER TABLE audit_events ADD COLUMN hostname TEXT;
ALTER TABLE audit_events ADD COLUMN app_version TEXT;

-- Client app entries routed through `gatehouse run`: where each entry is, the server it
-- runs, and what to put back when it is unwired. `restore` holds the original text of the
-- nodes wiring replaced (the command and args), never a secret value: env values that look
-- like secrets are in the OS keyring, and `secret_env` only names them. `launch_digest` is
-- a hash of the entry's command, args and non-secret env, to tell whether two apps' entries
-- with the same key are the same server.
CREATE TABLE client_wirings (
    client        TEXT NOT NULL,
    config_path   TEXT NOT NULL,
    entry_path    TEXT NOT NULL CHECK (json_valid(entry_path) AND json_type(entry_path) = 'array'),
    server_id     TEXT NOT NULL,
    restore       TEXT NOT NULL CHECK (json_valid(restore)),
    secret_env    TEXT NOT NULL CHECK (json_valid(secret_env) AND json_type(secret_env) = 'array'),
    launch_digest TEXT NOT NULL,
    wired_at      TEXT NOT NULL,
    PRIMARY KEY (client, config_path, entry_path)
) STRICT;

CREATE INDEX client_wirings_server ON client_wirings (server_id);

-- OAuth apps registered per instance (Mastodon registers one app per server).
-- Only the mapping lives here; client_id and client_secret are in the keyring
-- under secrets.app_key(network, instance).

CREATE TABLE network_apps (
    network TEXT NOT NULL,
    instance TEXT NOT NULL,
    app_id TEXT NOT NULL DEFAULT '',
    scopes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (network, instance)
);

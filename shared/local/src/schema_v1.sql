-- Schema version 1 of the embedded store. Every table is keyed by app first, so one app's rows
-- never show in another app's queries. JSON bodies hold the full record; columns exist to index.

CREATE TABLE bindings (
    app TEXT NOT NULL, object TEXT NOT NULL, sf_id TEXT NOT NULL, jing_id TEXT NOT NULL,
    version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (app, object, sf_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX bindings_by_jing ON bindings (app, object, jing_id);

CREATE TABLE errors (
    app TEXT NOT NULL, object TEXT NOT NULL, record_key TEXT NOT NULL, category TEXT NOT NULL,
    last_seen INTEGER NOT NULL, search TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (app, object, record_key)
) WITHOUT ROWID;
CREATE INDEX errors_recent ON errors (app, last_seen DESC);

CREATE TABLE synced (
    app TEXT NOT NULL, object TEXT NOT NULL, record_key TEXT NOT NULL,
    synced_at INTEGER NOT NULL, search TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (app, object, record_key)
) WITHOUT ROWID;
CREATE INDEX synced_recent ON synced (app, synced_at DESC);

CREATE TABLE conflicts (
    seq INTEGER PRIMARY KEY, app TEXT NOT NULL, object TEXT NOT NULL, at INTEGER NOT NULL,
    search TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX conflicts_recent ON conflicts (app, at DESC, seq DESC);

CREATE TABLE journal (
    seq INTEGER PRIMARY KEY, app TEXT NOT NULL, object TEXT NOT NULL, record_key TEXT NOT NULL,
    at INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX journal_by_record ON journal (app, object, record_key, at, seq);

CREATE TABLE cursors (
    app TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (app, key)
) WITHOUT ROWID;

CREATE TABLE idempotency (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);

CREATE TABLE quota (
    app TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (app, day)
) WITHOUT ROWID;

CREATE TABLE parked (
    seq INTEGER PRIMARY KEY, app TEXT NOT NULL, record TEXT NOT NULL,
    priority INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE UNIQUE INDEX parked_by_record ON parked (app, record);
CREATE INDEX parked_order ON parked (app, priority, seq);

CREATE TABLE settings (app TEXT PRIMARY KEY, revision INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;

-- Secrets apart from everything else. On disk they are as safe as the file: production keeps the
-- database under the data directory with mode 0600 (see LocalStore::open).
CREATE TABLE secrets (
    app TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (app, kind)
) WITHOUT ROWID;

CREATE TABLE queue (
    id INTEGER PRIMARY KEY, body TEXT NOT NULL, visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0, lease INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_visible ON queue (visible_at, id);

CREATE TABLE dead_letters (
    seq INTEGER PRIMARY KEY, message_id INTEGER NOT NULL, body TEXT NOT NULL,
    receive_count INTEGER NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL
);

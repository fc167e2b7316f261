-- Schema version 3: record claims (one writer per record; a create of unknown outcome is
-- recognised by the next attempt).
CREATE TABLE claims (
    app TEXT NOT NULL, key TEXT NOT NULL, first_at INTEGER NOT NULL, lease_until INTEGER NOT NULL,
    PRIMARY KEY (app, key)
) WITHOUT ROWID;

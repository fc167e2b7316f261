-- Schema version 5: the decision log (explain). One row per decision, read per record newest
-- first; bounded on write to the newest 20 per record and 30 days.

CREATE TABLE decisions (
    seq INTEGER PRIMARY KEY, app TEXT NOT NULL, object TEXT NOT NULL, record_key TEXT NOT NULL,
    at INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX decisions_by_record ON decisions (app, object, record_key, at);
CREATE INDEX decisions_by_time ON decisions (at);

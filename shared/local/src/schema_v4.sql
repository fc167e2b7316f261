-- Schema version 4: creates staged for Bulk API 2.0 ingest jobs (one row per origin record;
-- `job` is NULL while the row waits for a job).

CREATE TABLE staged (
    seq INTEGER PRIMARY KEY, app TEXT NOT NULL, object TEXT NOT NULL, record TEXT NOT NULL,
    job TEXT, body TEXT NOT NULL
);
CREATE UNIQUE INDEX staged_by_record ON staged (app, object, record);
CREATE INDEX staged_by_job ON staged (app, object, job, seq);

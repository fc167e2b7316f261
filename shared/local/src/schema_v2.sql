-- Schema version 2: when a queued change was first tried, kept with its dead letter.
ALTER TABLE queue ADD COLUMN first_at INTEGER;
ALTER TABLE dead_letters ADD COLUMN first_at INTEGER;

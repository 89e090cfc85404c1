-- Auditors' queries over the event log (GET /v1/audit/events) filter by correlation, actor,
-- event type and time. The JSON expressions are the very ones the queries use, so SQLite can
-- use these indexes. recorded_at is kept with milliseconds by default and with microseconds
-- after an import; the time index is on the microsecond form the queries compare.
CREATE INDEX events_by_correlation ON events (json_extract(metadata, '$.correlation_id'), position);
CREATE INDEX events_by_actor ON events (json_extract(metadata, '$.actor'), position);
CREATE INDEX events_by_type ON events (event_type, position);
CREATE INDEX events_by_recorded_at ON events (
    (CASE WHEN length(recorded_at) = 24 THEN substr(recorded_at, 1, 23) || '000Z' ELSE recorded_at END)
);

-- The access log: one row per HTTP request, written in batches off the request path. SQLite has
-- one writer at a time, so the id is the commit order (tx_id stays 0).
CREATE TABLE access_log
(
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_id       BIGINT NOT NULL DEFAULT 0,
    at          TEXT   NOT NULL,
    key_id      TEXT,
    acting_user TEXT,
    method      TEXT   NOT NULL,
    route       TEXT,
    path        TEXT   NOT NULL,
    query       TEXT,
    status      BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    request_id  TEXT
);

CREATE INDEX access_log_by_key ON access_log (key_id, id);
CREATE INDEX access_log_by_user ON access_log (acting_user, id);
CREATE INDEX access_log_by_at ON access_log (at);

-- The access log is append-only: no UPDATE and no DELETE.
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused');
END;

CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused');
END;

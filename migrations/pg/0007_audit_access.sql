-- Auditors' queries over the event log (GET /v1/audit/events) filter by correlation, actor,
-- event type and time; each index keeps the global order (tx_id, position) after its key so a
-- filtered page is one index range in log order.
CREATE INDEX events_by_correlation ON events ((metadata ->> 'correlation_id'), tx_id, position);
CREATE INDEX events_by_actor ON events ((metadata ->> 'actor'), tx_id, position);
CREATE INDEX events_by_type ON events (event_type, tx_id, position);
CREATE INDEX events_by_recorded_at ON events (recorded_at);

-- The access log: one row per HTTP request, written in batches off the request path. Rows are
-- ordered by (tx_id, id) and read below the snapshot's xmin, like the event log, so a reader
-- paging with a cursor never skips a row that a slower writer commits later.
CREATE TABLE access_log
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id       bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    at          text   NOT NULL,
    key_id      text,
    acting_user text,
    method      text   NOT NULL,
    route       text,
    path        text   NOT NULL,
    query       text,
    status      bigint NOT NULL,
    duration_ms bigint NOT NULL,
    request_id  text
);

CREATE INDEX access_log_order ON access_log (tx_id, id);
CREATE INDEX access_log_by_key ON access_log (key_id, tx_id, id);
CREATE INDEX access_log_by_user ON access_log (acting_user, tx_id, id);
CREATE INDEX access_log_by_at ON access_log (at);

-- The access log is append-only: no UPDATE, no DELETE, no TRUNCATE through any connection.
CREATE FUNCTION ordercore_access_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION ordercore_access_log_is_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION ordercore_access_log_is_append_only();

-- Idempotency keys of POST requests (IETF httpapi-idempotency-key draft, as Stripe does it):
-- the same key and body get the first answer again; another body is refused; a request still
-- running is reported. `resource_id` is chosen before the work starts, so a retry after a crash
-- finds the resource the first attempt may have created instead of creating a second one.
CREATE TABLE idempotency_keys
(
    scope        TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    resource_id  TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    status       BIGINT,
    response     TEXT,
    locked_at    BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

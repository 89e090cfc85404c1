-- Deliveries to the ERP: one row per order submission or cancellation, delivered at least once
-- in the order the orders became ready (per company), retried with backoff, dead-lettered when
-- the ERP refuses for good or after too many attempts.
CREATE TABLE erp_outbox
(
    id              TEXT PRIMARY KEY,
    order_id        TEXT   NOT NULL,
    company_id      TEXT   NOT NULL,
    operation       TEXT   NOT NULL,
    seq_tx          BIGINT NOT NULL,
    seq_pos         BIGINT NOT NULL,
    state           TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    compensated     BIGINT NOT NULL DEFAULT 0,
    outcome         TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX erp_outbox_queue ON erp_outbox (state, company_id, seq_tx, seq_pos);

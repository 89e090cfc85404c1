-- ERP messages by message_id: a repeated message gets the first answer again and changes
-- nothing. `request_hash` tells a true repeat from a reused id with another body.
CREATE TABLE erp_inbox
(
    message_id   TEXT PRIMARY KEY,
    endpoint     TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    status       BIGINT NOT NULL,
    response     TEXT   NOT NULL,
    received_at  BIGINT NOT NULL
);

-- ERP messages refused by validation, kept whole for ops (never silently dropped).
CREATE TABLE erp_quarantine
(
    id          TEXT PRIMARY KEY,
    message_id  TEXT,
    endpoint    TEXT   NOT NULL,
    errors      TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE INDEX erp_quarantine_by_time ON erp_quarantine (received_at);

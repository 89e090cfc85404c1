-- API keys. The secret is shown once at creation; only its SHA-256 is kept. Scopes:
-- `eshop:<channel>` (or `eshop:*`), `erp`, `auditor`, `ops`.
CREATE TABLE api_keys
(
    id          TEXT PRIMARY KEY,
    name        TEXT   NOT NULL,
    secret_hash TEXT   NOT NULL,
    scopes      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

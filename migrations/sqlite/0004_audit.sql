-- The seal chain (docs/adr/0005): one row per event, in the order the sealer followed the global
-- log. `hash` is SHA-256 over `previous_hash` and the event's canonical form; the first seal's
-- previous hash is 64 zeros. `position` names the sealed event (it is also inside the hash).
-- The table is not a rebuildable read model: rebuilding seals from possibly tampered events
-- would launder the tampering, so it lives here and not in a projection's DDL.
CREATE TABLE audit_seals
(
    seal_no       BIGINT PRIMARY KEY,
    position      BIGINT NOT NULL UNIQUE,
    hash          TEXT   NOT NULL,
    previous_hash TEXT   NOT NULL,
    sealed_at     TEXT   NOT NULL
);

-- Seals are facts too: no UPDATE and no DELETE.
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are immutable: UPDATE refused');
END;

CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are immutable: DELETE refused');
END;

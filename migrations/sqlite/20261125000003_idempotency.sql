-- Idempotency records: the first answer to a request sent with an Idempotency-Key,
-- replayed to its retries for 24 hours. `status` is null while the first request is
-- being served.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    status       INTEGER,
    location     TEXT,
    etag         TEXT,
    body         TEXT,
    PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

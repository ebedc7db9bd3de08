-- Idempotency records: the first answer to a request sent with an Idempotency-Key,
-- replayed to its retries for 24 hours. `status` is null while the first request is
-- being served.
CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    fingerprint  text NOT NULL,
    created_at   timestamptz NOT NULL,
    status       bigint,
    location     text,
    etag         text,
    body         text,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

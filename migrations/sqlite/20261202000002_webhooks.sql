-- Webhooks: an organization's endpoints for its events, and the log of deliveries.
-- The secret is kept as given: deliveries are signed with it (HMAC-SHA256).
CREATE TABLE webhooks (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations (id),
    url              TEXT NOT NULL,
    -- event type names, comma separated, or '*'
    events           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    active           INTEGER NOT NULL CHECK (active IN (0, 1)),
    disabled_reason  TEXT,
    failures         INTEGER NOT NULL DEFAULT 0,
    created_by       BLOB,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (organization_id, id)
) STRICT;
CREATE INDEX webhooks_org_idx ON webhooks (organization_id, active);

CREATE TABLE webhook_deliveries (
    id                BLOB PRIMARY KEY NOT NULL,
    organization_id   BLOB NOT NULL,
    webhook_id        BLOB NOT NULL,
    event_id          BLOB NOT NULL,
    event_type        TEXT NOT NULL,
    status            INTEGER,
    latency_ms        INTEGER NOT NULL,
    response_excerpt  TEXT NOT NULL,
    delivered         INTEGER NOT NULL CHECK (delivered IN (0, 1)),
    attempted_at      TEXT NOT NULL,
    FOREIGN KEY (organization_id, webhook_id) REFERENCES webhooks (organization_id, id)
        ON DELETE CASCADE
) STRICT;
CREATE INDEX webhook_deliveries_webhook_idx
    ON webhook_deliveries (organization_id, webhook_id, id);

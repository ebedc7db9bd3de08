-- Webhooks: an organization's endpoints for its events, and the log of deliveries.
-- The secret is kept as given: deliveries are signed with it (HMAC-SHA256).
CREATE TABLE webhooks (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    url              text NOT NULL,
    -- event type names, comma separated, or '*'
    events           text NOT NULL,
    secret           text NOT NULL,
    active           boolean NOT NULL,
    disabled_reason  text,
    failures         bigint NOT NULL DEFAULT 0,
    created_by       uuid,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (organization_id, id)
);
CREATE INDEX webhooks_org_idx ON webhooks (organization_id, active);

CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL,
    webhook_id        uuid NOT NULL,
    event_id          uuid NOT NULL,
    event_type        text NOT NULL,
    status            bigint,
    latency_ms        bigint NOT NULL,
    response_excerpt  text NOT NULL,
    delivered         boolean NOT NULL,
    attempted_at      timestamptz NOT NULL,
    FOREIGN KEY (organization_id, webhook_id) REFERENCES webhooks (organization_id, id)
        ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_webhook_idx
    ON webhook_deliveries (organization_id, webhook_id, id);

-- The outbox: every domain event, appended in the same transaction as the change it
-- records. `position` is the per-database sequence readers tail by; SQLite has one
-- writer at a time, so positions become visible in order. AUTOINCREMENT: a position
-- is never reused, even after the newest row is removed.
CREATE TABLE outbox (
    position         INTEGER PRIMARY KEY AUTOINCREMENT,
    id               BLOB NOT NULL UNIQUE,
    organization_id  BLOB NOT NULL REFERENCES organizations (id),
    event_type       TEXT NOT NULL,
    actor_id         BLOB,
    subject_id       BLOB NOT NULL,
    occurred_at      TEXT NOT NULL,
    -- the event as JSON, with its type in "type"; never a secret
    payload          TEXT NOT NULL
) STRICT;
-- The change feed of one organization, in position order.
CREATE INDEX outbox_org_position_idx ON outbox (organization_id, position);

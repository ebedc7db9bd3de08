-- The outbox: every domain event, appended in the same transaction as the change it
-- records. `position` is the per-database sequence readers tail by. Concurrent
-- transactions commit positions out of order; readers are fenced (an advisory lock
-- held shared by every writer, see docs/outbox.md) so none skips a late commit.
CREATE TABLE outbox (
    position         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               uuid NOT NULL UNIQUE,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    event_type       text NOT NULL,
    actor_id         uuid,
    subject_id       uuid NOT NULL,
    occurred_at      timestamptz NOT NULL,
    -- the event as JSON, with its type in "type"; never a secret
    payload          text NOT NULL
);
-- The change feed of one organization, in position order.
CREATE INDEX outbox_org_position_idx ON outbox (organization_id, position);

-- Imports: a batch of leads read from a CSV file, followed while it runs and
-- reverted as a whole. An uploaded file waits in import_uploads (in parts, so a
-- worker on any machine can read it as a stream) until its import ends.

-- An operator's changes (djcrm-admin) have no user behind them: their history
-- entries name no actor, as their events already do.
ALTER TABLE activities ALTER COLUMN actor_id DROP NOT NULL;

CREATE TABLE imports (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    requested_by     uuid,
    origin           text NOT NULL CHECK (origin IN ('upload', 'file')),
    file_name        text NOT NULL,
    size_bytes       bigint NOT NULL,
    -- header names mapped to columns, over the defaults: a JSON array of pairs
    mapping          text NOT NULL,
    duplicates       text NOT NULL CHECK (duplicates IN ('skip', 'update')),
    state            text NOT NULL
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'reverted')),
    rows_read        bigint NOT NULL DEFAULT 0,
    created          bigint NOT NULL DEFAULT 0,
    updated          bigint NOT NULL DEFAULT 0,
    skipped          bigint NOT NULL DEFAULT 0,
    rejected         bigint NOT NULL DEFAULT 0,
    error            text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, requested_by) REFERENCES users (organization_id, id)
);

CREATE TABLE import_rejections (
    organization_id  uuid NOT NULL,
    import_id        uuid NOT NULL,
    line             bigint NOT NULL,
    -- what is wrong with it: a JSON array of {"column", "reason"}
    problems         text NOT NULL,
    PRIMARY KEY (organization_id, import_id, line),
    FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id)
);

CREATE TABLE import_uploads (
    organization_id  uuid NOT NULL,
    import_id        uuid NOT NULL,
    part             bigint NOT NULL,
    bytes            bytea NOT NULL,
    PRIMARY KEY (organization_id, import_id, part),
    FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id)
);

ALTER TABLE leads ADD COLUMN import_id uuid;
ALTER TABLE leads ADD CONSTRAINT leads_import_fkey
    FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id);
CREATE INDEX leads_org_import_idx ON leads (organization_id, import_id) WHERE import_id IS NOT NULL;
-- Duplicates are found by email, a batch of rows at a time.
CREATE INDEX leads_org_email_idx ON leads (organization_id, email)
    WHERE deleted_at IS NULL AND email IS NOT NULL;

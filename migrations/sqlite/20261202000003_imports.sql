-- Imports: a batch of leads read from a CSV file, followed while it runs and
-- reverted as a whole. An uploaded file waits in import_uploads (in parts, so a
-- worker can read it as a stream) until its import ends.

-- An operator's changes (djcrm-admin) have no user behind them: their history
-- entries name no actor, as their events already do. SQLite cannot drop a NOT
-- NULL, so the table is rebuilt; nothing references it.
CREATE TABLE activities_rebuilt (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL,
    lead_id          BLOB NOT NULL,
    actor_id         BLOB,
    kind             TEXT NOT NULL
        CHECK (kind IN ('created', 'updated', 'assigned', 'status_changed', 'note', 'deleted')),
    from_status      TEXT,
    to_status        TEXT,
    agent_id         BLOB,
    body             TEXT,
    fields           TEXT,
    created_at       TEXT NOT NULL,
    FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id),
    FOREIGN KEY (organization_id, actor_id) REFERENCES users (organization_id, id)
) STRICT;
INSERT INTO activities_rebuilt SELECT id, organization_id, lead_id, actor_id, kind,
    from_status, to_status, agent_id, body, fields, created_at FROM activities;
DROP TABLE activities;
ALTER TABLE activities_rebuilt RENAME TO activities;
CREATE INDEX activities_lead_idx ON activities (organization_id, lead_id, id);

CREATE TABLE imports (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations (id),
    requested_by     BLOB,
    origin           TEXT NOT NULL CHECK (origin IN ('upload', 'file')),
    file_name        TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL,
    -- header names mapped to columns, over the defaults: a JSON array of pairs
    mapping          TEXT NOT NULL,
    duplicates       TEXT NOT NULL CHECK (duplicates IN ('skip', 'update')),
    state            TEXT NOT NULL
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'reverted')),
    rows_read        INTEGER NOT NULL DEFAULT 0,
    created          INTEGER NOT NULL DEFAULT 0,
    updated          INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    error            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT,
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, requested_by) REFERENCES users (organization_id, id)
) STRICT;

CREATE TABLE import_rejections (
    organization_id  BLOB NOT NULL,
    import_id        BLOB NOT NULL,
    line             INTEGER NOT NULL,
    -- what is wrong with it: a JSON array of {"column", "reason"}
    problems         TEXT NOT NULL,
    PRIMARY KEY (organization_id, import_id, line),
    FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id)
) STRICT;

CREATE TABLE import_uploads (
    organization_id  BLOB NOT NULL,
    import_id        BLOB NOT NULL,
    part             INTEGER NOT NULL,
    bytes            BLOB NOT NULL,
    PRIMARY KEY (organization_id, import_id, part),
    FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id)
) STRICT;

-- SQLite adds a column with a single-column reference only; the import's
-- organization is the lead's, as every write of the store keeps it.
ALTER TABLE leads ADD COLUMN import_id BLOB REFERENCES imports (id);
CREATE INDEX leads_org_import_idx ON leads (organization_id, import_id) WHERE import_id IS NOT NULL;
-- Duplicates are found by email, a batch of rows at a time.
CREATE INDEX leads_org_email_idx ON leads (organization_id, email)
    WHERE deleted_at IS NULL AND email IS NOT NULL;

-- DJ CRM core schema (SQLite).
-- Ids are UUIDv7 stored as 16-byte BLOBs: byte order is time order, so `ORDER BY id`
-- is creation order and the primary key doubles as the pagination key.
-- Tenant-owned tables carry organization_id, and references between them are
-- composite (organization_id, id) foreign keys, so a row can never point into
-- another tenant even if application code had a bug. Every secondary index leads
-- with organization_id, except the two global lookups: login email and token hash.

CREATE TABLE organizations (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations (id),
    email            TEXT NOT NULL,
    full_name        TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'organizer', 'agent')),
    password_hash    TEXT NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (organization_id, id)
) STRICT;
-- One account per email across DJ CRM: login is by email alone.
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE api_tokens (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL,
    user_id          BLOB NOT NULL,
    token_hash       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
) STRICT;
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_idx ON api_tokens (organization_id, user_id);

CREATE TABLE agents (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL,
    user_id          BLOB NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (organization_id, id),
    UNIQUE (organization_id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
) STRICT;

CREATE TABLE categories (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations (id),
    name             TEXT NOT NULL,
    -- the name lower-cased (Unicode-aware, by the adapter) for case-blind uniqueness
    name_key         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (organization_id, id)
) STRICT;
CREATE UNIQUE INDEX categories_name_key ON categories (organization_id, name_key);

CREATE TABLE leads (
    id                        BLOB PRIMARY KEY NOT NULL,
    organization_id           BLOB NOT NULL REFERENCES organizations (id),
    first_name                TEXT NOT NULL,
    last_name                 TEXT NOT NULL,
    email                     TEXT,
    phone                     TEXT,
    description               TEXT,
    status                    TEXT NOT NULL
        CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'lost')),
    category_id               BLOB,
    agent_id                  BLOB,
    version                   INTEGER NOT NULL CHECK (version >= 1),
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    first_contacted_at        TEXT,
    seconds_to_first_contact  INTEGER,
    deleted_at                TEXT,
    -- lower-cased "first last email", what the `q` filter searches
    search_text               TEXT NOT NULL,
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, category_id) REFERENCES categories (organization_id, id),
    FOREIGN KEY (organization_id, agent_id) REFERENCES agents (organization_id, id)
) STRICT;
CREATE INDEX leads_org_status_idx ON leads (organization_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_agent_idx ON leads (organization_id, agent_id, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_category_idx ON leads (organization_id, category_id, id) WHERE deleted_at IS NULL;

CREATE TABLE activities (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL,
    lead_id          BLOB NOT NULL,
    actor_id         BLOB NOT NULL,
    kind             TEXT NOT NULL
        CHECK (kind IN ('created', 'updated', 'assigned', 'status_changed', 'note', 'deleted')),
    from_status      TEXT,
    to_status        TEXT,
    agent_id         BLOB,
    body             TEXT,
    -- for `updated`: the changed field names, comma separated
    fields           TEXT,
    created_at       TEXT NOT NULL,
    FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id),
    FOREIGN KEY (organization_id, actor_id) REFERENCES users (organization_id, id)
) STRICT;
CREATE INDEX activities_lead_idx ON activities (organization_id, lead_id, id);

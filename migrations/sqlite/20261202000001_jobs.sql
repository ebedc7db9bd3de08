-- Invitations of agents, password resets, and the bookkeeping of background jobs.

-- An invitation's token is stored only as its SHA-256; a resend replaces it.
CREATE TABLE invitations (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations (id),
    email            TEXT NOT NULL,
    full_name        TEXT NOT NULL,
    invited_by       BLOB,
    token_hash       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    sent_at          TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    accepted_at      TEXT,
    revoked_at       TEXT,
    FOREIGN KEY (organization_id, invited_by) REFERENCES users (organization_id, id)
) STRICT;
CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash);
-- One open invitation per email in an organization.
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (organization_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE password_resets (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL,
    user_id          BLOB NOT NULL,
    token_hash       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
) STRICT;
CREATE UNIQUE INDEX password_resets_token_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_idx ON password_resets (organization_id, user_id);

-- A secret on its way into a mail (an invitation's or a reset's token), kept beside
-- its event until the relay has put it in the job; events never carry secrets.
CREATE TABLE sealed_secrets (
    event_id  BLOB PRIMARY KEY NOT NULL REFERENCES outbox (id),
    secret    TEXT NOT NULL
) STRICT;

-- Leases with a cursor: the event relay (cursor: an outbox position) and the digest
-- scheduler (cursor: a day number), each run by one worker at a time.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY NOT NULL,
    cursor       INTEGER NOT NULL DEFAULT 0,
    holder       TEXT,
    held_until   TEXT
) STRICT;

-- Jobs that ended: done (never done again: the key makes handlers idempotent) or
-- failed after their last attempt (kept with the job and its error, to retry).
CREATE TABLE job_runs (
    key              TEXT PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('done', 'failed')),
    attempts         INTEGER NOT NULL,
    error            TEXT,
    job              TEXT NOT NULL,
    finished_at      TEXT NOT NULL
) STRICT;
CREATE INDEX job_runs_org_state_idx ON job_runs (organization_id, state, finished_at);
CREATE INDEX job_runs_state_idx ON job_runs (state, finished_at);

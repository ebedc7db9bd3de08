-- Invitations of agents, password resets, and the bookkeeping of background jobs.

-- An invitation's token is stored only as its SHA-256; a resend replaces it.
CREATE TABLE invitations (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    email            text NOT NULL,
    full_name        text NOT NULL,
    invited_by       uuid,
    token_hash       text NOT NULL,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    revoked_at       timestamptz,
    FOREIGN KEY (organization_id, invited_by) REFERENCES users (organization_id, id)
);
CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash);
-- One open invitation per email in an organization.
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (organization_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE password_resets (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL,
    user_id          uuid NOT NULL,
    token_hash       text NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
);
CREATE UNIQUE INDEX password_resets_token_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_idx ON password_resets (organization_id, user_id);

-- A secret on its way into a mail (an invitation's or a reset's token), kept beside
-- its event until the relay has put it in the job; events never carry secrets.
CREATE TABLE sealed_secrets (
    event_id  uuid PRIMARY KEY REFERENCES outbox (id),
    secret    text NOT NULL
);

-- Leases with a cursor: the event relay (cursor: an outbox position) and the digest
-- scheduler (cursor: a day number), each run by one worker at a time.
CREATE TABLE leases (
    name         text PRIMARY KEY,
    cursor       bigint NOT NULL DEFAULT 0,
    holder       text,
    held_until   timestamptz
);

-- Jobs that ended: done (never done again: the key makes handlers idempotent) or
-- failed after their last attempt (kept with the job and its error, to retry).
CREATE TABLE job_runs (
    key              text PRIMARY KEY,
    organization_id  uuid NOT NULL,
    kind             text NOT NULL,
    state            text NOT NULL CHECK (state IN ('done', 'failed')),
    attempts         bigint NOT NULL,
    error            text,
    job              text NOT NULL,
    finished_at      timestamptz NOT NULL
);
CREATE INDEX job_runs_org_state_idx ON job_runs (organization_id, state, finished_at);
CREATE INDEX job_runs_state_idx ON job_runs (state, finished_at);

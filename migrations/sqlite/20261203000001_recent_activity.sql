-- The organization's recent activity (the web UI's dashboard): newest first by id,
-- which is a UUIDv7 and so in the order the entries were written.
CREATE INDEX activities_org_recent_idx ON activities (organization_id, id);

-- The pipeline over time (the dashboard's chart) and the daily digest read the
-- leads created and the moves made since a day: by time, within a tenant.
CREATE INDEX leads_org_created_idx ON leads (organization_id, created_at);
CREATE INDEX activities_org_moves_idx ON activities (organization_id, created_at)
    WHERE kind = 'status_changed';

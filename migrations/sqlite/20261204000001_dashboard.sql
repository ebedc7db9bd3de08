-- The dashboard, read from indexes alone at 100,000 leads (a partial index's own
-- condition columns are listed too: SQLite reads them from the table otherwise).
--
-- Open leads by their last change: the week's untouched leads, counted, and the
-- oldest of them named.
CREATE INDEX leads_org_open_updated_idx ON leads (organization_id, updated_at, status, deleted_at)
    WHERE deleted_at IS NULL AND status IN ('new', 'contacted', 'qualified');
-- Each agent's leads with what their performance sums up.
CREATE INDEX leads_org_agent_performance_idx
    ON leads (organization_id, agent_id, status, first_contacted_at, seconds_to_first_contact, deleted_at)
    WHERE deleted_at IS NULL;
-- The pipeline over time undoes the deletions since a day.
CREATE INDEX leads_org_deleted_idx ON leads (organization_id, deleted_at)
    WHERE deleted_at IS NOT NULL;

-- Deleting an agent removes it from the API but keeps the row: its user still names
-- whoever acted in the history, and old leads' references stay valid.
ALTER TABLE agents ADD COLUMN deleted_at TEXT;

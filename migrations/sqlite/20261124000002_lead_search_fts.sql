-- `q` on SQLite: a trigram full-text index over leads.search_text, so a substring
-- search reads the few matching rows instead of every lead of the organization.
-- search_text is lower-cased by the adapter, so the index is case-sensitive and
-- queried with GLOB (which the trigram index serves for 3+ literal characters).

CREATE VIRTUAL TABLE leads_search USING fts5(
    search_text,
    content = 'leads',
    content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO leads_search (rowid, search_text) SELECT rowid, search_text FROM leads;

CREATE TRIGGER leads_search_after_insert AFTER INSERT ON leads BEGIN
    INSERT INTO leads_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER leads_search_after_delete AFTER DELETE ON leads BEGIN
    INSERT INTO leads_search (leads_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER leads_search_after_update AFTER UPDATE OF search_text ON leads BEGIN
    INSERT INTO leads_search (leads_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO leads_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

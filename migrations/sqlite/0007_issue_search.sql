-- A trigram index of the issues' search text (title, body and comments,
-- lowercased), so that a search reads the matching issues rather than
-- every issue of the repository. A quoted word matches wherever its text
-- appears, as `LIKE '%word%'` does, for words of three characters or more;
-- shorter words are still matched with LIKE.
--
-- An external-content table: it stores only the index and reads the text
-- from `issues`; the triggers keep the two in step.
CREATE VIRTUAL TABLE issue_search USING fts5(
    search_text,
    content = 'issues',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO issue_search (issue_search) VALUES ('rebuild');

CREATE TRIGGER issue_search_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issue_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER issue_search_delete AFTER DELETE ON issues BEGIN
    INSERT INTO issue_search (issue_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER issue_search_update AFTER UPDATE OF search_text ON issues BEGIN
    INSERT INTO issue_search (issue_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO issue_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

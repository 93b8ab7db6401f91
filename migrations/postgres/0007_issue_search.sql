-- A trigram index of the issues' search text (title, body and comments,
-- lowercased), which PostgreSQL uses for `search_text LIKE '%word%'` when
-- the word is rare enough to beat reading the issues in page order.
--
-- pg_trgm ships with PostgreSQL and is a trusted extension: the owner of
-- the forge's database may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX issues_search_trigram ON issues USING gin (search_text gin_trgm_ops);

-- A push made with a repository's deploy key has no user: the journal row
-- names the key (kept as its title too, so a push finished after the key
-- was deleted still says which key it was).
ALTER TABLE push_journal ADD COLUMN deploy_key_id BIGINT;
ALTER TABLE push_journal ADD COLUMN deploy_key_title TEXT;

-- The data behind the page benchmarks: bench/run's `pages` suite (SQLite,
-- through the release binary) and `cargo bench -p forge-tests --bench lists`
-- (SQLite and PostgreSQL). Both read this file, so both measure the same data.
--
-- It fills the repository named 'big' (which must exist, with its owner) with
-- 100,000 issues, 1,000 funding goals and 10,000 pledges from 1,009
-- organisations, with set-based SQL: one statement per table, seconds rather
-- than the minutes the domain functions would take. The data is for reading
-- pages only: pledges have no ledger entries.
--
-- Shape, chosen so that each page meets its worst case:
-- * issues 1..100,000, every third labelled "bug", every fifth closed,
-- * a goal on each of issues 1..1,000,
-- * organisations org1..org9 pledge on every goal (1,000 pledges each: the
--   organisation pledges page has ten pages),
-- * organisations org10..org1009 pledge on the goal of issue 1 (whose funding
--   panel then lists 1,009 pledges).
--
-- Readers split the file at semicolons, so no comment may hold one.

INSERT INTO issues (repo_id, number, title, body, author_id, is_closed, search_text, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
SELECT r.id, n.i, 'Issue number ' || n.i, 'Body of issue ' || n.i, r.owner_id,
       CASE WHEN n.i % 5 = 0 THEN 1 ELSE 0 END, 'issue number ' || n.i,
       1700000000000 + n.i, 1700000000000 + n.i
FROM n, repositories r WHERE r.name = 'big';

UPDATE repositories SET issue_seq = 100000, open_issues = 80000, closed_issues = 20000 WHERE name = 'big';

INSERT INTO labels (repo_id, name, lower_name, color, description)
SELECT id, 'bug', 'bug', '#d73a4a', '' FROM repositories WHERE name = 'big';

INSERT INTO issue_labels (issue_id, label_id)
SELECT i.id, l.id FROM issues i JOIN labels l ON l.repo_id = i.repo_id AND l.name = 'bug'
WHERE i.repo_id = (SELECT id FROM repositories WHERE name = 'big') AND i.number % 3 = 0;

INSERT INTO accounts (name, kind, full_name, created_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1009)
SELECT 'org' || n.i, 'org', 'Organisation ' || n.i, 1700000000000 FROM n;

INSERT INTO organisations (id, kind)
SELECT a.id, 'association' FROM accounts a
WHERE a.kind = 'org' AND NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = a.id);

INSERT INTO funding_goals (issue_id, repo_id, state, budget_minor, currency, acceptance, deadline_at,
                           review_days, min_funders, created_by, created_at, updated_at)
SELECT i.id, i.repo_id, 'open', 100000000000, 'EUR', 'The change is merged and documented.',
       4102444800000, 14, 1, i.author_id, 1700000000000, 1700000000000
FROM issues i
WHERE i.repo_id = (SELECT id FROM repositories WHERE name = 'big') AND i.number <= 1000;

INSERT INTO pledges (goal_id, org_id, amount_minor, currency, state, pledged_by, created_at, updated_at)
SELECT g.id, a.id, 5000 + g.id % 100, 'EUR', 'active', g.created_by, 1700000000000 + g.id, 1700000000000 + g.id
FROM funding_goals g
JOIN accounts a ON a.name IN ('org1', 'org2', 'org3', 'org4', 'org5', 'org6', 'org7', 'org8', 'org9')
WHERE g.repo_id = (SELECT id FROM repositories WHERE name = 'big');

INSERT INTO pledges (goal_id, org_id, amount_minor, currency, state, pledged_by, created_at, updated_at)
SELECT g.id, a.id, 1000 + a.id, 'EUR', 'active', g.created_by, 1700000001000, 1700000001000
FROM funding_goals g
JOIN issues i ON i.id = g.issue_id AND i.number = 1
JOIN accounts a ON a.kind = 'org' AND a.name LIKE 'org%'
  AND a.name NOT IN ('org1', 'org2', 'org3', 'org4', 'org5', 'org6', 'org7', 'org8', 'org9')
WHERE g.repo_id = (SELECT id FROM repositories WHERE name = 'big');

-- A live database keeps its planner statistics current (PostgreSQL's
-- autovacuum) but a database filled a second ago has none yet.
ANALYZE;

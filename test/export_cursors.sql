-- export_task_outputs read through cursors the way drivers read it, with
-- top-level DECLARE and FETCH: a holdable cursor (psycopg's withhold,
-- JDBC's HOLD_CURSORS_OVER_COMMIT) whose transaction commits after the
-- first FETCH, under fifty cursor names; ROLLBACK TO SAVEPOINT between
-- FETCHes, savepoints taken before and after the first one, then fetching
-- past 1,000 and 2,000 rows; SET TimeZone between FETCHes.  Every row
-- fetched equals what the same cursor over the obvious SQL fetches
-- (test/fixtures/obvious.psql).  Issue 10, item 3: the streaming export
-- kept an internal portal that did not live as long as the query driving
-- it, so COMMIT failed for some cursor names and rolled the whole
-- transaction back, a rolled-back savepoint broke the export 1,000 rows
-- later, and rows fetched after SET TimeZone came in the old zone.
--
-- Holdable cursors outlive their transaction, so this file commits (unlike
-- the others, which run in one transaction and roll it back): its data is
-- in organization X of its own, removed at the end.  FETCH output goes to
-- files of the client (psql's \g), read back into psql variables.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
SELECT plan(11);
-- pgTAP's state is in temporary tables of the session user
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/obvious.psql

\set org '07000000-0000-4000-8000-000000000007'
\set fe '0f000000-0000-4000-8000-0000000007a1'
\o /dev/null
-- what a run that was interrupted may have left
SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM task_outputs.audit_trail WHERE organization_id = :'org';
DELETE FROM task_outputs.outputs WHERE organization_id = :'org';
DELETE FROM task_outputs.flow_executions WHERE organization_id = :'org';
DELETE FROM task_outputs.organization_grants WHERE role_name = 'to_cursor_reader';
RESET session_replication_role;
DROP SCHEMA IF EXISTS xc CASCADE;
DROP ROLE IF EXISTS to_cursor_reader;
RESET client_min_messages;
-- 2,500 outputs, 25 of them soft-deleted, every 100th of 5 kB, the others
-- small; created_at in January (no daylight saving time in the zones
-- below), two outputs per instant
SET task_outputs.org_id = :'org';
SELECT task_outputs.create_flow_execution('cursors', :'fe');
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, summary, output, tags, created_at)
SELECT :'fe', 'step ' || g,
       CASE WHEN g % 100 = 42 THEN 'deleted' ELSE 'completed' END::task_outputs.task_output_status,
       jsonb_build_object('n', g),
       jsonb_build_object('n', g, 'pad', repeat(md5(g::text), CASE WHEN g % 100 = 0 THEN 160 ELSE 3 END),
                          'text', E'é "q" \\ ☃'),
       ARRAY['t' || g % 3],
       '2026-01-10 00:00:00+00'::timestamptz + (g / 2) * interval '1.5 s'
  FROM generate_series(1, 2500) g;
RESET task_outputs.org_id;
\o

CREATE ROLE to_cursor_reader IN ROLE task_outputs_reader;
SELECT task_outputs.grant_organization('to_cursor_reader', :'org') IS NULL AS granted \gset

-- the writes of the transactions that declare holdable cursors, and what
-- each cursor fetched after its COMMIT
CREATE SCHEMA xc;
GRANT USAGE ON SCHEMA xc TO PUBLIC;
CREATE TABLE xc.writes (name text);
CREATE TABLE xc.rests (name text, lines text[]);
GRANT SELECT, INSERT ON xc.writes, xc.rests TO to_cursor_reader;
CREATE TABLE xc.names (name text);
INSERT INTO xc.names
SELECT unnest(ARRAY['c', 'a', 'z', 'export', 'cursor', 'portal', 'SQL_CUR1', 'C_Ü',
                    '_psycopg_withhold', 'jdbc_hold_1'])
UNION ALL
SELECT 'cur_' || substr(md5(g::text), 1, 2 + g % 7) FROM generate_series(1, 40) g;
GRANT SELECT ON xc.names TO PUBLIC;

-- the rest of a cursor, fetched by name
CREATE FUNCTION xc.rest(name text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  cur refcursor := name;
  j json;
  lines text[] := '{}';
BEGIN
  LOOP
    FETCH cur INTO j;
    EXIT WHEN NOT FOUND;
    lines := lines || j::text;
  END LOOP;
  RETURN lines;
END $$;

SET ROLE to_cursor_reader;
SET task_outputs.org_id = :'org';
SET max_parallel_workers_per_gather = 0;

SELECT is(task_outputs.count_task_outputs(), 2475::bigint, 'the reader sees 2,475 outputs (25 soft-deleted hidden)');

\set dir `mktemp -d`
-- from here on an error must not stop the file: the checks report it
\set ON_ERROR_STOP 0

----------------------------------------------------------------------------
-- a holdable cursor: FETCH 2, COMMIT, FETCH the rest
----------------------------------------------------------------------------
BEGIN;
INSERT INTO xc.writes VALUES ('held');
DECLARE held CURSOR WITH HOLD FOR SELECT task_outputs.export_task_outputs();
FETCH 2 FROM held \g :dir/held_1
COMMIT;
FETCH ALL FROM held \g :dir/held_2
CLOSE held;
\set fetched `cat :dir/held_1 :dir/held_2`
SELECT ok(EXISTS (SELECT FROM xc.writes WHERE name = 'held'),
          'a holdable cursor over export_task_outputs() commits, and the write of its transaction survives');
SELECT obvious.same(:'fetched', array_to_string(obvious.lines(:'org'), E'\n'),
                    'its rows, fetched before and after the COMMIT, are the obvious SQL''s');

-- fifty cursor names: FETCH 2 (its rows not shown), COMMIT, fetch the rest
\o /dev/null
SELECT 'BEGIN',
       format('INSERT INTO xc.writes VALUES (%L)', name),
       format('DECLARE %I CURSOR WITH HOLD FOR SELECT task_outputs.export_task_outputs(include_output => false)', name),
       format('FETCH 2 FROM %I', name),
       'COMMIT',
       format('INSERT INTO xc.rests SELECT %L, xc.rest(%L)', name, name),
       format('CLOSE %I', name)
  FROM xc.names \gexec
\o
SELECT is((SELECT count(*) FROM xc.writes WHERE name IN (SELECT name FROM xc.names)), 50::bigint,
          'under each of 50 cursor names the transaction that declared a holdable export commits, with its write');
SELECT is((SELECT count(*) FROM xc.rests
            WHERE lines = (obvious.lines(:'org', io => false))[3:]), 50::bigint,
          'and after the COMMIT each cursor fetches the rest of the rows, equal to the obvious SQL''s');
SELECT diag('not committed or not equal under the cursor name ' || quote_ident(name))
  FROM xc.names n
 WHERE NOT EXISTS (SELECT FROM xc.rests r WHERE r.name = n.name AND r.lines = (obvious.lines(:'org', io => false))[3:]);

----------------------------------------------------------------------------
-- ROLLBACK TO SAVEPOINT between FETCHes, then past 1,000 and 2,000 rows;
-- first the same FETCHes of a cursor over the obvious SQL (PostgreSQL does
-- not roll back a cursor's position)
----------------------------------------------------------------------------
SELECT 'd' AS cur, 'to_json(r) FROM obvious.rows(' || quote_literal(:'org') || ') r' AS query \gset
\ir fixtures/savepoint_fetches.psql
SELECT obvious.same(:'fetched', array_to_string(obvious.lines(:'org'), E'\n'),
                    'a cursor over the obvious SQL keeps its position across ROLLBACK TO SAVEPOINT');
SELECT 's' AS cur, 'task_outputs.export_task_outputs()' AS query \gset
\ir fixtures/savepoint_fetches.psql
SELECT obvious.same(:'fetched', array_to_string(obvious.lines(:'org'), E'\n'),
                    'so does a cursor over export_task_outputs(), through savepoints rolled back before and after its first FETCH, past 1,000 and 2,000 rows');

----------------------------------------------------------------------------
-- SET TimeZone between FETCHes: in a select list a row is rendered when it
-- is fetched; in FROM, PostgreSQL runs a function to completion at the
-- first FETCH, so every row is rendered in the zone of then
----------------------------------------------------------------------------
BEGIN;
SET LOCAL TimeZone = 'UTC';
DECLARE c_sel CURSOR FOR SELECT task_outputs.export_task_outputs(include_output => false);
DECLARE d_sel CURSOR FOR SELECT to_json(r) FROM obvious.rows(:'org', io => false) r;
DECLARE c_from CURSOR FOR SELECT e FROM task_outputs.export_task_outputs(include_output => false) e;
DECLARE d_from CURSOR FOR SELECT e FROM obvious.export(:'org', io => false) e;
FETCH 2 FROM c_sel \g :dir/c_sel_1
FETCH 2 FROM d_sel \g :dir/d_sel_1
FETCH 2 FROM c_from \g :dir/c_from_1
FETCH 2 FROM d_from \g :dir/d_from_1
SET LOCAL TimeZone = 'Asia/Kathmandu';
FETCH 3 FROM c_sel \g :dir/c_sel_2
FETCH 3 FROM d_sel \g :dir/d_sel_2
FETCH 3 FROM c_from \g :dir/c_from_2
FETCH 3 FROM d_from \g :dir/d_from_2
SET LOCAL TimeZone = 'America/St_Johns';
FETCH 1200 FROM c_sel \g :dir/c_sel_3
FETCH 1200 FROM d_sel \g :dir/d_sel_3
FETCH 1200 FROM c_from \g :dir/c_from_3
FETCH 1200 FROM d_from \g :dir/d_from_3
COMMIT;
\set c_sel `cat :dir/c_sel_1 :dir/c_sel_2 :dir/c_sel_3`
\set d_sel `cat :dir/d_sel_1 :dir/d_sel_2 :dir/d_sel_3`
\set c_from `cat :dir/c_from_1 :dir/c_from_2 :dir/c_from_3`
\set d_from `cat :dir/d_from_1 :dir/d_from_2 :dir/d_from_3`
SELECT ok(split_part(:'d_sel', E'\n', 3) LIKE '%+05:45"%' AND split_part(:'d_sel', E'\n', 1200) LIKE '%-03:30"%',
          'to_json in a cursor''s select list renders each row in the zone of its FETCH');
SELECT ok(split_part(:'d_from', E'\n', 3) LIKE '%+00:00"%' AND split_part(:'d_from', E'\n', 1200) LIKE '%+00:00"%',
          'a SQL function in a cursor''s FROM renders every row at the first FETCH');
SELECT obvious.same(:'c_sel', :'d_sel',
                    'export_task_outputs() in a cursor''s select list: each row in the zone of its FETCH, as to_json renders it');
SELECT obvious.same(:'c_from', :'d_from',
                    'export_task_outputs() in a cursor''s FROM: the rows of the first FETCH, as a SQL function''s');

\set ON_ERROR_STOP 1
\set fetched ''
\set fetched_s ''
\set fetched_d ''
\set dir `rm -rf :dir`
RESET ROLE;
RESET task_outputs.org_id;
RESET max_parallel_workers_per_gather;
SELECT * FROM finish();

-- clean up: rows (triggers off, so no rule of the write path gets in the
-- way of removing test data), grants, roles, schemas
SET client_min_messages = warning;
\o /dev/null
SELECT task_outputs.revoke_organization('to_cursor_reader', :'org');
\o
SET session_replication_role = replica;
DELETE FROM task_outputs.audit_trail WHERE organization_id = :'org';
DELETE FROM task_outputs.outputs WHERE organization_id = :'org';
DELETE FROM task_outputs.flow_executions WHERE organization_id = :'org';
RESET session_replication_role;
DROP SCHEMA xc CASCADE;
DROP SCHEMA obvious CASCADE;
DROP ROLE to_cursor_reader;

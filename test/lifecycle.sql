-- The life of task outputs beyond single transitions, as the roles a user
-- would be: supersession, soft delete through the API and a plain DELETE,
-- restore, stale marking, the audit trail and its history, purge and its
-- dry run, and the SQLSTATE of each refusal.  Plain SQL is tried as roles
-- of the direct tier (alice, a writer; carol, an admin); what a non-admin
-- cannot see (soft-deleted rows, the trail) is checked through functions
-- of the table owner.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(49);
\ir fixtures/tenants.psql
\o /dev/null
CREATE ROLE to_carol IN ROLE task_outputs_admin, task_outputs_direct;
SELECT task_outputs.grant_organization('to_carol', '0a000000-0000-4000-8000-00000000000a');
CREATE SCHEMA lc;
GRANT USAGE ON SCHEMA lc TO PUBLIC;
CREATE FUNCTION lc.trail(output_id uuid) RETURNS text LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(string_agg(from_status || '>' || to_status || ' by ' || actor, ', ' ORDER BY changed_at, id), '')
    FROM task_outputs.audit_trail WHERE task_output_id = output_id $$;
CREATE FUNCTION lc.trail_total() RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FROM task_outputs.audit_trail $$;
-- an output's status and stamp, soft-deleted or not
CREATE FUNCTION lc.state(output_id uuid) RETURNS text LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT status::text || ' ' || last_modified_by FROM task_outputs.outputs WHERE id = output_id $$;
-- the statuses of a flow execution's outputs, soft-deleted ones included
CREATE FUNCTION lc.statuses(fe uuid) RETURNS TABLE (status text, n bigint) LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT status::text, count(*) FROM task_outputs.outputs WHERE flow_execution_id = fe GROUP BY status $$;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fa2', '0f000000-0000-4000-8000-0000000000a2');
SELECT task_outputs.create_flow_execution('fa3', '0f000000-0000-4000-8000-0000000000a3');
\o

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'worker-1';
CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid);
GRANT SELECT ON ids TO PUBLIC;

-- supersession
INSERT INTO ids SELECT 'first', id FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'report', '1');
INSERT INTO ids SELECT 'other fe', id FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a2', 'report', '1');
INSERT INTO ids SELECT 'other task', id FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'Report', '1');
SET LOCAL task_outputs.actor = 'worker-2';
INSERT INTO ids SELECT 'second', id FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'report', '2');
SELECT is((SELECT status::text FROM task_outputs.outputs JOIN ids USING (id) WHERE name = 'first'), 'stale',
          'a new completed output turns the earlier completed one of the same task stale');
SELECT is((SELECT last_modified_by FROM task_outputs.outputs JOIN ids USING (id) WHERE name = 'first'), 'worker-2',
          'the superseded output is stamped by the actor who superseded it');
SELECT is(lc.trail((SELECT id FROM ids WHERE name = 'first')), 'completed>stale by worker-2',
          'and its supersession is in the trail');
SELECT is((SELECT array_agg(status::text ORDER BY name) FROM task_outputs.outputs JOIN ids USING (id)
            WHERE name IN ('other fe', 'other task', 'second')), '{completed,completed,completed}',
          'another flow execution, another (case-sensitive) task name and the new output stay completed');
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, output) VALUES ('0f000000-0000-4000-8000-0000000000a1', 'report', '3');
SELECT is((SELECT array_agg(output::text || ' ' || status ORDER BY output::text) FROM task_outputs.outputs
            WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000000a1' AND task_name = 'report'),
          '{"1 stale","2 stale","3 completed"}', 'a plain INSERT supersedes too');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'report', '4', status => 'failed');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'report', '5', status => 'running');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE task_name = 'report' AND status = 'completed'
             AND flow_execution_id = '0f000000-0000-4000-8000-0000000000a1'), 1::bigint,
          'failed and running outputs supersede nothing');
UPDATE task_outputs.outputs SET status = 'completed' WHERE task_name = 'report' AND output = '2';
SELECT is((SELECT array_agg(output::text || ' ' || status ORDER BY output::text) FROM task_outputs.outputs
            WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000000a1' AND task_name = 'report'),
          '{"1 stale","2 completed","3 stale","4 failed","5 running"}',
          'refreshing a stale output (stale -> completed) supersedes the current one');
UPDATE task_outputs.outputs SET status = 'completed' WHERE task_name = 'report' AND output = '5';
SELECT is((SELECT array_agg(output::text || ' ' || status ORDER BY output::text) FROM task_outputs.outputs
            WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000000a1' AND task_name = 'report'),
          '{"1 stale","2 stale","3 stale","4 failed","5 completed"}',
          'so does running -> completed');
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, output)
SELECT '0f000000-0000-4000-8000-0000000000a2', 'bulk', to_jsonb(g) FROM generate_series(1, 50) g;
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE task_name = 'bulk' AND status = 'completed'), 1::bigint,
          'one INSERT of 50 completed outputs of one task leaves exactly one completed');
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, output)
SELECT CASE WHEN g % 2 = 0 THEN '0f000000-0000-4000-8000-0000000000a1'::uuid ELSE '0f000000-0000-4000-8000-0000000000a3' END,
       'mix ' || g % 7, to_jsonb(g)
  FROM generate_series(1, 200) g;
SELECT is((SELECT array_agg((output #>> '{}')::int ORDER BY (output #>> '{}')::int) FROM task_outputs.outputs
            WHERE task_name LIKE 'mix %' AND status = 'completed'),
          (SELECT array_agg(last ORDER BY last) FROM (SELECT max(g) AS last FROM generate_series(1, 200) g GROUP BY g % 2, g % 7) t),
          'one INSERT over two flow executions and seven tasks leaves the last output of each task completed');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE task_name LIKE 'mix %' AND status = 'stale'), 186::bigint,
          'and every other one stale');

-- soft delete
SET LOCAL task_outputs.actor = 'cleaner';
SELECT is((task_outputs.delete_task_output((SELECT id FROM ids WHERE name = 'other task'))).status::text, 'deleted',
          'delete_task_output returns the output, deleted');
SELECT is(json_array_length(task_outputs.list_task_outputs(task_name => 'Report')), 0,
          'a deleted output is hidden from the list');
SELECT throws_ok($$UPDATE task_outputs.outputs SET status = 'deleted' WHERE id = (SELECT id FROM ids WHERE name = 'other fe')$$,
                 '42501', 'new row violates row-level security policy for table "outputs"',
                 'a non-admin cannot soft-delete with a plain UPDATE (the new row would be hidden from her)');
WITH d AS (DELETE FROM task_outputs.outputs WHERE id = (SELECT id FROM ids WHERE name = 'other fe') RETURNING 1)
SELECT is(count(*), 0::bigint, 'a plain DELETE returns no row: none is destroyed') FROM d;
SELECT is(lc.state((SELECT id FROM ids WHERE name = 'other fe')), 'deleted cleaner',
          'a plain DELETE keeps the row, soft-deleted and stamped');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE id = (SELECT id FROM ids WHERE name = 'other fe')), 0::bigint,
          'and hides it from her plain SELECT');
SELECT is(lc.trail((SELECT id FROM ids WHERE name = 'other fe')), 'completed>deleted by cleaner',
          'and records the soft delete in the trail');
DELETE FROM task_outputs.outputs WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000000a2';
SELECT is((SELECT sum(n) FROM lc.statuses('0f000000-0000-4000-8000-0000000000a2')),
          51::numeric, 'a DELETE of many rows destroys none of them');
SELECT is((SELECT array_agg(status) FROM lc.statuses('0f000000-0000-4000-8000-0000000000a2')), '{deleted}',
          'it soft-deletes them all (already deleted ones included, unchanged)');
SELECT is(lc.trail((SELECT id FROM ids WHERE name = 'other fe')), 'completed>deleted by cleaner',
          'a deleted output deleted again gets no second trail entry');

-- restore: admins only
SELECT throws_ok($$SELECT task_outputs.restore_task_output((SELECT id FROM ids WHERE name = 'other task'))$$,
                 '42501', NULL, 'a writer cannot call restore_task_output');
WITH u AS (UPDATE task_outputs.outputs SET status = 'completed'
            WHERE id = (SELECT id FROM ids WHERE name = 'other task') RETURNING 1)
SELECT is(count(*), 0::bigint, 'nor restore with a plain UPDATE: the deleted row is not hers to see, nothing is updated')
  FROM u;
SELECT is(lc.state((SELECT id FROM ids WHERE name = 'other task')), 'deleted cleaner',
          'and it stays deleted');
SELECT throws_ok($$SELECT task_outputs.task_output_history((SELECT id FROM ids WHERE name = 'other task'))$$,
                 '42501', NULL, 'a writer cannot read the history');
SELECT throws_ok($$SELECT task_outputs.purge_task_outputs('0')$$, '42501', NULL, 'a writer cannot purge');
SELECT is((SELECT count(*) FROM task_outputs.audit_trail), 0::bigint,
          'a writer cannot read the trail: her plain SELECT of it shows nothing');
SELECT throws_ok($$DELETE FROM task_outputs.audit_trail$$, '42501', NULL, 'a writer cannot delete from the trail');

RESET ROLE;
SET LOCAL ROLE to_carol;
SET LOCAL task_outputs.actor = 'admin-console';
SELECT is((task_outputs.restore_task_output((SELECT id FROM ids WHERE name = 'other task'))).status::text, 'completed',
          'an admin restores a deleted output to the status it had');
SELECT is((SELECT last_modified_by FROM task_outputs.outputs WHERE id = (SELECT id FROM ids WHERE name = 'other task')),
          'admin-console', 'the restore is stamped');
SELECT is(json_array_length(task_outputs.list_task_outputs(task_name => 'Report')), 1,
          'the restored output is listed again');
SELECT throws_ok($$SELECT task_outputs.restore_task_output((SELECT id FROM ids WHERE name = 'other task'))$$,
                 'PT409', 'task output is not deleted', 'restoring an output that is not deleted is PT409');
SELECT throws_ok($$UPDATE task_outputs.outputs SET status = 'stale' WHERE id = (SELECT id FROM ids WHERE name = 'other fe')$$,
                 'PT409', 'invalid status transition for a task output',
                 'leaving deleted for another status than the previous one is PT409, for admins too');

-- history
SELECT is((SELECT json_agg(json_build_array(e->'task_output_id', e->'from_status', e->'to_status', e->'actor'))::text
             FROM json_array_elements(task_outputs.task_output_history((SELECT id FROM ids WHERE name = 'other task'))) e),
          (SELECT json_agg(json_build_array(id, f, t, a))::text FROM ids,
                  (VALUES (1, 'completed', 'deleted', 'cleaner'), (2, 'deleted', 'completed', 'admin-console')) v(n, f, t, a)
            WHERE name = 'other task'),
          'task_output_history: the trail of one output, oldest first');
SELECT is((SELECT array_agg(k ORDER BY k) FROM json_object_keys(task_outputs.task_output_history((SELECT id FROM ids WHERE name = 'other task'))->0) k),
          '{actor,changed_at,from_status,id,task_output_id,to_status}', 'each entry has exactly these keys');
SELECT is(task_outputs.task_output_history((SELECT id FROM task_outputs.outputs WHERE task_name = 'report' AND output = '4'))::text, '[]',
          'an output that never changed has an empty history');
SELECT throws_ok($$SELECT task_outputs.task_output_history('01000000-0000-7000-8000-0000000000b1')$$,
                 'PT404', 'task output not found', 'another tenant''s output has no history here: PT404');
SELECT throws_ok($$SELECT task_outputs.task_output_history('01000000-0000-7000-8000-0000000000ff')$$,
                 'PT404', 'task output not found', 'an unknown output: the same PT404');

-- mark_stale
SELECT is(task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000a1', 'report'), 2::bigint,
          'mark_stale(fe, task) turns the completed and failed outputs of the task stale');
SELECT is(task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000a1'),
          (SELECT count(*) FROM task_outputs.outputs WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000000a1'
              AND status IN ('completed', 'failed')),
          'mark_stale(fe) turns every completed and failed output of the flow execution stale');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000000a1'
              AND status IN ('completed', 'failed')), 0::bigint, 'none is left');
SELECT throws_ok($$SELECT task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000b1')$$,
                 'PT404', 'flow execution not found', 'mark_stale of another tenant''s flow execution is PT404');

-- purge: deletions older than the interval go, with their trail
RESET ROLE;
SET LOCAL session_replication_role = replica;   -- age the deletions (triggers off)
UPDATE task_outputs.outputs SET updated_at = now() - interval '40 days'
 WHERE status = 'deleted' AND flow_execution_id = '0f000000-0000-4000-8000-0000000000a2' AND task_name = 'bulk';
SET LOCAL session_replication_role = origin;
SET LOCAL ROLE to_carol;
CREATE TEMP TABLE counts AS
SELECT (SELECT count(*) FROM task_outputs.outputs) AS outputs, lc.trail_total() AS trail,
       (SELECT count(*) FROM task_outputs.audit_trail a JOIN task_outputs.outputs o ON o.id = a.task_output_id
         WHERE o.task_name = 'bulk') AS bulk_trail;
SELECT is(task_outputs.purge_task_outputs('30 days', dry_run => true), 50::bigint,
          'a dry run counts the outputs deleted more than 30 days ago');
SELECT is((SELECT count(*) FROM task_outputs.outputs), (SELECT outputs FROM counts), 'and deletes nothing');
SELECT is(task_outputs.purge_task_outputs('30 days'), 50::bigint, 'purge deletes them');
SELECT is((SELECT count(*) FROM task_outputs.outputs), (SELECT outputs - 50 FROM counts),
          'exactly them: newer deletions and live outputs stay');
SELECT is(lc.trail_total(), (SELECT trail - bulk_trail FROM counts), 'their trail goes with them, and only theirs');
SELECT is(task_outputs.purge_task_outputs('30 days'), 0::bigint, 'a second purge finds nothing');
RESET ROLE;
SET LOCAL ROLE to_bob;
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT is((SELECT count(*) FROM task_outputs.outputs), 2::bigint, 'another organization''s outputs are untouched');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

-- test/citus/plain_sql.sql -- plain SQL on the tables, by the trusted
-- tier, logged in as to_c_admin (an administrator of organization A and
-- of task_outputs_direct).  tools/citus-test.sh runs it on a single node
-- and on the coordinator of a distributed install (psql variable
-- "distributed"), where plain SQL carries its organization and actor to
-- the workers only as SET LOCAL with citus.propagate_set_commands =
-- 'local' (a placeholder setting on one node), names organization_id in
-- its INSERTs, and inserts rows with VALUES: what the README says.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\if :{?distributed}
\else
\set distributed false
\endif
BEGIN;
SELECT plan(CASE WHEN :distributed THEN 12 ELSE 8 END);

\if :distributed
-- the organization set in this session only, without propagation
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT throws_ok($$SELECT count(*) FROM task_outputs.outputs$$, '42501',
                 'no organization is set for this session',
                 'plain SQL whose organization does not reach the workers is an error, not an empty result');
SELECT throws_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
                   VALUES ('0f000000-0000-4000-8000-0000000000a1', '0a000000-0000-4000-8000-00000000000a', 'lost')$$,
                 '42501', 'no organization is set for this session',
                 'also for a write');
\endif

SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'etl-job';
SELECT cmp_ok((SELECT count(*) FROM task_outputs.outputs WHERE status <> 'deleted'), '>', 600::bigint,
              'its organization''s rows, through row-level security on each node');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE organization_id <> '0a000000-0000-4000-8000-00000000000a'),
          0::bigint, 'and no other organization''s');
SELECT lives_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name, summary, tags)
                  VALUES ('0f000000-0000-4000-8000-0000000000a1', '0a000000-0000-4000-8000-00000000000a', 'load_1', '{"batch": 1}', '{etl}'),
                         ('0f000000-0000-4000-8000-0000000000a1', '0a000000-0000-4000-8000-00000000000a', 'load_2', '{"batch": 2}', '{etl}')$$,
                'it inserts rows, naming their organization');
SELECT is((SELECT array_agg(task_name || ' ' || status || ' by ' || last_modified_by ORDER BY task_name)
             FROM task_outputs.outputs WHERE tags @> '{etl}'),
          ARRAY['load_1 completed by etl-job', 'load_2 completed by etl-job'],
          'the triggers stamp them with its actor');
SELECT lives_ok($$UPDATE task_outputs.outputs SET status = 'stale'
                   WHERE organization_id = '0a000000-0000-4000-8000-00000000000a' AND task_name = 'load_1'$$,
                'it changes a status');
SELECT lives_ok($$DELETE FROM task_outputs.outputs
                   WHERE organization_id = '0a000000-0000-4000-8000-00000000000a' AND task_name = 'load_2'$$,
                'it deletes a row');
SELECT is((SELECT array_agg(task_name || ' ' || status ORDER BY task_name)
             FROM task_outputs.outputs WHERE tags @> '{etl}'),
          ARRAY['load_1 stale', 'load_2 deleted'],
          'the change is checked by the status rules and the delete is soft');
SELECT throws_ok($$UPDATE task_outputs.outputs SET status = 'queued'
                    WHERE organization_id = '0a000000-0000-4000-8000-00000000000a' AND task_name = 'load_1'$$,
                 'PT409', NULL, 'a transition the rules refuse is refused');

\if :distributed
SELECT throws_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, task_name)
                   VALUES ('0f000000-0000-4000-8000-0000000000a1', 'no organization')$$,
                 NULL, NULL,
                 'an INSERT that does not name organization_id cannot be routed');
SELECT throws_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
                   SELECT '0f000000-0000-4000-8000-0000000000a1', '0a000000-0000-4000-8000-00000000000a', 'copied ' || n
                     FROM generate_series(1, 2) n$$,
                 '0A000', NULL,
                 'INSERT ... SELECT from the coordinator is copied with COPY, which row-level security refuses: INSERT ... VALUES instead');
\endif

SELECT * FROM finish();
ROLLBACK;

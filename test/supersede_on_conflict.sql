-- A worker's idempotent retry, INSERT ... ON CONFLICT, of an output that is
-- already recorded: DO NOTHING changes nothing (the current output stays
-- current, no audit entry), DO UPDATE updates the row it conflicts with;
-- an INSERT ... ON CONFLICT that does insert a completed output still
-- supersedes the current one.  Issue 10, item 4: supersession ran before
-- the row was known to be inserted, so the retry turned the current output
-- stale (the task was left with none, the trail said completed -> stale)
-- and DO UPDATE failed with 21000.
--
-- Plain SQL on the tables is the direct tier's (task_outputs_direct, with
-- the writer's role and its organization granted).  Where that role does
-- not exist yet (0.1.0), writers held table privileges themselves and the
-- worker is a writer only.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(10);
\ir fixtures/tenants.psql
\o /dev/null
CREATE ROLE to_worker IN ROLE task_outputs_writer;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'task_outputs_direct') THEN
    GRANT task_outputs_direct TO to_worker;
  END IF;
END $$;
SELECT task_outputs.grant_organization('to_worker', '0a000000-0000-4000-8000-00000000000a');

-- the audit trail of one output, and its size, read as the superuser
CREATE SCHEMA oc;
GRANT USAGE ON SCHEMA oc TO PUBLIC;
CREATE FUNCTION oc.trail(output_id uuid) RETURNS text LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(string_agg(from_status || '>' || to_status, ', ' ORDER BY changed_at, id), '')
    FROM task_outputs.audit_trail WHERE task_output_id = output_id $$;
CREATE FUNCTION oc.trail_total() RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FROM task_outputs.audit_trail $$;
-- the statuses of a task's outputs, oldest first
CREATE FUNCTION oc.statuses(task text) RETURNS text LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT string_agg(status::text, ',' ORDER BY created_at, id)
    FROM task_outputs.outputs
   WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000004a1' AND task_name = task $$;

SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('retries', '0f000000-0000-4000-8000-0000000004a1');
RESET task_outputs.org_id;
\o

SET LOCAL ROLE to_worker;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'worker-1';

-- the first attempt, then a newer output of the task: the first is stale
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
VALUES ('01000000-0000-7000-8000-0000000004a1', '0f000000-0000-4000-8000-0000000004a1', 'report', '1', '2026-01-01');
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
VALUES ('01000000-0000-7000-8000-0000000004a2', '0f000000-0000-4000-8000-0000000004a1', 'report', '2', '2026-01-02');
SELECT is(oc.statuses('report'), 'stale,completed', 'a task with a stale output and a current one');
SELECT oc.trail_total() AS trail_before \gset

-- the worker retries the current output: nothing to do
WITH ins AS (
  INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
  VALUES ('01000000-0000-7000-8000-0000000004a2', '0f000000-0000-4000-8000-0000000004a1', 'report', '2', '2026-01-02')
  ON CONFLICT DO NOTHING RETURNING 1)
SELECT is(count(*), 0::bigint, 'INSERT ... ON CONFLICT DO NOTHING of the output already recorded inserts nothing')
  FROM ins;
SELECT is(oc.statuses('report'), 'stale,completed', 'and the current output stays current');
SELECT is(oc.trail_total() - :trail_before, 0::bigint, 'and no audit entry is written');
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
VALUES ('01000000-0000-7000-8000-0000000004a2', '0f000000-0000-4000-8000-0000000004a1', 'report', '2', '2026-01-02')
ON CONFLICT (organization_id, id) DO NOTHING;
SELECT ok(oc.statuses('report') = 'stale,completed' AND oc.trail_total() = :trail_before,
          'the same with the conflict target (organization_id, id): nothing changes');

-- DO UPDATE, on another task: the retry brings a new summary
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
VALUES ('01000000-0000-7000-8000-0000000004b1', '0f000000-0000-4000-8000-0000000004a1', 'digest', '1', '2026-01-01'),
       ('01000000-0000-7000-8000-0000000004b2', '0f000000-0000-4000-8000-0000000004a1', 'digest', '2', '2026-01-02');
SELECT lives_ok($$INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, summary, created_at)
                  VALUES ('01000000-0000-7000-8000-0000000004b2', '0f000000-0000-4000-8000-0000000004a1', 'digest', '2',
                          '{"attempt": 2}', '2026-01-02')
                  ON CONFLICT (organization_id, id) DO UPDATE SET summary = EXCLUDED.summary$$,
                'INSERT ... ON CONFLICT (organization_id, id) DO UPDATE SET summary = EXCLUDED.summary of the current output runs');
SELECT ok((SELECT summary = '{"attempt": 2}' AND status = 'completed' FROM task_outputs.task_outputs(task_name => 'digest')
            WHERE id = '01000000-0000-7000-8000-0000000004b2')
          AND oc.statuses('digest') = 'stale,completed'
          AND oc.trail('01000000-0000-7000-8000-0000000004b2') = '',
          'it updates the summary of the current output, which stays current, with no audit entry');

-- an INSERT ... ON CONFLICT that does insert a completed output supersedes
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
VALUES ('01000000-0000-7000-8000-0000000004a3', '0f000000-0000-4000-8000-0000000004a1', 'report', '3', '2026-01-03')
ON CONFLICT DO NOTHING;
SELECT ok(oc.statuses('report') = 'stale,stale,completed'
          AND oc.trail('01000000-0000-7000-8000-0000000004a2') = 'completed>stale',
          'a new completed output inserted with ON CONFLICT DO NOTHING supersedes the current one, audited');

-- one statement: a retry of the current output and a new one
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output, created_at)
VALUES ('01000000-0000-7000-8000-0000000004a3', '0f000000-0000-4000-8000-0000000004a1', 'report', '3', '2026-01-03'),
       ('01000000-0000-7000-8000-0000000004a4', '0f000000-0000-4000-8000-0000000004a1', 'report', '4', '2026-01-04')
ON CONFLICT DO NOTHING;
SELECT is(oc.statuses('report'), 'stale,stale,stale,completed',
          'a retry and a new output in one statement: the new one is current, the retried one superseded');
SELECT is(oc.trail('01000000-0000-7000-8000-0000000004a3'), 'completed>stale',
          'and the retried one was superseded once, audited once');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

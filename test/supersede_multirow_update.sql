-- One UPDATE that completes a stale output of a task and also changes the
-- task's current (completed) output, whatever the physical order of the
-- two rows: it succeeds, the output it completed is the only completed one
-- of the task, and the trail records completed -> stale for the other.
-- Both orders are made to happen: the rows are inserted in one order or
-- the other by one INSERT, the UPDATE reads them with a sequential scan
-- (physical order), and the order is checked before each UPDATE.  Issue
-- 10, item 5: depending on that order the UPDATE failed with 27000 ("tuple
-- to be updated was already modified by an operation triggered by the
-- current command").
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
SELECT plan(12);
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

CREATE SCHEMA mu;
GRANT USAGE ON SCHEMA mu TO PUBLIC;
CREATE FUNCTION mu.trail(output_id uuid) RETURNS text LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(string_agg(from_status || '>' || to_status, ', ' ORDER BY changed_at, id), '')
    FROM task_outputs.audit_trail WHERE task_output_id = output_id $$;
-- the ids of a task's completed outputs
CREATE FUNCTION mu.completed(task text) RETURNS uuid[] LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(id ORDER BY id), '{}')
    FROM task_outputs.outputs
   WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000005b1' AND task_name = task AND status = 'completed' $$;
-- whether output a lies before output b in the table
CREATE FUNCTION mu.before(a uuid, b uuid) RETURNS boolean LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT (SELECT ctid FROM task_outputs.outputs WHERE id = a) < (SELECT ctid FROM task_outputs.outputs WHERE id = b) $$;

SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('updates', '0f000000-0000-4000-8000-0000000005b1');
RESET task_outputs.org_id;
\o

SET LOCAL ROLE to_worker;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'worker-1';
-- a sequential scan reads the rows in their physical order
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;

-- Each task has a stale output and a current one; in the "forward" tasks
-- the stale one lies first, in the "reverse" tasks the current one.
\set f1_stale '01000000-0000-7000-8000-000000005100'
\set f1_current '01000000-0000-7000-8000-000000005101'
\set r1_stale '01000000-0000-7000-8000-000000005110'
\set r1_current '01000000-0000-7000-8000-000000005111'
\set f2_stale '01000000-0000-7000-8000-000000005120'
\set f2_current '01000000-0000-7000-8000-000000005121'
\set r2_stale '01000000-0000-7000-8000-000000005130'
\set r2_current '01000000-0000-7000-8000-000000005131'
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, status, output, created_at)
VALUES (:'f1_stale', '0f000000-0000-4000-8000-0000000005b1', 'forward', 'stale', '1', '2026-01-01'),
       (:'f1_current', '0f000000-0000-4000-8000-0000000005b1', 'forward', 'completed', '2', '2026-01-02'),
       (:'r1_current', '0f000000-0000-4000-8000-0000000005b1', 'reverse', 'completed', '2', '2026-01-02'),
       (:'r1_stale', '0f000000-0000-4000-8000-0000000005b1', 'reverse', 'stale', '1', '2026-01-01'),
       (:'f2_stale', '0f000000-0000-4000-8000-0000000005b1', 'forward 2', 'stale', '1', '2026-01-01'),
       (:'f2_current', '0f000000-0000-4000-8000-0000000005b1', 'forward 2', 'completed', '2', '2026-01-02'),
       (:'r2_current', '0f000000-0000-4000-8000-0000000005b1', 'reverse 2', 'completed', '2', '2026-01-02'),
       (:'r2_stale', '0f000000-0000-4000-8000-0000000005b1', 'reverse 2', 'stale', '1', '2026-01-01');

-- The UPDATE of tasks: complete the outputs "completing", add a tag to every output.
CREATE FUNCTION pg_temp.complete_and_touch(tasks text[], completing uuid[]) RETURNS text LANGUAGE sql AS $$
  SELECT format($u$UPDATE task_outputs.outputs
                      SET status = CASE WHEN id = ANY (%L::uuid[]) THEN 'completed'::task_outputs.task_output_status
                                        ELSE status END,
                          tags = tags || '{touched}'::text[]
                    WHERE flow_execution_id = '0f000000-0000-4000-8000-0000000005b1'
                      AND task_name = ANY (%L::text[])$u$, completing, tasks) $$;
-- The trails of a task's two outputs, and whether both carry the tag.
CREATE FUNCTION pg_temp.after_update(stale uuid, current uuid) RETURNS boolean LANGUAGE sql AS $$
  SELECT mu.trail(stale) = 'stale>completed' AND mu.trail(current) = 'completed>stale'
     AND (SELECT count(*) FROM task_outputs.task_outputs(tags => '{touched}') WHERE id IN (stale, current)) = 2 $$;

-- the stale output first
SELECT ok(mu.before(:'f1_stale', :'f1_current'), 'forward: the stale output lies before the current one');
SELECT lives_ok(pg_temp.complete_and_touch('{forward}', ARRAY[:'f1_stale'::uuid]),
                'forward: one UPDATE completes the stale output and changes the current one');
SELECT is(mu.completed('forward'), ARRAY[:'f1_stale'::uuid],
          'forward: the output it completed is the only completed one of the task');
SELECT ok(pg_temp.after_update(:'f1_stale', :'f1_current'),
          'forward: the trail says stale -> completed and completed -> stale, and both rows were changed');

-- the current output first
SELECT ok(mu.before(:'r1_current', :'r1_stale'), 'reverse: the current output lies before the stale one');
SELECT lives_ok(pg_temp.complete_and_touch('{reverse}', ARRAY[:'r1_stale'::uuid]),
                'reverse: one UPDATE completes the stale output and changes the current one');
SELECT is(mu.completed('reverse'), ARRAY[:'r1_stale'::uuid],
          'reverse: the output it completed is the only completed one of the task');
SELECT ok(pg_temp.after_update(:'r1_stale', :'r1_current'),
          'reverse: the trail says stale -> completed and completed -> stale, and both rows were changed');

-- both orders in one statement
SELECT ok(mu.before(:'f2_stale', :'f2_current') AND mu.before(:'f2_current', :'r2_current')
          AND mu.before(:'r2_current', :'r2_stale'),
          'two tasks, one in each order');
SELECT lives_ok(pg_temp.complete_and_touch('{forward 2,reverse 2}', ARRAY[:'f2_stale', :'r2_stale']::uuid[]),
                'one UPDATE over both tasks completes both stale outputs and changes both current ones');
SELECT ok(mu.completed('forward 2') = ARRAY[:'f2_stale'::uuid] AND mu.completed('reverse 2') = ARRAY[:'r2_stale'::uuid],
          'each task''s only completed output is the one the statement completed');
SELECT ok(pg_temp.after_update(:'f2_stale', :'f2_current') AND pg_temp.after_update(:'r2_stale', :'r2_current'),
          'and each trail records completed -> stale for the other');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

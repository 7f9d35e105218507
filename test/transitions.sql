-- The transition table of the status rules, every (from, to) pair of the
-- six statuses, through plain SQL (as roles of the direct tier) and through
-- set_task_output_status, as a writer and (for leaving "deleted") as an
-- admin.  The expected outcome is the spec's table written again in SQL,
-- independently of the C one, with what row-level security adds: a
-- soft-deleted output is not visible to a non-admin (set_task_output_status
-- is PT404, a plain UPDATE matches no row), and a non-admin's plain UPDATE
-- to deleted is refused by the policy (a new row she could not see; plain
-- SQL soft-deletes with DELETE).  Every outcome is checked whole: an
-- accepted change is stamped and has exactly one trail entry; a rejected
-- one changes nothing, stamps nothing and leaves no trail entry.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
-- every (from, to) pair as a writer, twice; the pairs from deleted as an admin, twice
SELECT plan(2 * n * n + 2 * n)
  FROM (SELECT cardinality(enum_range(NULL::task_outputs.task_output_status)) AS n) statuses;
\ir fixtures/tenants.psql
\o /dev/null

CREATE ROLE to_carol IN ROLE task_outputs_admin, task_outputs_direct;
SELECT task_outputs.grant_organization('to_carol', '0a000000-0000-4000-8000-00000000000a');
CREATE SCHEMA lc;
GRANT USAGE ON SCHEMA lc TO PUBLIC;

-- the spec's table, as data
CREATE FUNCTION lc.expected(f task_outputs.task_output_status, t task_outputs.task_output_status,
                            admin boolean, via text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN f = 'deleted' AND NOT admin THEN CASE WHEN via = 'sql' THEN 'no row' ELSE 'PT404' END
    WHEN f <> 'deleted' AND t = 'deleted' AND NOT admin AND via = 'sql' THEN '42501'
    WHEN f = t AND f <> 'deleted' THEN 'ok'
    WHEN f = 'deleted' AND t = 'completed' THEN 'ok'
    WHEN (f::text, t::text) IN (('queued', 'running'), ('queued', 'failed'), ('queued', 'deleted'),
                                ('running', 'completed'), ('running', 'failed'), ('running', 'deleted'),
                                ('completed', 'stale'), ('completed', 'deleted'),
                                ('failed', 'queued'), ('failed', 'stale'), ('failed', 'deleted'),
                                ('stale', 'completed'), ('stale', 'deleted')) THEN 'ok'
    ELSE 'PT409'
  END $$;

-- the trail is not readable by writers: count it as its owner
CREATE FUNCTION lc.trail_count(output_id uuid) RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FROM task_outputs.audit_trail WHERE task_output_id = output_id $$;
-- nor are soft-deleted outputs: read an output's state as its owner
CREATE FUNCTION lc.state(output_id uuid, OUT status task_outputs.task_output_status, OUT last_modified_by text)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT status, last_modified_by FROM task_outputs.outputs WHERE id = output_id $$;

-- Create an output in status f (a deleted one was completed before, and
-- soft-deleted with a plain DELETE), try to move it to t, and say what
-- happened: 'ok', 'no row' (a plain UPDATE that matched nothing), or the
-- SQLSTATE; with what went wrong appended when the outcome is not whole.
CREATE FUNCTION lc.try_transition(f task_outputs.task_output_status, t task_outputs.task_output_status,
                                  via text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  oid uuid;
  outcome text := 'ok';
  trail_before bigint;
  updated bigint;
  r record;
BEGIN
  PERFORM set_config('task_outputs.actor', 'setup', true);
  INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status)
  VALUES ('0f000000-0000-4000-8000-0000000000a1', format('%s %s %s %s', f, t, via, current_user),
          CASE WHEN f = 'deleted' THEN 'completed' ELSE f END)
  RETURNING id INTO oid;
  IF f = 'deleted' THEN
    DELETE FROM task_outputs.outputs WHERE id = oid;
  END IF;
  IF (lc.state(oid)).status <> f THEN
    RETURN 'setup failed: status is ' || (lc.state(oid)).status;
  END IF;
  trail_before := lc.trail_count(oid);

  PERFORM set_config('task_outputs.actor', 'mover', true);
  BEGIN
    IF via = 'sql' THEN
      UPDATE task_outputs.outputs SET status = t WHERE id = oid;
      GET DIAGNOSTICS updated = ROW_COUNT;
      IF updated = 0 THEN
        outcome := 'no row';
      END IF;
    ELSE
      PERFORM task_outputs.set_task_output_status(oid, t);
    END IF;
  EXCEPTION WHEN OTHERS THEN
    outcome := SQLSTATE;
  END;

  r := lc.state(oid);
  IF outcome = 'ok' THEN
    IF r.status <> t THEN RETURN 'ok but status is ' || r.status; END IF;
    IF r.last_modified_by <> 'mover' THEN RETURN 'ok but not stamped'; END IF;
    IF lc.trail_count(oid) <> trail_before + (f <> t)::int THEN RETURN 'ok but trail is wrong'; END IF;
  ELSE
    IF r.status <> f THEN RETURN outcome || ' but status is ' || r.status; END IF;
    IF r.last_modified_by <> 'setup' THEN RETURN outcome || ' but stamped'; END IF;
    IF lc.trail_count(oid) <> trail_before THEN RETURN outcome || ' but trail entry written'; END IF;
  END IF;
  RETURN outcome;
END $$;

CREATE TABLE lc.pairs AS
SELECT f, t FROM unnest(enum_range(NULL::task_outputs.task_output_status)) f,
                 unnest(enum_range(NULL::task_outputs.task_output_status)) t;
GRANT SELECT ON lc.pairs TO PUBLIC;
\o

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT is(lc.try_transition(f, t, 'sql'), lc.expected(f, t, false, 'sql'),
          format('writer, plain UPDATE: %s -> %s', f, t))
  FROM lc.pairs ORDER BY f, t;
SELECT is(lc.try_transition(f, t, 'api'), lc.expected(f, t, false, 'api'),
          format('writer, set_task_output_status: %s -> %s', f, t))
  FROM lc.pairs ORDER BY f, t;

RESET ROLE;
SET LOCAL ROLE to_carol;
SELECT is(lc.try_transition(f, t, 'sql'), lc.expected(f, t, true, 'sql'),
          format('admin, plain UPDATE: %s -> %s', f, t))
  FROM lc.pairs WHERE f = 'deleted' ORDER BY f, t;
SELECT is(lc.try_transition(f, t, 'api'), lc.expected(f, t, true, 'api'),
          format('admin, set_task_output_status: %s -> %s', f, t))
  FROM lc.pairs WHERE f = 'deleted' ORDER BY f, t;

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

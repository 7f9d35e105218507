-- A hostile tenant and the planner.  Statistics are gathered over every
-- tenant's rows, leakproof operators use them, and EXPLAIN prints the
-- estimates: by bisection on a WHERE of a table (organization_id,
-- task_name, last_modified_by) a tenant could learn another's ids, counts,
-- task names and users without a row returned; EXPLAIN ANALYZE shows the
-- volume.  The roles a tenant gets (reader, writer, admin, also as a
-- database owner) and a gateway's web role hold no table privilege, so
-- EXPLAIN of any query on the tables is refused like the query (42501);
-- the API's own plans are estimated from the functions' declared rows
-- and costs, which no tenant's data changes.  Issue 10, item 13.
--
-- Not tested, because PostgreSQL shows them to every role by design and
-- the extension does not change core catalogs' privileges: the totals of
-- pg_stat_user_tables (and pg_class.reltuples) are per table, over every
-- tenant; the README says so, with the REVOKEs a DBA may run.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
-- 5 roles' EXPLAINs, pg_stats, the API's plans 2
SELECT plan(5 + 1 + 2);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/deployment.psql
ANALYZE task_outputs.outputs, task_outputs.flow_executions, task_outputs.audit_trail, task_outputs.organization_grants;

-- the probes of a bisection, and a count
CREATE TEMP TABLE probes (n int, statement text);
INSERT INTO probes VALUES
  (1, $$EXPLAIN SELECT * FROM task_outputs.outputs WHERE organization_id < '0b000000-0000-4000-8000-00000000000c'$$),
  (2, $$EXPLAIN SELECT * FROM task_outputs.outputs WHERE task_name = 'secret'$$),
  (3, $$EXPLAIN SELECT * FROM task_outputs.outputs WHERE last_modified_by > 'system'$$),
  (4, $$EXPLAIN SELECT * FROM task_outputs.flow_executions WHERE name = 'fb'$$),
  (5, $$EXPLAIN (ANALYZE) SELECT count(*) FROM task_outputs.outputs$$),
  (6, $$EXPLAIN SELECT * FROM task_outputs.audit_trail WHERE actor = 'system'$$),
  (7, $$EXPLAIN SELECT * FROM task_outputs.organization_grants WHERE organization_id = '0b000000-0000-4000-8000-00000000000b'$$);

SELECT is(ARRAY(SELECT p.statement || ': ' || o.outcome
                  FROM probes p, LATERAL (SELECT hz.outcome_as(r.role_name, p.statement) AS outcome) o
                 WHERE o.outcome <> '42501'
                 ORDER BY p.n),
          '{}'::text[],
          r.role_name || ': EXPLAIN (and EXPLAIN ANALYZE) of queries on every table is refused')
  FROM hz.tenant_roles r ORDER BY r.role_name;

CREATE TEMP TABLE stats_seen (role_name name, n bigint);
SELECT hz.outcome_as(role_name, format($$INSERT INTO stats_seen SELECT %L, count(*) FROM pg_catalog.pg_stats WHERE schemaname = 'task_outputs'$$, role_name))
  FROM hz.tenant_roles \g /dev/null
SELECT is(ARRAY(SELECT role_name::text FROM stats_seen WHERE n > 0 ORDER BY 1), '{}'::text[],
          'no tenant role sees the statistics of the extension''s tables in pg_stats');

-- The API's plans, as a reader of A, before and after B grows by
-- thousands of outputs named and stamped like A's, and ANALYZE.
CREATE FUNCTION hz.plans() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  statement text;
  plan json;
  plans jsonb := '{}';
BEGIN
  FOREACH statement IN ARRAY ARRAY[
      $q$SELECT * FROM task_outputs.task_outputs()$q$,
      $q$SELECT * FROM task_outputs.task_outputs(task_name => 'secret', "limit" => 10)$q$,
      $q$SELECT * FROM task_outputs.export_task_outputs(tags => '{x}')$q$,
      $q$SELECT task_outputs.export_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000b1')$q$,
      $q$SELECT task_outputs.list_task_outputs(task_name => 'secret')$q$,
      $q$SELECT task_outputs.count_task_outputs(status => '{completed}')$q$,
      $q$SELECT task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000b1')$q$]
  LOOP
    EXECUTE 'EXPLAIN (FORMAT JSON, COSTS) ' || statement INTO plan;
    plans := plans || jsonb_build_object(statement, plan);
  END LOOP;
  RETURN plans;
END $$;
SET LOCAL ROLE to_h_reader;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT hz.plans() AS plans_before \gset
SELECT :'plans_before'::jsonb->'SELECT * FROM task_outputs.task_outputs()'->0->'Plan'->>'Plan Rows'
       AS task_outputs_rows \gset
RESET ROLE;

SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, last_modified_by, tags, created_at)
SELECT '0f000000-0000-4000-8000-0000000000b1', CASE WHEN g % 2 = 0 THEN 'secret' ELSE 'extract' END, 'failed',
       '123e4567-e89b-12d3-a456-42661417' || lpad((g % 100)::text, 4, '0'), '{x}',
       '2026-01-01'::timestamptz + g * interval '1 s'
  FROM generate_series(1, 5000) g;
RESET task_outputs.org_id;
ANALYZE task_outputs.outputs, task_outputs.flow_executions;

SET LOCAL ROLE to_h_reader;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT is(hz.plans(), :'plans_before'::jsonb,
          'the plans of the API''s calls, estimates included, are the same after another tenant grew and was analyzed');
RESET ROLE;
SELECT is(:'task_outputs_rows'::numeric, prorows::numeric,
          'the estimate of SELECT * FROM task_outputs() is the function''s declared rows')
  FROM pg_catalog.pg_proc WHERE oid = 'task_outputs.task_outputs'::regproc;

SELECT * FROM finish();
ROLLBACK;

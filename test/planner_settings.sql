-- The API's statements are planned once per backend and their plans kept
-- for every later caller of that backend.  A caller whose session turned
-- index scans off and made them dear -- for a query of its own, or to make
-- a plan that later callers would inherit -- gets the same plans as anyone:
-- each reader reads the outputs table through its indexes (no sequential
-- scan of everyone's rows), the first time in this backend and after, and
-- with custom plans forced too.  Counted by the table's own scan counters
-- for this transaction (pg_stat_xact_user_tables).
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
-- 6 readers under hostile settings, then 6 with custom plans forced
SELECT plan(6 + 6);
\ir fixtures/tenants.psql
-- enough rows that the built-in settings plan the readers through
-- indexes: organization A and twenty others, loaded as a superuser
INSERT INTO task_outputs.flow_executions (id, organization_id, name)
SELECT ('0f000000-0000-4000-8000-0000000001' || lpad(o::text, 2, '0'))::uuid,
       ('0c000000-0000-4000-8000-0000000001' || lpad(o::text, 2, '0'))::uuid, 'other'
  FROM generate_series(1, 20) o;
INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name, status, created_at)
SELECT '0f000000-0000-4000-8000-0000000000a1', '0a000000-0000-4000-8000-00000000000a',
       'bulk ' || g % 50, 'failed', '2026-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 5000) g;
INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name, status, created_at)
SELECT ('0f000000-0000-4000-8000-0000000001' || lpad((g % 20 + 1)::text, 2, '0'))::uuid,
       ('0c000000-0000-4000-8000-0000000001' || lpad((g % 20 + 1)::text, 2, '0'))::uuid,
       'bulk ' || g % 50, 'failed', '2026-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 10000) g;
ANALYZE task_outputs.outputs;

CREATE TEMP TABLE scans (label text, seq bigint, idx bigint);
GRANT ALL ON scans TO PUBLIC;
CREATE FUNCTION pg_temp.outputs_scans(label text) RETURNS void LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO scans
  SELECT label, coalesce(seq_scan, 0), coalesce(idx_scan, 0)
    FROM pg_stat_xact_user_tables WHERE relid = 'task_outputs.outputs'::regclass $$;
GRANT EXECUTE ON FUNCTION pg_temp.outputs_scans(text) TO PUBLIC;
-- whether the statement run between two counts read the table only
-- through its indexes
CREATE FUNCTION pg_temp.through_indexes(before text, after text) RETURNS boolean
LANGUAGE sql AS $$
  SELECT a.seq = b.seq AND a.idx > b.idx
    FROM scans a, scans b WHERE a.label = after AND b.label = before $$;

-- hostile settings: sequential scans cheap, index scans off
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_indexonlyscan = off;
SET LOCAL random_page_cost = 1000;
SET LOCAL work_mem = '64MB';
SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
\o /dev/null
SELECT pg_temp.outputs_scans('start');
\o

\o /dev/null
SELECT task_outputs.list_task_outputs() IS NOT NULL;
SELECT pg_temp.outputs_scans('list');
\o
SELECT ok(pg_temp.through_indexes('start', 'list'), 'list_task_outputs: through the indexes');
\o /dev/null
SELECT task_outputs.list_task_outputs_page("limit" => 1) IS NOT NULL;
SELECT pg_temp.outputs_scans('page');
\o
SELECT ok(pg_temp.through_indexes('list', 'page'), 'list_task_outputs_page: through the indexes');
\o /dev/null
SELECT count(*) FROM task_outputs.task_outputs(task_name => 'extract');
SELECT pg_temp.outputs_scans('records');
\o
SELECT ok(pg_temp.through_indexes('page', 'records'), 'task_outputs: through the indexes');
\o /dev/null
SELECT count(*) FROM (SELECT task_outputs.export_task_outputs()) e;
SELECT pg_temp.outputs_scans('export');
\o
SELECT ok(pg_temp.through_indexes('records', 'export'), 'export_task_outputs: through the indexes');
\o /dev/null
SELECT task_outputs.count_task_outputs();
SELECT pg_temp.outputs_scans('count');
\o
SELECT ok(pg_temp.through_indexes('export', 'count'), 'count_task_outputs: through the indexes');
\o /dev/null
SELECT task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a1') IS NOT NULL;
SELECT pg_temp.outputs_scans('get');
\o
SELECT ok(pg_temp.through_indexes('count', 'get'), 'get_flow_execution: through the indexes');

-- custom plans forced: planned at each call, under the same settings
SET LOCAL plan_cache_mode = force_custom_plan;
\o /dev/null
SELECT task_outputs.list_task_outputs(status => '{completed}') IS NOT NULL;
SELECT pg_temp.outputs_scans('list 2');
\o
SELECT ok(pg_temp.through_indexes('get', 'list 2'), 'list_task_outputs, custom plans forced: through the indexes');
\o /dev/null
SELECT task_outputs.list_task_outputs_page(tags => '{x}', "limit" => 1) IS NOT NULL;
SELECT pg_temp.outputs_scans('page 2');
\o
SELECT ok(pg_temp.through_indexes('list 2', 'page 2'), 'list_task_outputs_page, custom plans forced: through the indexes');
\o /dev/null
SELECT count(*) FROM task_outputs.task_outputs(task_name => 'transform');
SELECT pg_temp.outputs_scans('records 2');
\o
SELECT ok(pg_temp.through_indexes('page 2', 'records 2'), 'task_outputs, custom plans forced: through the indexes');
\o /dev/null
SELECT count(*) FROM (SELECT task_outputs.export_task_outputs(task_name => 'extract')) e;
SELECT pg_temp.outputs_scans('export 2');
\o
SELECT ok(pg_temp.through_indexes('records 2', 'export 2'), 'export_task_outputs, custom plans forced: through the indexes');
\o /dev/null
SELECT task_outputs.count_task_outputs(task_name => 'extract');
SELECT pg_temp.outputs_scans('count 2');
\o
SELECT ok(pg_temp.through_indexes('export 2', 'count 2'), 'count_task_outputs, custom plans forced: through the indexes');
\o /dev/null
SELECT task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a1', status => '{failed}') IS NOT NULL;
SELECT pg_temp.outputs_scans('get 2');
\o
SELECT ok(pg_temp.through_indexes('count 2', 'get 2'), 'get_flow_execution, custom plans forced: through the indexes');

SELECT * FROM finish();
ROLLBACK;

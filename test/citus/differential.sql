-- test/citus/differential.sql -- the differential checks of the read API
-- (test/fixtures/differential.psql: every reader against the obvious SQL,
-- byte for byte, random filter combinations and every page size) on the
-- generated data of organization A (loaded and committed by
-- differential_data.psql).  tools/citus-test.sh runs it on a single node
-- and on the coordinator of a distributed install: there the API is
-- delegated to the node of organization A, while the obvious SQL is plain
-- SQL through the coordinator, which carries the organization to the
-- workers only as SET LOCAL with citus.propagate_set_commands = 'local' (a
-- placeholder setting, ignored, on a node without Citus).  It runs as the
-- extension's owner, a superuser: Citus does not let another role read, in
-- one transaction, the shards that a delegated call has used (delegated
-- calls count as writes), and the checks mix both.  Row-level security
-- on the workers is tested by test/citus/distributed.sql.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(9);
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

SELECT cmp_ok((SELECT count(*) FROM task_outputs.outputs WHERE status <> 'deleted'), '>', 600::bigint,
              'the generated organization has hundreds of visible outputs');
SELECT is(task_outputs.list_task_outputs()::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, false, NULL, NULL),
          'list_task_outputs() is byte for byte json_agg over the same rows');
SELECT is(task_outputs.count_task_outputs(), (SELECT count(*) FROM task_outputs.outputs WHERE status <> 'deleted'),
          'count_task_outputs() counts the visible rows');

CREATE TEMP TABLE failures (f text);
INSERT INTO failures SELECT diff.check_combinations(100, 0.11, false);
SELECT is((SELECT count(*) FROM failures), 0::bigint,
          '100 random filter combinations: list, records, count and export equal the obvious SQL');
SELECT diag(f) FROM (SELECT f FROM failures LIMIT 5) s;

CREATE TEMP TABLE page_failures (f text);
INSERT INTO page_failures SELECT diff.walk_pages(s, NULL) FROM unnest(ARRAY[1, 7, 100, 10000]) s;
INSERT INTO page_failures SELECT diff.walk_pages(13, '{completed,stale}');
SELECT is((SELECT count(*) FROM page_failures), 0::bigint,
          'walking all pages of sizes 1, 7, 100, 10000 (and 13, filtered) gives the whole list');
SELECT diag(f) FROM (SELECT f FROM page_failures LIMIT 5) s;

-- (the rows first, on the node the session is on: Citus does not push a
-- call of a function per row of a distributed table down to the shards)
SELECT is((WITH o AS MATERIALIZED (
             SELECT r.id, to_json(r)::text AS j
               FROM diff.obvious_rows(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, false, NULL, NULL) r)
           SELECT count(*) FROM o WHERE task_outputs.get_task_output(o.id)::text IS DISTINCT FROM o.j),
          0::bigint, 'get_task_output(id) is to_json of the record, for every visible output');
-- (the obvious value first, into a variable: a statement routed to one
-- shard, Citus runs whole on that shard's node, functions and all)
SELECT diff.obvious_json('0f000000-0000-4000-8000-0000000000a3', NULL, '{completed}', NULL, NULL,
                         NULL, NULL, true, false, NULL, NULL) AS obvious_outputs \gset
SELECT to_json(x)::text AS obvious_flow_execution
  FROM (SELECT f.id, f.organization_id, f.name, f.created_at, :'obvious_outputs'::json AS task_outputs
          FROM task_outputs.flow_executions f
         WHERE f.organization_id = '0a000000-0000-4000-8000-00000000000a'
           AND f.id = '0f000000-0000-4000-8000-0000000000a3') x \gset
SELECT is(task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a3', status => '{completed}')::text,
          :'obvious_flow_execution',
          'get_flow_execution is to_json of the flow execution with its filtered task_outputs');

SELECT is(task_outputs.list_task_outputs(include_deleted => true)::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, true, NULL, NULL),
          'include_deleted => true lists the deleted outputs too');
CREATE TEMP TABLE admin_failures AS SELECT diff.check_combinations(40, 0.77, true) AS f;
SELECT is((SELECT count(*) FROM admin_failures), 0::bigint,
          '40 random filter combinations with include_deleted equal the obvious SQL');
SELECT diag(f) FROM (SELECT f FROM admin_failures LIMIT 5) s;

SELECT * FROM finish();
ROLLBACK;

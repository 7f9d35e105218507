-- test/citus/hostile.sql -- a hostile tenant on a distributed install,
-- logged in as to_c_tenant (a writer granted organization A, nothing
-- else) on any node: tools/citus-test.sh runs it against the coordinator
-- and directly against each worker.  It gets its own organization through
-- the API wherever it connects (the call runs on the node of A's shards),
-- and nothing else by any channel: another organization, the internal
-- twins (by name, or with the organization from a FROM item, which must
-- not reach Citus's planner), the tables, their shards on this node, the
-- grants, the service role, locks and plans.  With the psql variable
-- "mistake" set, the driver has granted this role USAGE on the twins'
-- schema and EXECUTE on one twin on this node only (what a node added
-- later might have) on the node of A's shards, where the call is not
-- delegated further: the twin itself must still refuse it.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\if :{?mistake}
\else
\set mistake false
\endif
BEGIN;
SELECT plan(14 + (SELECT count(*)::int FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
                   WHERE s.logicalrelid::text LIKE 'task_outputs.%'
                     AND p.groupid = (SELECT groupid FROM pg_dist_local_group)
                     AND s.shardid % 8 = 0));

SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'hostile';
SELECT cmp_ok(task_outputs.count_task_outputs(), '>', 600::bigint,
              'its own organization, through the API, wherever it connects');
SELECT is((task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'hostile write')).last_modified_by,
          'hostile', 'and it writes there, stamped with its actor');

SET LOCAL task_outputs.org_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01';
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501', NULL,
                 'another organization is refused');
SELECT throws_ok($$SELECT task_outputs.count_task_outputs()$$, '42501', NULL,
                 'also for counting');
SET LOCAL task_outputs.org_id = '';
SELECT throws_ok($$SELECT set_config('request.jwt.claims', '{"org_id": "6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01"}', true),
                          task_outputs.list_task_outputs()$$, '42501', NULL,
                 'claims it sets itself do not make it a gateway');
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

\if :mistake
SELECT throws_ok($$SELECT * FROM task_outputs_internal.count_task_outputs('0a000000-0000-4000-8000-00000000000a', true, 'system', NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL, true)$$,
                 '42501', 'permission denied for function task_outputs_internal.count_task_outputs',
                 'a twin it was granted by mistake on this node refuses it: it is not a superuser');
\else
SELECT throws_ok($$SELECT task_outputs_internal.list_task_outputs('6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01', true, '', NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, true, NULL, NULL)$$,
                 '42501', 'permission denied for schema task_outputs_internal',
                 'a twin named with another organization is refused');
\endif
SELECT throws_ok($$SELECT task_outputs_internal.list_task_outputs(o, true, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, true, NULL, NULL)
                     FROM (VALUES ('6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01'::uuid)) v(o)$$,
                 '42501', NULL,
                 'a twin named with the organization from a FROM item is refused, and the node stays up');
SELECT is((SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()), 1::bigint,
          'the session is alive');

SELECT throws_ok($$SELECT count(*) FROM task_outputs.outputs$$, '42501', NULL,
                 'the outputs table is not readable');
SELECT throws_ok($$SELECT count(*) FROM task_outputs.organization_grants$$, '42501', NULL,
                 'nor the grants');
SELECT throws_ok($$LOCK TABLE task_outputs.outputs IN ACCESS SHARE MODE$$, '42501', NULL,
                 'nor may it lock the table');
SELECT throws_ok($$EXPLAIN SELECT * FROM task_outputs.outputs$$, '42501', NULL,
                 'nor see its plans');
SELECT throws_ok($$SET ROLE task_outputs_service$$, '42501', NULL,
                 'nor become the service role');
SELECT throws_ok($$SELECT task_outputs.grant_organization('to_c_tenant', '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01')$$, '42501', NULL,
                 'nor grant itself another organization');

-- every eighth shard of the extension's tables held by this node, by name
SELECT throws_ok(format('SELECT count(*) FROM %I.%I', 'task_outputs', s.relname), '42501', NULL,
                 format('the shard %s on this node is not readable', s.relname))
  FROM (SELECT shard_name(s.logicalrelid, s.shardid) AS qualified,
               regexp_replace(shard_name(s.logicalrelid, s.shardid), '^task_outputs\.', '') AS relname
          FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
         WHERE s.logicalrelid::text LIKE 'task_outputs.%'
           AND p.groupid = (SELECT groupid FROM pg_dist_local_group)
           AND s.shardid % 8 = 0
         ORDER BY s.shardid) s;

SELECT * FROM finish();
ROLLBACK;

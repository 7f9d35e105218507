-- test/citus/distributed.sql -- what a distributed install adds, on the
-- coordinator of a Citus cluster after task_outputs.distribute(): the
-- layout Citus's metadata records, the internal twins and who may reach
-- them, distribute()'s refusals, one clock for a row's stamps, the audit
-- trail and the purge on shards, and errors raised on a worker as they
-- would be on one node.  Run by tools/citus-test.sh as the extension's
-- owner (so that its plain SQL and the API's delegated calls share the
-- workers' connections), acting as the roles of test/citus/setup.sql
-- through the API.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(28);

-- the layout
SELECT is((SELECT partmethod::text FROM pg_dist_partition
            WHERE logicalrelid = 'task_outputs.organization_grants'::regclass),
          'n', 'the grants are a reference table');
SELECT is((SELECT array_agg(logicalrelid::text ORDER BY logicalrelid::text) FROM pg_dist_partition
            WHERE partmethod = 'h'
              AND column_to_column_name(logicalrelid, partkey) = 'organization_id'),
          ARRAY['task_outputs.audit_trail', 'task_outputs.flow_executions', 'task_outputs.outputs'],
          'flow executions, outputs and the audit trail are distributed by organization_id');
SELECT is((SELECT count(DISTINCT colocationid) FROM pg_dist_partition WHERE partmethod = 'h'
              AND logicalrelid::text LIKE 'task_outputs.%'),
          1::bigint, 'and co-located');
SELECT is((SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'task_outputs.outputs'::regclass),
          32::bigint, 'in 32 shards by default');
SELECT is((SELECT count(*) FROM pg_proc p
             JOIN pg_dist_object o ON o.classid = 'pg_proc'::regclass AND o.objid = p.oid
            WHERE p.pronamespace = 'task_outputs_internal'::regnamespace
              AND o.distribution_argument_index = 0 AND o.force_delegation
              AND o.colocationid = (SELECT colocationid FROM pg_dist_partition
                                     WHERE logicalrelid = 'task_outputs.outputs'::regclass)),
          (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'task_outputs_internal'::regnamespace
              AND p.proargnames[1] = 'caller_organization_id'),
          'every twin is a distributed function, routed by its first argument, co-located with the outputs, force-delegated');
SELECT is((SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'task_outputs_internal'::regnamespace
              AND p.proargnames[1] = 'caller_organization_id'),
          15::bigint, 'fifteen twins');

-- distribute() once, by a superuser
SELECT throws_ok($$SELECT task_outputs.distribute()$$, '55000', 'task_outputs is already distributed',
                 'a second distribute() is refused');
SET ROLE to_c_ops;
SELECT throws_ok($$SELECT task_outputs.distribute()$$, '42501', NULL,
                 'an administrator may not distribute');
RESET ROLE;

-- nobody but superusers reaches the twins
SELECT is((SELECT count(*) FROM pg_roles r
            WHERE NOT r.rolsuper AND has_schema_privilege(r.oid, 'task_outputs_internal', 'USAGE')
              AND r.rolname NOT IN ('pg_read_all_data', 'pg_write_all_data')),
          0::bigint, 'no role but superusers (and the predefined roles that read or write all data) has USAGE on task_outputs_internal');
SELECT is((SELECT count(*) FROM pg_proc p, pg_roles r
            WHERE p.pronamespace = 'task_outputs_internal'::regnamespace
              AND NOT r.rolsuper AND has_function_privilege(r.oid, p.oid, 'EXECUTE')),
          0::bigint, 'no role but superusers may execute a twin');
SET ROLE to_c_tenant;
SELECT throws_ok($$SELECT task_outputs_internal.list_task_outputs(o, true, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, true, NULL, NULL)
                     FROM (VALUES ('6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01'::uuid)) v(o)$$,
                 '42501', 'permission denied for schema task_outputs_internal',
                 'a tenant naming a twin, with its organization from a FROM item, is refused before Citus plans it');
RESET ROLE;

-- writes: one clock, the worker's
SET ROLE to_c_worker;
SET task_outputs.org_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01';
SET task_outputs.actor = 'distributed-test';
SELECT task_outputs.create_flow_execution('distributed', 'd4d4d4d4-0000-4000-8000-000000000001') IS NOT NULL AS created \gset
SELECT task_outputs.record_task_output('d4d4d4d4-0000-4000-8000-000000000001', 'large', to_jsonb(repeat('y', 1500))) IS NOT NULL AS large \gset
CREATE TEMP TABLE written AS
SELECT * FROM task_outputs.record_task_output('d4d4d4d4-0000-4000-8000-000000000001', 'stamped', '{"n": 1}');
SELECT ok((SELECT created_at = updated_at FROM written),
          'a new row''s created_at and updated_at are one instant');
SELECT ok((SELECT created_at > now() FROM written),
          'of the transaction on the organization''s node, which began after the coordinator''s');
SELECT is((SELECT last_modified_by FROM written), 'distributed-test',
          'stamped with the actor of the session that called the API');
RESET ROLE;
-- (values read into variables first: a statement routed to one shard,
-- Citus runs whole on that shard's node, pgTAP's functions and now() too)
SELECT now() AS coordinator_now, (SELECT id FROM written) AS written_id \gset
SELECT created_at AS fe_created_at FROM task_outputs.flow_executions
 WHERE organization_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01'
   AND id = 'd4d4d4d4-0000-4000-8000-000000000001' \gset
SELECT ok(:'fe_created_at'::timestamptz > :'coordinator_now'::timestamptz,
          'a flow execution is stamped on the organization''s node too');
SET ROLE to_c_worker;

-- the settings that shape a result travel with the call
SET ROLE to_c_dashboard;
SET task_outputs.org_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01';
SET TimeZone = 'Asia/Kolkata';
SELECT ok(task_outputs.list_task_outputs("limit" => 1)->0->>'created_at' LIKE '%+05:30',
          'timestamps are rendered in the session''s TimeZone, not the worker''s');
RESET TimeZone;
SET task_outputs.max_result_bytes = '1kB';
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, 'PT413', NULL,
                 'the session''s task_outputs.max_result_bytes applies on the worker');
RESET task_outputs.max_result_bytes;
RESET ROLE;

-- the audit trail and the purge, on shards
SELECT is((SELECT status FROM task_outputs.set_task_output_status(:'written_id', 'stale')),
          'stale'::task_outputs.task_output_status, 'a change of status on a shard');
RESET ROLE;
SELECT array_agg(from_status || '>' || to_status || ' by ' || actor ORDER BY changed_at) AS trail
  FROM task_outputs.audit_trail
 WHERE organization_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01'
   AND task_output_id = :'written_id' \gset
SELECT is(:'trail'::text[], ARRAY['completed>stale by distributed-test'],
          'is recorded in the trail on the same shard group, by the audit trigger of the shard');
SET ROLE to_c_ops;
SELECT is((SELECT status FROM task_outputs.delete_task_output(:'written_id')),
          'deleted'::task_outputs.task_output_status, 'an administrator soft-deletes it');
SELECT is(json_array_length(task_outputs.task_output_history(:'written_id')), 2,
          'and reads its history: two changes');
RESET ROLE;
-- (deleted long ago: the triggers, which would stamp the change, off)
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL session_replication_role = replica;
UPDATE task_outputs.outputs SET updated_at = '2000-01-01 00:00:00+00'
 WHERE organization_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01' AND id = :'written_id';
SET LOCAL session_replication_role = origin;
SET ROLE to_c_ops;
SELECT is(task_outputs.purge_task_outputs('1 day', dry_run => true), 1::bigint,
          'a dry run counts the deleted output to purge');
SELECT is(task_outputs.purge_task_outputs('1 day'), 1::bigint,
          'the purge deletes it on the organization''s node');
SELECT throws_ok(format('SELECT task_outputs.task_output_history(%L)', :'written_id'::uuid),
                 'PT404', 'task output not found', 'the purged output is gone');
RESET ROLE;
SELECT count(*) AS trail_left FROM task_outputs.audit_trail
 WHERE organization_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01'
   AND task_output_id = :'written_id' \gset
SELECT is(:'trail_left'::bigint, 0::bigint, 'with its trail, by the foreign key''s cascade on the shard');

-- errors raised on the organization's node come back as they are
SET ROLE to_c_worker;
SELECT throws_ok($$SELECT task_outputs.record_task_output('d4d4d4d4-0000-4000-8000-000000000001', repeat('x', 201))$$,
                 'PT400', 'invalid task_name', 'a rule of the trigger, on the shard: PT400');
SELECT throws_ok($$SELECT task_outputs.set_task_output_status('00000000-0000-4000-8000-000000000000', 'stale')$$,
                 'PT404', 'task output not found', 'an unknown id: PT404');
SELECT throws_ok($$SELECT task_outputs.create_flow_execution('again', 'd4d4d4d4-0000-4000-8000-000000000001')$$,
                 '23505', NULL, 'a duplicate id: 23505');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

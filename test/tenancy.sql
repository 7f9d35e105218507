-- Two tenants, isolated by row-level security, tried as the roles their
-- users would be (never as superuser, which bypasses RLS): through the API,
-- and through plain SQL as roles of the direct tier; the tenant roles
-- alone have no table privilege.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(26);
\ir fixtures/tenants.psql

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

SELECT is(json_array_length(task_outputs.list_task_outputs()), 2,
          'alice lists her organization''s 2 visible outputs');
SELECT is((SELECT count(*) FROM task_outputs.outputs), 2::bigint,
          'alice''s plain SELECT sees her 2 visible rows (not the soft-deleted one: she is no admin), no more');
SELECT is((SELECT count(*) FROM task_outputs.outputs
            WHERE organization_id = '0b000000-0000-4000-8000-00000000000b'), 0::bigint,
          'alice asking for B''s rows by organization_id gets none');
SELECT is((SELECT count(*) FROM task_outputs.flow_executions), 1::bigint,
          'alice sees only her flow execution');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-0000000000b1'), 0::bigint,
          'alice cannot read B''s output by its id');
SELECT ok(NOT (task_outputs.list_task_outputs()::text LIKE '%0b000000-0000-4000-8000-00000000000b%'),
          'nothing of B appears in alice''s list');

SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'x')$$,
                 'PT404', 'flow execution not found',
                 'recording into B''s flow execution looks exactly like an unknown one');
SELECT throws_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
                   VALUES ('0f000000-0000-4000-8000-0000000000b1', '0b000000-0000-4000-8000-00000000000b', 'x')$$,
                 'PT404', 'flow execution not found',
                 'a plain INSERT naming B finds no flow execution, as if it did not exist');
SELECT throws_ok($$INSERT INTO task_outputs.flow_executions (organization_id, name)
                   VALUES ('0b000000-0000-4000-8000-00000000000b', 'x')$$,
                 '42501', NULL, 'creating a flow execution in B is refused by row-level security');

UPDATE task_outputs.outputs SET summary = '{"hacked": true}' WHERE id = '01000000-0000-7000-8000-0000000000b1';
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE summary ? 'hacked'), 0::bigint,
          'an UPDATE aimed at B''s output changes nothing');
SELECT lives_ok($$DELETE FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-0000000000b1'$$,
                'a DELETE aimed at B''s output finds nothing (bob still lists it, below)');
SELECT throws_ok($$TRUNCATE task_outputs.outputs$$, '42501', NULL,
                 'a writer cannot TRUNCATE (row-level security does not cover it)');

-- a new output goes to alice's organization, stamped
SELECT is((task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'load')).organization_id,
          '0a000000-0000-4000-8000-00000000000a'::uuid,
          'a recorded output belongs to alice''s organization');
SELECT is(json_array_length(task_outputs.list_task_outputs()), 3, 'and shows in her list');

-- without a tenant: no rows through RLS, and the API says how to set one
SET LOCAL task_outputs.org_id = '';
SELECT is((SELECT count(*) FROM task_outputs.outputs), 0::bigint,
          'with no tenant a plain SELECT returns nothing');
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501',
                 'no organization is set for this session', 'with no tenant the API raises 42501');
SELECT throws_ok($$SELECT task_outputs.create_flow_execution('x')$$, '42501', NULL,
                 'with no tenant nothing can be created');
SELECT throws_ok($$SET task_outputs.org_id = 'not-a-uuid'$$, '22P02', NULL,
                 'a tenant that is not a UUID is refused when set');

-- bob, in B, sees B only
RESET ROLE;
SET LOCAL ROLE to_bob;
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT is(json_array_length(task_outputs.list_task_outputs()), 2, 'bob lists B''s 2 outputs');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE summary ? 'hacked'), 0::bigint,
          'B''s output was not changed by alice');

-- a reader reads but cannot write; a role with none of the extension's roles can do nothing
RESET ROLE;
SET LOCAL ROLE to_reader;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT is(json_array_length(task_outputs.list_task_outputs()), 3, 'a reader of A lists A''s outputs');
SELECT throws_ok($$SELECT count(*) FROM task_outputs.outputs$$,
                 '42501', 'permission denied for table outputs', 'a reader has no plain SELECT on the table');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x')$$,
                 '42501', NULL, 'a reader cannot record');
SELECT throws_ok($$INSERT INTO task_outputs.flow_executions (name) VALUES ('x')$$,
                 '42501', NULL, 'a reader cannot insert');
SELECT throws_ok($$DELETE FROM task_outputs.outputs$$,
                 '42501', NULL, 'a reader cannot delete, not even softly');
RESET ROLE;
SET LOCAL ROLE to_nobody;
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501', NULL,
                 'a role without the extension''s roles cannot call the API');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

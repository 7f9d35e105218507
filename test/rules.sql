-- The column rules, by SQLSTATE, through the API and through plain SQL (of
-- the direct tier), as a writer; a rejected write leaves nothing behind.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(26);
\ir fixtures/tenants.psql

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
CREATE TEMP TABLE before_count AS SELECT count(*) AS n FROM task_outputs.outputs;

-- API
SELECT throws_ok($$SELECT task_outputs.record_task_output(NULL, 'x')$$, 'PT400', 'invalid flow_execution_id', 'flow_execution_id is required');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', NULL)$$, 'PT400', 'invalid task_name', 'task_name is required');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', '')$$, 'PT400', 'invalid task_name', 'task_name is not empty');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', repeat('x', 201))$$, 'PT400', 'invalid task_name', 'task_name has at most 200 characters');
SELECT lives_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', repeat('ü', 200))$$, '200 two-byte characters are 200 characters');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', summary => '[]')$$, 'PT400', 'invalid summary', 'summary is an object');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', summary => NULL)$$, 'PT400', 'invalid summary', 'summary is not null');
SELECT lives_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', output => NULL, status => 'failed')$$, 'output may be null');
SELECT lives_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', output => '[1, "two"]')$$, 'output may be any JSON');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => '{a,a}')$$, 'PT400', 'invalid tags', 'tags are distinct');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => '{""}')$$, 'PT400', 'invalid tags', 'tags are not empty');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => ARRAY[repeat('t', 101)])$$, 'PT400', 'invalid tags', 'a tag has at most 100 characters');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => (SELECT array_agg('t' || n) FROM generate_series(1, 65) n))$$, 'PT400', 'invalid tags', 'at most 64 tags');
SELECT lives_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => (SELECT array_agg('t' || n) FROM generate_series(1, 64) n))$$, '64 tags are allowed');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => ARRAY[NULL::text])$$, 'PT400', 'invalid tags', 'a tag is not null');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000ff', 'x')$$, 'PT404', 'flow execution not found', 'an unknown flow execution is PT404');
SELECT throws_ok($$SELECT task_outputs.create_flow_execution('')$$, 'PT400', 'invalid name', 'a flow execution has a name');
SELECT throws_ok($$SELECT task_outputs.create_flow_execution('again', '0f000000-0000-4000-8000-0000000000a1')$$, '23505', NULL, 'a duplicate id is 23505');

-- plain SQL obeys the same rules
SELECT throws_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, task_name, tags) VALUES ('0f000000-0000-4000-8000-0000000000a1', 'x', '{a,a}')$$, 'PT400', 'invalid tags', 'plain INSERT: tags');
SELECT throws_ok($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name) VALUES ('0f000000-0000-4000-8000-0000000000a1', '0c000000-0000-4000-8000-00000000000c', 'x')$$, 'PT400', 'invalid organization_id', 'plain INSERT: a differing organization_id');
SELECT throws_ok($$UPDATE task_outputs.outputs SET created_at = now() - interval '1 day' WHERE task_name = 'extract'$$, 'PT409', 'cannot change created_at of a task output', 'plain UPDATE: created_at is immutable');
SELECT throws_ok($$UPDATE task_outputs.outputs SET organization_id = '0c000000-0000-4000-8000-00000000000c' WHERE task_name = 'extract'$$, 'PT409', NULL, 'plain UPDATE: organization_id is immutable');
SELECT throws_ok($$UPDATE task_outputs.outputs SET summary = '1' WHERE task_name = 'extract'$$, 'PT400', 'invalid summary', 'plain UPDATE: summary is an object');

-- size: PT413 over the limit (set by a superuser), never truncated
RESET ROLE;
SET LOCAL task_outputs.max_output_bytes = '4kB';
SET LOCAL ROLE to_alice;
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', output => jsonb_build_object('b', repeat('x', 5000)))$$, 'PT413', 'task output is too large', 'summary + output over max_output_bytes is PT413');
SELECT throws_ok($$SET task_outputs.max_output_bytes = '1GB'$$, '42501', NULL, 'a tenant cannot raise the size limit');

SELECT is((SELECT count(*) FROM task_outputs.outputs) - (SELECT n FROM before_count), 4::bigint,
          'only the 4 accepted writes were kept');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

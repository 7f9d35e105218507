--
-- The write path of the foundation: create_flow_execution,
-- record_task_output, and the column rules, through the API and through
-- plain INSERT and UPDATE.  Each rejected write leaves nothing behind.
--
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('nightly import', '0f000000-0000-4000-8000-0000000000a1');

-- a recorded output: organization inherited, stamps set, defaults applied
BEGIN;
SELECT id IS NOT NULL AS has_id,
       substr(id::text, 15, 1) AS id_version,
       flow_execution_id, organization_id, task_name, status, summary, output, tags,
       last_modified_by, created_at = now() AS created_now, updated_at = now() AS updated_now
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'extract',
                                       '{"rows": 3}', '{"pages": 10}', '{pdf,invoices}');
SELECT task_name, status, summary, output, tags
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'load',
                                       status => 'failed');
-- the actor comes from task_outputs.actor, else the JWT sub claim, else system
SET LOCAL task_outputs.actor = 'service-account';
SELECT last_modified_by FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'a');
RESET task_outputs.actor;
SELECT set_config('request.jwt.claims', '{"sub": "123e4567-e89b-12d3-a456-426614174000"}', true);
SELECT last_modified_by FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'b');
SELECT set_config('request.jwt.claims', '{"sub": "Alice Smith"}', true);
SELECT last_modified_by FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'c');
ROLLBACK;

-- required arguments
SELECT task_outputs.record_task_output(NULL, 'extract');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', NULL);
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', status => NULL);
SELECT task_outputs.create_flow_execution(NULL);

-- an unknown flow execution, and another tenant's, look the same
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000ff', 'extract');
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'extract');
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

-- task_name: 1 to 200 characters, counted as characters
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', '');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', repeat('x', 201));
SELECT length((task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', repeat('é', 200))).task_name);

-- summary: a JSON object
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', summary => '[1]');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', summary => '"s"');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', summary => NULL);

-- tags: at most 64 distinct non-empty strings of at most 100 characters
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => '{a,b,a}');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => '{a,""}');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => ARRAY['a', NULL]);
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => ARRAY[repeat('t', 101)]);
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x',
       tags => (SELECT array_agg('t' || n) FROM generate_series(1, 65) n));
SELECT cardinality((task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x',
       tags => (SELECT array_agg('t' || n) FROM generate_series(1, 64) n))).tags);
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => '{{a},{b}}');
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x', tags => NULL);

-- size: summary + output within task_outputs.max_output_bytes; a warning past
-- task_outputs.warn_output_bytes; never truncated
SET task_outputs.max_output_bytes = '2kB';
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x',
       output => jsonb_build_object('blob', repeat('x', 3000)));
SET task_outputs.warn_output_bytes = '1kB';
SELECT length((task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'x',
       output => jsonb_build_object('blob', repeat('x', 1500)))).output->>'blob');
RESET task_outputs.max_output_bytes;
RESET task_outputs.warn_output_bytes;

-- the same rules hold for a plain INSERT
INSERT INTO task_outputs.outputs (flow_execution_id, task_name) VALUES ('0f000000-0000-4000-8000-0000000000a1', '');
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, summary) VALUES ('0f000000-0000-4000-8000-0000000000a1', 'x', '[]');
INSERT INTO task_outputs.outputs (flow_execution_id, task_name) VALUES (NULL, 'x');
-- organization_id is inherited; a different one is refused
INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
VALUES ('0f000000-0000-4000-8000-0000000000a1', '0b000000-0000-4000-8000-00000000000b', 'x');
-- stamps cannot be forged
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, last_modified_by, updated_at)
VALUES ('01000000-0000-7000-8000-000000000001', '0f000000-0000-4000-8000-0000000000a1', 'direct', 'someone-else', '2000-01-01');
SELECT task_name, organization_id, last_modified_by, updated_at > '2000-01-01' AS stamped
  FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-000000000001';

-- immutable columns, and the rules again on UPDATE
UPDATE task_outputs.outputs SET id = '01000000-0000-7000-8000-000000000002' WHERE id = '01000000-0000-7000-8000-000000000001';
UPDATE task_outputs.outputs SET created_at = now() - interval '1 day' WHERE id = '01000000-0000-7000-8000-000000000001';
UPDATE task_outputs.outputs SET flow_execution_id = '0f000000-0000-4000-8000-0000000000ff' WHERE id = '01000000-0000-7000-8000-000000000001';
UPDATE task_outputs.outputs SET task_name = '' WHERE id = '01000000-0000-7000-8000-000000000001';
UPDATE task_outputs.outputs SET summary = '{"ok": true}', last_modified_by = 'forged'
 WHERE id = '01000000-0000-7000-8000-000000000001'
RETURNING task_name, summary, last_modified_by;

-- flow executions: name rules and immutable columns
SELECT task_outputs.create_flow_execution('');
SELECT task_outputs.create_flow_execution(repeat('n', 201));
SELECT task_outputs.create_flow_execution('dup', '0f000000-0000-4000-8000-0000000000a1');
UPDATE task_outputs.flow_executions SET organization_id = '0b000000-0000-4000-8000-00000000000b'
 WHERE id = '0f000000-0000-4000-8000-0000000000a1';
UPDATE task_outputs.flow_executions SET name = 'renamed' WHERE id = '0f000000-0000-4000-8000-0000000000a1'
RETURNING name;
INSERT INTO task_outputs.flow_executions (name) VALUES ('direct') RETURNING organization_id, substr(id::text, 15, 1) AS id_version;

-- nothing of the rejected writes was kept
SELECT left(task_name, 10) AS task_name, count(*) FROM task_outputs.outputs GROUP BY 1 ORDER BY 1;

-- cleanup for the tests that follow
RESET task_outputs.org_id;
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;

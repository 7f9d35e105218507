--
-- A trusted load: a superuser with no organization in force (pg_restore, a
-- DBA's bulk COPY) writes rows back as they were dumped, stamps and the
-- status before a soft delete included; the column rules still apply.  A
-- tenant's INSERT is stamped as always.
--
SET TimeZone = 'UTC';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe', '0f000000-0000-4000-8000-000000000001');
RESET task_outputs.org_id;

INSERT INTO task_outputs.outputs (id, flow_execution_id, organization_id, task_name, status,
                                  last_modified_by, created_at, updated_at, status_before_delete)
VALUES ('01000000-0000-7000-8000-000000000001', '0f000000-0000-4000-8000-000000000001',
        '0a000000-0000-4000-8000-00000000000a', 'loaded', 'deleted', 'service-account',
        '2025-01-01 00:00:00+00', '2025-02-01 00:00:00+00', 'completed'),
       ('01000000-0000-7000-8000-000000000002', '0f000000-0000-4000-8000-000000000001',
        '0a000000-0000-4000-8000-00000000000a', 'loaded', 'completed', 'system',
        '2025-01-01 00:00:00+00', '2025-01-01 00:00:00+00', 'failed'),
       ('01000000-0000-7000-8000-000000000003', '0f000000-0000-4000-8000-000000000001',
        '0a000000-0000-4000-8000-00000000000a', 'loaded twice', 'completed', 'system',
        '2025-01-01 00:00:00+00', '2025-01-01 00:00:00+00', NULL);
SELECT id, status, last_modified_by, updated_at, status_before_delete
  FROM task_outputs.outputs ORDER BY id;

-- the column rules still hold, and so does the actor rule
INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
VALUES ('0f000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-00000000000a', '');
INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name, last_modified_by)
VALUES ('0f000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-00000000000a', 'x', 'Not An Actor');

-- the restored soft delete can be restored to its earlier status
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT status FROM task_outputs.restore_task_output('01000000-0000-7000-8000-000000000001');

-- with a tenant in force, even a superuser's INSERT is stamped
SET task_outputs.actor = 'integration';
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, last_modified_by, updated_at)
VALUES ('01000000-0000-7000-8000-000000000004', '0f000000-0000-4000-8000-000000000001', 'stamped', 'forged', '2000-01-01');
SELECT last_modified_by, updated_at > '2000-01-01' AS stamped
  FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-000000000004';
RESET task_outputs.actor;
RESET task_outputs.org_id;

-- a superuser's UPDATE and DELETE of existing rows write for the row's
-- organization: with no organization in force they are stamped with the
-- session's actor ("system" unless task_outputs.actor says otherwise), in
-- the row and in the audit trail; with another organization in force, a
-- completion still supersedes in the row's organization
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.create_flow_execution('fe b', '0f000000-0000-4000-8000-000000000002');
SELECT id AS b1 FROM task_outputs.record_task_output('0f000000-0000-4000-8000-000000000002', 'secret') \gset
SELECT id AS b2 FROM task_outputs.record_task_output('0f000000-0000-4000-8000-000000000002', 'secret') \gset
RESET task_outputs.org_id;
DELETE FROM task_outputs.outputs WHERE id = :'b1';
SET task_outputs.actor = 'ops-cli';
UPDATE task_outputs.outputs SET status = 'stale' WHERE id = :'b2';
RESET task_outputs.actor;
SELECT id = :'b1' AS is_b1, status, last_modified_by, status_before_delete
  FROM task_outputs.outputs WHERE task_name = 'secret' ORDER BY created_at, id;
SELECT task_output_id = :'b1' AS is_b1, from_status, to_status, actor
  FROM task_outputs.audit_trail WHERE organization_id = '0b000000-0000-4000-8000-00000000000b'
 ORDER BY changed_at, id;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
UPDATE task_outputs.outputs SET status = 'completed' WHERE id = :'b2';
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT id AS b3 FROM task_outputs.record_task_output('0f000000-0000-4000-8000-000000000002', 'secret') \gset
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
UPDATE task_outputs.outputs SET status = 'stale' WHERE id = :'b2';
UPDATE task_outputs.outputs SET status = 'completed' WHERE id = :'b2';
RESET task_outputs.org_id;
SELECT id = :'b2' AS is_b2, id = :'b3' AS is_b3, status
  FROM task_outputs.outputs WHERE task_name = 'secret' AND status <> 'deleted' ORDER BY created_at, id;
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;

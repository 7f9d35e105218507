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
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;

--
-- The service role, task_outputs_service: the API's statements run as it,
-- in the scope of their caller, and nothing of that scope outlives them.
-- After a reader, its writer and its streaming export, a session that is
-- the service role outside the API (only a superuser can be) sees no
-- organization and no rows.  A role that is a member of the service role
-- would hold the tables' privileges (lock them, see the planner's estimates
-- over every tenant): the API refuses to run while one exists.
--
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe', '0f000000-0000-4000-8000-000000000001');
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'one')).task_name;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'two')).task_name;
RESET task_outputs.org_id;

BEGIN;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT json_array_length(task_outputs.list_task_outputs());
SELECT task_outputs.export_task_outputs()->>'task_name' AS task_name LIMIT 1;
SELECT count(*) FROM task_outputs.export_task_outputs();
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'three')).task_name;
RESET task_outputs.org_id;
SET LOCAL ROLE task_outputs_service;
SELECT task_outputs.authorized_org_id() IS NULL AS no_organization,
       task_outputs.deleted_visible() AS sees_deleted;
SELECT count(*) AS rows_seen FROM task_outputs.outputs;
RESET ROLE;
COMMIT;

-- a member of the service role
CREATE ROLE regress_service_member;
GRANT task_outputs_service TO regress_service_member;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
\set VERBOSITY terse
SELECT json_array_length(task_outputs.list_task_outputs());
\set VERBOSITY default
REVOKE task_outputs_service FROM regress_service_member;
SELECT json_array_length(task_outputs.list_task_outputs());
DROP ROLE regress_service_member;

TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;
RESET task_outputs.org_id;

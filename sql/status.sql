--
-- The status rules and what follows from them: transitions, supersession,
-- soft delete, restore, stale marking, the audit trail, purge; with the
-- exact error texts.  The pgTAP suites walk every pair of the transition
-- table as tenant roles; this file fixes what the errors say.  The roles
-- here also write with plain SQL, so they are in the direct tier.
--
CREATE ROLE regress_writer IN ROLE task_outputs_writer, task_outputs_direct;
CREATE ROLE regress_admin IN ROLE task_outputs_admin, task_outputs_direct;
SELECT task_outputs.grant_organization('regress_writer', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('regress_writer', '0b000000-0000-4000-8000-00000000000b');
SELECT task_outputs.grant_organization('regress_admin', '0a000000-0000-4000-8000-00000000000a');
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET task_outputs.actor = 'worker-1';
SELECT task_outputs.create_flow_execution('nightly', '0f000000-0000-4000-8000-0000000000a1');
SET ROLE regress_writer;
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, status) VALUES
    ('01000000-0000-7000-8000-000000000001', '0f000000-0000-4000-8000-0000000000a1', 'extract', 'queued'),
    ('01000000-0000-7000-8000-000000000002', '0f000000-0000-4000-8000-0000000000a1', 'load', 'completed'),
    ('01000000-0000-7000-8000-000000000003', '0f000000-0000-4000-8000-0000000000a1', 'gone', 'deleted');

-- allowed transitions, through the API and plain SQL
SELECT status, last_modified_by FROM task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', 'running');
UPDATE task_outputs.outputs SET status = 'completed' WHERE id = '01000000-0000-7000-8000-000000000001' RETURNING status;
-- a status that does not change is not a transition
SELECT status FROM task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', 'completed');

-- rejected transitions: PT409 naming both states
SELECT task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', 'queued');
UPDATE task_outputs.outputs SET status = 'running' WHERE id = '01000000-0000-7000-8000-000000000001';
SELECT task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', NULL);
UPDATE task_outputs.outputs SET status = NULL WHERE id = '01000000-0000-7000-8000-000000000001';

-- an unknown id, and another tenant's, are PT404 alike
SELECT task_outputs.set_task_output_status('01000000-0000-7000-8000-0000000000ff', 'stale');
SELECT task_outputs.delete_task_output('01000000-0000-7000-8000-0000000000ff');
RESET ROLE;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SET ROLE regress_writer;
SELECT task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', 'stale');
SELECT task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000a1');
RESET ROLE;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET ROLE regress_writer;

-- supersession: a new completed output of the same task turns the earlier stale
SELECT task_name, status FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'load', '{"v": 2}');
SELECT task_name, status, output FROM task_outputs.outputs WHERE task_name = 'load' ORDER BY created_at, id;

-- soft delete: through the API, and a plain DELETE (which reports no row,
-- since none is destroyed)
SELECT status FROM task_outputs.delete_task_output('01000000-0000-7000-8000-000000000001');
DELETE FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-000000000002' RETURNING id;
SELECT task_name, status FROM task_outputs.outputs ORDER BY task_name, status;
-- a deleted output is gone for a writer: not found by the API, no row for
-- plain SQL; a plain UPDATE to "deleted" is refused, since the row would
-- leave what the writer may see (a DELETE is the plain way)
SELECT task_outputs.delete_task_output('01000000-0000-7000-8000-000000000001');
SELECT task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', 'completed');
UPDATE task_outputs.outputs SET summary = '{"edited": true}' WHERE id = '01000000-0000-7000-8000-000000000001';
DELETE FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-000000000001';
SELECT count(*) FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-000000000001';
BEGIN;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'doomed', status => 'queued')).id IS NOT NULL AS recorded;
UPDATE task_outputs.outputs SET status = 'deleted' WHERE task_name = 'doomed';
ROLLBACK;
SELECT task_outputs.restore_task_output('01000000-0000-7000-8000-000000000001');
RESET ROLE;

-- an administrator sees it: it is frozen, and only a restore brings it back
SET ROLE regress_admin;
SELECT task_outputs.delete_task_output('01000000-0000-7000-8000-000000000001');
UPDATE task_outputs.outputs SET summary = '{"edited": true}' WHERE id = '01000000-0000-7000-8000-000000000001';
SELECT task_outputs.set_task_output_status('01000000-0000-7000-8000-000000000001', 'queued');
-- deleting it again with DELETE changes nothing
DELETE FROM task_outputs.outputs WHERE id = '01000000-0000-7000-8000-000000000001';

-- restore: admins only, back to the previous status, nothing else changed
UPDATE task_outputs.outputs SET status = 'running' WHERE id = '01000000-0000-7000-8000-000000000001';
UPDATE task_outputs.outputs SET status = 'completed', summary = '{"edited": true}' WHERE id = '01000000-0000-7000-8000-000000000001';
SELECT task_outputs.restore_task_output('01000000-0000-7000-8000-000000000003');
SELECT task_outputs.restore_task_output('01000000-0000-7000-8000-000000000004');
SET task_outputs.actor = 'admin-console';
SELECT status, last_modified_by FROM task_outputs.restore_task_output('01000000-0000-7000-8000-000000000001');
SELECT task_outputs.restore_task_output('01000000-0000-7000-8000-000000000001');

-- the trail of one output, oldest first (times masked)
SELECT e->>'task_output_id' AS task_output_id, e->>'from_status' AS from_status,
       e->>'to_status' AS to_status, e->>'actor' AS actor,
       (e->>'changed_at')::timestamptz <= now() AS timed,
       substr(e->>'id', 15, 1) AS id_version
  FROM json_array_elements(task_outputs.task_output_history('01000000-0000-7000-8000-000000000001')) e;
SELECT json_object_keys(task_outputs.task_output_history('01000000-0000-7000-8000-000000000001')->0);
-- an output that never changed has an empty trail; an unknown one is PT404
SELECT task_outputs.task_output_history('01000000-0000-7000-8000-000000000003');
SELECT task_outputs.task_output_history('01000000-0000-7000-8000-0000000000ff');

-- mark_stale: completed and failed outputs of a flow execution (of one task)
SELECT status FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'transform', status => 'failed');
SELECT status FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'transform', status => 'running');
SELECT task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000a1', 'transform');
SELECT task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000a1');
SELECT task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000a1');
SELECT task_name, status FROM task_outputs.outputs ORDER BY created_at, id;
SELECT task_outputs.mark_stale('0f000000-0000-4000-8000-0000000000ff');
SELECT task_outputs.mark_stale(NULL);

-- purge: only deleted outputs whose deletion is older than the interval
SELECT task_outputs.purge_task_outputs('1 day', dry_run => true) AS old_enough,
       task_outputs.purge_task_outputs('0', dry_run => true) AS all_deleted;
SELECT task_outputs.purge_task_outputs('-1 hour');
SELECT task_outputs.purge_task_outputs(NULL);
SELECT task_outputs.purge_task_outputs('0');
SELECT id, status FROM task_outputs.outputs WHERE status = 'deleted';
SELECT count(*) AS trail_of_purged FROM task_outputs.audit_trail
 WHERE task_output_id = '01000000-0000-7000-8000-000000000002';
-- a writer may not purge, restore or read the trail
RESET ROLE;
SET ROLE regress_writer;
SELECT task_outputs.purge_task_outputs('0');
SELECT task_outputs.task_output_history('01000000-0000-7000-8000-000000000001');
SELECT count(*) FROM task_outputs.audit_trail;
-- nobody but the trigger writes the trail, admins included
INSERT INTO task_outputs.audit_trail VALUES
    ('01000000-0000-7000-8000-0000000000e1', '0a000000-0000-4000-8000-00000000000a',
     '01000000-0000-7000-8000-000000000001', 'queued', 'running', 'forged', now());
RESET ROLE;
SET ROLE regress_admin;
DELETE FROM task_outputs.audit_trail;
UPDATE task_outputs.audit_trail SET actor = 'forged';
TRUNCATE task_outputs.audit_trail;
RESET ROLE;

-- the trigger functions check how they are called
SELECT task_outputs.outputs_audit();
CREATE TABLE regress_lookalike (LIKE task_outputs.outputs);
CREATE TRIGGER audit AFTER UPDATE ON regress_lookalike
    FOR EACH ROW EXECUTE FUNCTION task_outputs.outputs_audit();
INSERT INTO regress_lookalike (id, flow_execution_id, organization_id, task_name, status, summary, tags, last_modified_by, created_at, updated_at)
VALUES ('01000000-0000-7000-8000-000000000009', '0f000000-0000-4000-8000-0000000000a1',
        '0a000000-0000-4000-8000-00000000000a', 'x', 'queued', '{}', '{}', 'system', now(), now());
UPDATE regress_lookalike SET status = 'running';
CREATE TRIGGER before_delete AFTER DELETE ON regress_lookalike
    FOR EACH ROW EXECUTE FUNCTION task_outputs.outputs_before_delete();
DROP TRIGGER audit ON regress_lookalike;
DELETE FROM regress_lookalike;
DROP TABLE regress_lookalike;

-- cleanup for the tests that follow
RESET task_outputs.org_id;
RESET task_outputs.actor;
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;
SELECT task_outputs.revoke_organization('regress_writer', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.revoke_organization('regress_writer', '0b000000-0000-4000-8000-00000000000b');
SELECT task_outputs.revoke_organization('regress_admin', '0a000000-0000-4000-8000-00000000000a');
DROP ROLE regress_writer;
DROP ROLE regress_admin;

--
-- The C library and the SQL objects must agree: when they do not (an
-- install script from another version, a hand-edited type or table), the
-- API fails with a hint to update rather than misreading data.
--
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe', '0f000000-0000-4000-8000-000000000001');
BEGIN;
ALTER TYPE task_outputs.task_output ADD ATTRIBUTE extra int;
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'x');
ROLLBACK;
BEGIN;
ALTER TABLE task_outputs.outputs ADD COLUMN extra int;
SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'x');
ROLLBACK;
BEGIN;
ALTER TABLE task_outputs.flow_executions ADD COLUMN extra int;
SELECT task_outputs.create_flow_execution('another');
ROLLBACK;
BEGIN;
ALTER TYPE task_outputs.task_output ALTER ATTRIBUTE task_name TYPE varchar(10);
SELECT count(*) FROM task_outputs.task_outputs();
ROLLBACK;
-- and with everything in place again, it works
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'x')).task_name;
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;
RESET task_outputs.org_id;

-- a database whose objects are still those of 0.1.0, which this library
-- does not serve: told to update, not refused with a permission error
SELECT current_database() AS regress_database \gset
CREATE DATABASE regress_mismatch_old;
\c regress_mismatch_old
SET client_min_messages = warning;
CREATE EXTENSION task_outputs VERSION '0.1.0';
RESET client_min_messages;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.list_task_outputs();
SELECT task_outputs.create_flow_execution('fe');
ALTER EXTENSION task_outputs UPDATE;
SELECT task_outputs.list_task_outputs();
\c :regress_database
DROP DATABASE regress_mismatch_old;

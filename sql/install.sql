--
-- Installing, dropping and installing again; other schemas alongside; a
-- database owned by a role that does not own the extension's tables.
-- Errors are shown without their CONTEXT, which differs between versions
-- (PostgreSQL 18 adds the install script's statement).
--
\set SHOW_CONTEXT never
CREATE SCHEMA app;
CREATE TABLE app.outputs (id int);          -- same table name, other schema
CREATE FUNCTION app.current_org_id() RETURNS int LANGUAGE sql AS 'SELECT 1';

CREATE EXTENSION task_outputs;
DROP EXTENSION task_outputs;
CREATE EXTENSION task_outputs;

-- the extension lives in its own schema, which cannot be changed
SELECT extname, extversion, extnamespace::regnamespace, extrelocatable
  FROM pg_extension WHERE extname = 'task_outputs';
CREATE EXTENSION task_outputs SCHEMA app;
ALTER EXTENSION task_outputs SET SCHEMA app;

-- what it installs (without the tables' row types and the array types,
-- which PostgreSQL 17 and later record as members too)
SELECT regexp_replace(pg_describe_object(classid, objid, 0), '\(.*\)', '()') AS object
  FROM pg_depend d
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'task_outputs')
   AND deptype = 'e'
   AND NOT EXISTS (SELECT FROM pg_type t
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND ((t.typcategory = 'A' AND t.typtype <> 'd')
                           OR (t.typrelid <> 0 AND
                               (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c')))
 ORDER BY 1;

-- the other schema's objects are untouched
SELECT app.current_org_id(), count(*) FROM app.outputs;

-- a database owned by a role that is not a superuser and owns none of the
-- extension's objects: the extension is not trusted, so its owner cannot
-- install it, but a superuser can, and the owner then uses it through the
-- roles it is granted
CREATE ROLE regress_db_owner LOGIN;
CREATE DATABASE regress_owned OWNER regress_db_owner;
\c regress_owned
SET ROLE regress_db_owner;
CREATE EXTENSION task_outputs;
RESET ROLE;
CREATE EXTENSION task_outputs;
SELECT tableowner <> 'regress_db_owner' AS owner_is_other
  FROM pg_tables WHERE schemaname = 'task_outputs' AND tablename = 'outputs';
GRANT task_outputs_writer TO regress_db_owner;
SELECT task_outputs.grant_organization('regress_db_owner', '0a000000-0000-4000-8000-00000000000a');
SET ROLE regress_db_owner;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('owned', '0f000000-0000-4000-8000-000000000001');
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'extract')).task_name;
SELECT json_array_length(task_outputs.list_task_outputs());
-- the owner of the database has no privilege on the extension's tables:
-- it neither reads them nor locks them
SELECT count(*) FROM task_outputs.outputs;
BEGIN;
LOCK TABLE task_outputs.outputs IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
-- nor can it act for another organization, or create objects in the
-- extension's schema
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.list_task_outputs();
CREATE TABLE task_outputs.organization_grants_lookalike (organization_id uuid, role_name name);
RESET ROLE;
\c contrib_regression
DROP DATABASE regress_owned;
REVOKE task_outputs_writer FROM regress_db_owner;

-- a schema named task_outputs made in advance by another role is not
-- adopted: the extension installs only into a schema the installing
-- superuser owns, where nobody else may create objects
CREATE DATABASE regress_preempted OWNER regress_db_owner;
\c regress_preempted
SET ROLE regress_db_owner;
CREATE SCHEMA task_outputs;
RESET ROLE;
CREATE EXTENSION task_outputs;
SELECT count(*) FROM pg_extension WHERE extname = 'task_outputs';
ALTER SCHEMA task_outputs OWNER TO CURRENT_USER;
GRANT CREATE ON SCHEMA task_outputs TO regress_db_owner;
CREATE EXTENSION task_outputs;
REVOKE CREATE ON SCHEMA task_outputs FROM regress_db_owner;
CREATE EXTENSION task_outputs;
SELECT extname, extversion FROM pg_extension WHERE extname = 'task_outputs';
\c contrib_regression
DROP DATABASE regress_preempted;

-- an existing task_outputs_service that could log in is not adopted: the
-- C code switches to it
ALTER ROLE task_outputs_service LOGIN;
CREATE DATABASE regress_service_login;
\c regress_service_login
CREATE EXTENSION task_outputs;
\c contrib_regression
ALTER ROLE task_outputs_service NOLOGIN;
GRANT task_outputs_service TO regress_db_owner;
\c regress_service_login
CREATE EXTENSION task_outputs;
\c contrib_regression
REVOKE task_outputs_service FROM regress_db_owner;
DROP DATABASE regress_service_login;
DROP ROLE regress_db_owner;
DROP SCHEMA app CASCADE;

-- the API keeps working in a session that saw the extension dropped and
-- created again (its kept plans are prepared anew)
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.count_task_outputs(status => '{completed}');
SELECT task_outputs.create_flow_execution('before', '0f000000-0000-4000-8000-000000000001');
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'x')).status;
DROP EXTENSION task_outputs;
CREATE EXTENSION task_outputs;
SELECT task_outputs.count_task_outputs(status => '{completed}');
SELECT task_outputs.create_flow_execution('after', '0f000000-0000-4000-8000-000000000001');
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-000000000001', 'x', status => 'failed')).status;
SELECT json_array_length(task_outputs.list_task_outputs(status => '{failed}')) AS failed,
       task_outputs.count_task_outputs(status => '{completed}') AS completed;
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;
RESET task_outputs.org_id;

-- the C code checks what it relies on each time: a service role that can
-- log in is refused, and a schema named task_outputs that is not the
-- extension's is never used
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
ALTER ROLE task_outputs_service LOGIN;
SELECT task_outputs.count_task_outputs();
ALTER ROLE task_outputs_service NOLOGIN;
SELECT task_outputs.count_task_outputs();
ALTER SCHEMA task_outputs RENAME TO task_outputs_moved;
CREATE SCHEMA task_outputs;
CREATE TABLE task_outputs.outputs (organization_id uuid);
\c
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs_moved.count_task_outputs();
DROP SCHEMA task_outputs CASCADE;
ALTER SCHEMA task_outputs_moved RENAME TO task_outputs;
\c
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.count_task_outputs();
RESET task_outputs.org_id;

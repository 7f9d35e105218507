--
-- CREATE EXTENSION and a schema named task_outputs that exists already.
-- Made in advance by a role that is not a superuser, it is refused: its
-- owner could later rename it and plant look-alike tables under the name
-- task_outputs, which code that finds objects by name would trust (issue
-- 10, item 9).  Owned by the installing superuser, it is used.  Then that
-- attack itself, on a schema handed to a role that is not a superuser
-- after installation: it widens no tenant's access and captures no write.
-- In its own database; errors shown by SQLSTATE.
--
SELECT current_user AS superuser \gset
CREATE ROLE regress_squatter LOGIN;
CREATE DATABASE regress_schema_owner;
\c regress_schema_owner
\set VERBOSITY sqlstate

-- a schema made in advance by a role that is not a superuser
CREATE SCHEMA task_outputs AUTHORIZATION regress_squatter;
CREATE EXTENSION task_outputs;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'task_outputs';
SELECT count(*) AS objects_in_schema FROM pg_class WHERE relnamespace = 'task_outputs'::regnamespace;
-- the same when the role made it itself
DROP SCHEMA task_outputs;
GRANT CREATE ON DATABASE regress_schema_owner TO regress_squatter;
SET ROLE regress_squatter;
CREATE SCHEMA task_outputs;
RESET ROLE;
CREATE EXTENSION task_outputs;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'task_outputs';
DROP SCHEMA task_outputs;

-- a schema owned by the installing superuser is used
CREATE SCHEMA task_outputs;
CREATE EXTENSION task_outputs;
SELECT extnamespace::regnamespace AS schema, pg_get_userbyid(nspowner) = :'superuser' AS owned_by_installer
  FROM pg_extension JOIN pg_namespace n ON n.oid = extnamespace
 WHERE extname = 'task_outputs';

-- The attack, on a schema handed over after installation: a tenant of A,
-- a gateway, two organizations with a flow execution each.
CREATE ROLE regress_schema_tenant LOGIN IN ROLE task_outputs_writer;
CREATE ROLE regress_schema_gateway LOGIN NOINHERIT IN ROLE task_outputs_gateway;
CREATE ROLE regress_schema_web NOLOGIN IN ROLE task_outputs_writer ROLE regress_schema_gateway;
SELECT task_outputs.grant_organization('regress_schema_tenant', '0a000000-0000-4000-8000-00000000000a') IS NOT NULL AS granted;
-- an outcome, whatever it is, without the error's text
CREATE SCHEMA regress_util;
GRANT USAGE ON SCHEMA regress_util TO PUBLIC;
CREATE FUNCTION regress_util.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  EXECUTE statement INTO result;
  RETURN 'returned ' || coalesce(result, 'null');
EXCEPTION WHEN OTHERS THEN
  RETURN 'refused';
END $$;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe a', '0f000000-0000-4000-8000-0000000000a1') IS NOT NULL AS created;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.create_flow_execution('fe b', '0f000000-0000-4000-8000-0000000000b1') IS NOT NULL AS created;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'secret of b')).task_name;
RESET task_outputs.org_id;
ALTER SCHEMA task_outputs OWNER TO regress_squatter;

-- the owner renames the extension's schema and plants look-alikes that
-- grant its tenant B and would receive the gateway's writes
\c - regress_squatter
ALTER SCHEMA task_outputs RENAME TO task_outputs_real;
CREATE SCHEMA task_outputs;
CREATE TABLE task_outputs.organization_grants (organization_id uuid, role_name name, granted_by name, granted_at timestamptz);
INSERT INTO task_outputs.organization_grants VALUES
    ('0b000000-0000-4000-8000-00000000000b', 'regress_schema_tenant', 'regress_squatter', now()),
    ('0a000000-0000-4000-8000-00000000000a', 'regress_schema_tenant', 'regress_squatter', now());
CREATE TABLE task_outputs.flow_executions (id uuid, organization_id uuid, name text, created_at timestamptz);
INSERT INTO task_outputs.flow_executions VALUES
    ('0f000000-0000-4000-8000-0000000000a1', '0a000000-0000-4000-8000-00000000000a', 'planted', now());
CREATE TYPE task_outputs.task_output_status AS ENUM ('queued', 'running', 'completed', 'failed', 'deleted', 'stale');
CREATE TABLE task_outputs.outputs (id uuid DEFAULT gen_random_uuid(), flow_execution_id uuid, organization_id uuid,
    task_name text, status task_outputs.task_output_status DEFAULT 'completed', summary jsonb DEFAULT '{}', output jsonb, tags text[] DEFAULT '{}',
    last_modified_by text DEFAULT 'system', created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
    status_before_delete task_outputs.task_output_status);
GRANT USAGE ON SCHEMA task_outputs TO PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA task_outputs TO PUBLIC;

-- the tenant of A, with B in force, reads nothing of B
\c - regress_schema_tenant
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT regress_util.outcome('SELECT count(*) FROM task_outputs_real.outputs') AS table_in_b;
SELECT regress_util.outcome('SELECT task_outputs_real.count_task_outputs()') AS count_in_b;
SELECT regress_util.outcome('SELECT task_outputs_real.list_task_outputs()::text') AS list_in_b;

-- a gateway request for A: whatever it answers, nothing lands in the look-alikes
\c - regress_schema_gateway
BEGIN;
SELECT set_config('role', 'regress_schema_web', true) IS NOT NULL AS role_set,
       set_config('request.jwt.claims', '{"org_id": "0a000000-0000-4000-8000-00000000000a", "sub": "user-1"}', true) IS NOT NULL AS claims_set;
SELECT regress_util.outcome($$SELECT (task_outputs_real.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via gateway')).task_name$$) IS NOT NULL AS answered;
COMMIT;
\c - regress_squatter
SELECT count(*) AS captured FROM task_outputs.outputs;
SELECT count(*) AS captured FROM task_outputs.flow_executions WHERE name <> 'planted';

\c contrib_regression :superuser
\set VERBOSITY default
DROP DATABASE regress_schema_owner;
DROP ROLE regress_squatter, regress_schema_tenant, regress_schema_gateway, regress_schema_web;

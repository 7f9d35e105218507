--
-- Settings given before the library is loaded: PostgreSQL keeps them as
-- placeholders and hands them to the library when it loads.  An invalid
-- value is an error at the first call that depends on it, and until the
-- setting is assigned again -- never silently replaced: an organization
-- that is not a UUID does not give way to the JWT claims' organization,
-- an actor that is not valid does not give way to the claims' sub, a size
-- limit out of its range does not give way to the default.  (Issue 10,
-- item 7.)  Each case starts a new connection, in which the library is not
-- loaded yet; PostgreSQL's own warning at load time is not the point here
-- (client_min_messages = error), the errors are shown by SQLSTATE.
--
SELECT current_user AS superuser \gset
CREATE DATABASE regress_before_load;
\c regress_before_load
CREATE EXTENSION task_outputs;
CREATE ROLE regress_bl_tenant LOGIN IN ROLE task_outputs_writer;
SET client_min_messages = warning;
SELECT task_outputs.grant_organization('regress_bl_tenant', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('regress_bl_tenant', '0b000000-0000-4000-8000-00000000000b');
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe a', '0f000000-0000-4000-8000-0000000000a1');
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'in a')).task_name;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.create_flow_execution('fe b', '0f000000-0000-4000-8000-0000000000b1');
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'in b')).task_name;
RESET task_outputs.org_id;
\set VERBOSITY sqlstate

-- an organization that is not a UUID, with valid claims of organization B
\c
SET client_min_messages = error;
SET task_outputs.org_id = 'not-a-uuid';
SELECT set_config('request.jwt.claims', '{"org_id": "0b000000-0000-4000-8000-00000000000b", "sub": "user-1"}', false) IS NOT NULL AS claims_set;
SELECT task_outputs.current_org_id();
SELECT task_outputs.list_task_outputs()->0->>'task_name' AS task_name;
SELECT task_outputs.count_task_outputs();
-- assigned again: calls work
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.current_org_id();
SELECT task_outputs.list_task_outputs()->0->>'task_name' AS task_name;
RESET task_outputs.org_id;
SELECT task_outputs.current_org_id();

-- the same for a tenant granted both organizations
\c - regress_bl_tenant
SET client_min_messages = error;
SET task_outputs.org_id = 'not-a-uuid';
SELECT set_config('request.jwt.claims', '{"org_id": "0b000000-0000-4000-8000-00000000000b"}', false) IS NOT NULL AS claims_set;
SELECT task_outputs.count_task_outputs();
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'written')).organization_id;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.count_task_outputs();

-- an actor that is not valid, with a valid sub claim
\c - regress_bl_tenant
SET client_min_messages = error;
SET task_outputs.actor = 'Not An Actor';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT set_config('request.jwt.claims', '{"sub": "user-1"}', false) IS NOT NULL AS claims_set;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'stamped')).last_modified_by;
SET task_outputs.actor = 'worker-1';
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'stamped')).last_modified_by;

-- an invalid value that is not the current one when the library loads:
-- the session's value under a SET LOCAL, which comes back when the
-- transaction ends
\c - regress_bl_tenant
SET client_min_messages = error;
SET task_outputs.org_id = 'not-a-uuid';
SELECT set_config('request.jwt.claims', '{"org_id": "0b000000-0000-4000-8000-00000000000b"}', false) IS NOT NULL AS claims_set;
BEGIN;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.count_task_outputs() > 0 AS counted_in_a;
COMMIT;
SHOW task_outputs.org_id;
SELECT task_outputs.current_org_id();
SELECT task_outputs.count_task_outputs();
-- the same for the actor, and for a value set in a savepoint rolled back
\c - regress_bl_tenant
SET client_min_messages = error;
SET task_outputs.actor = 'Not An Actor';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
BEGIN;
SAVEPOINT s;
SET LOCAL task_outputs.actor = 'worker-2';
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'stamped')).last_modified_by;
ROLLBACK TO SAVEPOINT s;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'stamped')).last_modified_by;
ROLLBACK;

-- a size limit above its range (max_output_bytes is at most 128MB), set
-- by a superuser
\c - :superuser
SET client_min_messages = error;
SET task_outputs.max_output_bytes = '500MB';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'small')).task_name;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'small')).task_name;
-- assigned again: the new limit is the one in force
SET task_outputs.max_output_bytes = '2kB';
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'small')).task_name;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'too big', to_jsonb(repeat('x', 3000)))).task_name;

-- the same for the settings a tenant may set: the warning threshold and
-- the result limit (at most 1GB)
\c - regress_bl_tenant
SET client_min_messages = error;
SET task_outputs.warn_output_bytes = '500MB';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'warned')).task_name;
SET task_outputs.warn_output_bytes = 0;
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'warned')).task_name;
\c - regress_bl_tenant
SET client_min_messages = error;
SET task_outputs.max_result_bytes = '2GB';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT json_array_length(task_outputs.list_task_outputs());
SET task_outputs.max_result_bytes = '1GB';
SELECT json_array_length(task_outputs.list_task_outputs());

\c contrib_regression :superuser
\set VERBOSITY default
DROP DATABASE regress_before_load;
DROP ROLE regress_bl_tenant;

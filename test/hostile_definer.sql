-- Gateway authority does not pass into a tenant's SECURITY DEFINER code.
-- A gateway session may act for the organization its request names; a
-- function a tenant owns and marks SECURITY DEFINER runs as that tenant,
-- who may act only for the organizations granted to it.  So the tenant's
-- function that puts organization B in force (a SET clause, set_config)
-- and calls the API, run by a gateway request (an RPC in an exposed
-- schema, a pre-request hook), is refused (42501) and reads or writes
-- nothing of B, whichever organization the request's claims name; the
-- same function called by the tenant itself acts for A only.  The same
-- code as SECURITY INVOKER runs with the gateway's authority, as any
-- query of the request.  Issue 10, item 11: "the login role is a gateway
-- member" was trusted whatever the current user, so such a function acted
-- for any organization.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(15);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/deployment.psql
-- the tenant's own schema for its functions, which it exposes to the
-- gateway's web role
CREATE SCHEMA to_h_tools AUTHORIZATION to_h_writer;
CREATE FUNCTION hz.b_written() RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FROM task_outputs.outputs
   WHERE organization_id = '0b000000-0000-4000-8000-00000000000b' AND task_name LIKE 'planted%' $$;

SET LOCAL ROLE to_h_writer;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
-- B in force through the function's SET clause
CREATE FUNCTION to_h_tools.list_b() RETURNS text LANGUAGE sql SECURITY DEFINER
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b'
AS $$ SELECT task_outputs.list_task_outputs()::text $$;
-- B in force through set_config, for the rest of the transaction
CREATE FUNCTION to_h_tools.count_b() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  PERFORM set_config('task_outputs.org_id', '0b000000-0000-4000-8000-00000000000b', true);
  RETURN task_outputs.count_task_outputs();
END $$;
-- a write into B's flow execution
CREATE FUNCTION to_h_tools.write_b() RETURNS uuid LANGUAGE sql SECURITY DEFINER
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b'
AS $$ SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'planted by a definer')).organization_id $$;
-- B's output by id, and whatever it can read, caught
CREATE FUNCTION to_h_tools.peek_b() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b' AS $$
BEGIN
  RETURN 'read: ' || task_outputs.get_task_output('01000000-0000-7000-8000-0000000000b1')::text;
EXCEPTION WHEN OTHERS THEN
  RETURN 'refused: ' || SQLSTATE;
END $$;
-- the organization in force, whatever it is, and what the API lists there
CREATE FUNCTION to_h_tools.whoami() RETURNS text LANGUAGE sql SECURITY DEFINER
AS $$ SELECT task_outputs.current_org_id() || ' ' || json_array_length(task_outputs.list_task_outputs()) $$;
-- the same, as the caller
CREATE FUNCTION to_h_tools.whoami_invoker() RETURNS text LANGUAGE sql SECURITY INVOKER
AS $$ SELECT task_outputs.current_org_id() || ' ' || json_array_length(task_outputs.list_task_outputs()) $$;
GRANT USAGE ON SCHEMA to_h_tools TO to_h_web;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA to_h_tools TO to_h_web;
RESET ROLE;
RESET task_outputs.org_id;

-- a gateway request whose claims name A, then one whose claims name B
SET SESSION AUTHORIZATION to_h_authenticator;
SELECT set_config('role', 'to_h_web', true),
       set_config('request.jwt.claims', '{"role": "to_h_web", "org_id": "0a000000-0000-4000-8000-00000000000a"}', true)
       IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT to_h_tools.list_b()$$, '42501', NULL,
                 'claims of A: the tenant''s definer function with B in its SET clause is refused');
SELECT throws_ok($$SELECT to_h_tools.count_b()$$, '42501', NULL,
                 'claims of A: with B set by set_config, refused');
SELECT throws_ok($$SELECT to_h_tools.write_b()$$, '42501', NULL,
                 'claims of A: its write into B is refused');
SELECT is(to_h_tools.peek_b(), 'refused: 42501', 'claims of A: it reads nothing of B');
SELECT is(to_h_tools.whoami(), '0a000000-0000-4000-8000-00000000000a 2',
          'claims of A: the definer function acts for A, which its owner was granted');
SELECT set_config('request.jwt.claims', '{"role": "to_h_web", "org_id": "0b000000-0000-4000-8000-00000000000b"}', true)
       IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT to_h_tools.list_b()$$, '42501', NULL,
                 'claims of B: the definer function with B in its SET clause is still refused');
SELECT throws_ok($$SELECT to_h_tools.write_b()$$, '42501', NULL,
                 'claims of B: its write into B is refused');
SELECT throws_ok($$SELECT to_h_tools.whoami()$$, '42501', NULL,
                 'claims of B: the definer function is refused B, which its owner was not granted');
SELECT is(to_h_tools.peek_b(), 'refused: 42501', 'claims of B: it reads nothing of B');
SELECT is(to_h_tools.whoami_invoker(), '0b000000-0000-4000-8000-00000000000b 3',
          'claims of B: the same code as SECURITY INVOKER acts for B with the gateway''s authority');
RESET ROLE;
SELECT set_config('request.jwt.claims', '', true) IS NOT NULL AS request_ended \gset
RESET SESSION AUTHORIZATION;
SELECT is(hz.b_written(), 0::bigint, 'nothing was written into B');

-- the tenant itself: A only
SET LOCAL ROLE to_h_writer;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT throws_ok($$SELECT to_h_tools.list_b()$$, '42501', NULL, 'the tenant calling its function: B refused');
SELECT throws_ok($$SELECT to_h_tools.write_b()$$, '42501', NULL, 'the tenant calling its write: refused');
SELECT is(to_h_tools.whoami(), '0a000000-0000-4000-8000-00000000000a 2', 'the tenant calling whoami: A');
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT throws_ok($$SELECT to_h_tools.whoami()$$, '42501', NULL, 'the tenant with B in force: refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

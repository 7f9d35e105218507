-- PostgREST's protocol, replayed: the authenticator logs in (here: SET
-- SESSION AUTHORIZATION), and each HTTP request is one transaction that
-- switches to the JWT's role, sets request.jwt.claims (and the other
-- request.* settings) with is_local = true, runs the call the way
-- PostgREST builds it, and commits or rolls back.  The requests share one
-- connection, as PostgREST's pool does, so nothing may leak from one to
-- the next.  The web role is a tenant role: the API is exposed, the tables
-- are not (GET /outputs is refused), so every read goes through the API's
-- functions.  Committed data of two organizations (D and E) of its own,
-- removed at the end.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
SELECT plan(39);
-- pgTAP's state is in temporary tables of the session user
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;

-- the roles of PostgREST's documentation: a NOINHERIT authenticator that
-- is a member of the API roles, and trusted as a gateway
CREATE ROLE pgrst_authenticator LOGIN NOINHERIT IN ROLE task_outputs_gateway;
CREATE ROLE pgrst_anon NOLOGIN ROLE pgrst_authenticator;
CREATE ROLE pgrst_web NOLOGIN IN ROLE task_outputs_writer ROLE pgrst_authenticator;
-- a DBA who forgot the gateway role
CREATE ROLE pgrst_untrusted_authenticator LOGIN NOINHERIT;
GRANT pgrst_web TO pgrst_untrusted_authenticator;

SET task_outputs.org_id = '0d000000-0000-4000-8000-00000000000d';
SELECT task_outputs.create_flow_execution('fd', '0f000000-0000-4000-8000-0000000000d1') AS fd \gset
SELECT (task_outputs.record_task_output(:'fd', 'extract', '{"rows": 1}')).id AS d1 \gset
SELECT (task_outputs.record_task_output(:'fd', 'load', '{"rows": 2}')).id AS d2 \gset
SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
SELECT task_outputs.create_flow_execution('fe', '0f000000-0000-4000-8000-0000000000e1') AS fe \gset
SELECT (task_outputs.record_task_output(:'fe', 'extract', '{"secret": "of E"}')).id AS e1 \gset
RESET task_outputs.org_id;

SET SESSION AUTHORIZATION pgrst_authenticator;

-- GET /rpc/list_task_outputs as a user of D: a read-only transaction
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"task_outputs", "public"', true),
       set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"0d000000-0000-4000-8000-00000000000d","sub":"123e4567-e89b-12d3-a456-426614174000"}', true),
       set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_task_outputs', true),
       set_config('request.headers', '{"accept":"application/json"}', true),
       set_config('request.cookies', '{}', true) IS NOT NULL AS request_started \gset
SELECT is(current_user::text, 'pgrst_web', 'the request runs as the JWT''s role');
SELECT is((WITH pgrst_source AS (SELECT task_outputs.list_task_outputs() AS pgrst_scalar)
           SELECT json_array_length(pgrst_scalar) FROM pgrst_source), 2,
          'GET /rpc/list_task_outputs: D''s 2 outputs, in a read-only transaction');
SELECT is((SELECT array_agg(e->>'task_name' ORDER BY ord) FROM
             json_array_elements(task_outputs.list_task_outputs()) WITH ORDINALITY AS t(e, ord)),
          ARRAY['load', 'extract'], 'newest first');
SELECT ok(task_outputs.list_task_outputs()::text NOT LIKE '%of E%', 'nothing of E in D''s list');
-- GET /rpc/task_outputs?select=task_name: the records, the tenant's only
SELECT is((SELECT array_agg(task_name ORDER BY task_name) FROM task_outputs.task_outputs()),
          ARRAY['extract', 'load'], 'GET /rpc/task_outputs shows D''s rows only');
SELECT is((SELECT count(*) FROM task_outputs.task_outputs()
            WHERE organization_id = '0e000000-0000-4000-8000-00000000000e'),
          0::bigint, 'GET /rpc/task_outputs?organization_id=eq.<E> finds nothing');
-- GET /outputs: the table is not the web role's
SELECT throws_ok($$SELECT task_name FROM task_outputs.outputs$$, '42501', 'permission denied for table outputs',
                 'GET /outputs: the web role has no table privilege (42501, PostgREST answers 401/403)');
SELECT throws_ok($$SELECT name FROM task_outputs.flow_executions$$, '42501', 'permission denied for table flow_executions',
                 'GET /flow_executions: nor on the flow executions');
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000d1', 'x')$$,
                 '25006', NULL, 'a write in a GET''s read-only transaction is refused');
COMMIT;

-- POST /rpc/record_task_output, the body's keys as named arguments
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"task_outputs", "public"', true),
       set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"0d000000-0000-4000-8000-00000000000d","sub":"123e4567-e89b-12d3-a456-426614174000"}', true),
       set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/record_task_output', true) IS NOT NULL AS request_started \gset
CREATE TEMP TABLE pgrst_response AS
WITH pgrst_payload AS (SELECT '{"flow_execution_id": "0f000000-0000-4000-8000-0000000000d1", "task_name": "report", "output": {"pages": 3}, "tags": ["pdf"]}'::json AS json_data),
     pgrst_args AS (SELECT * FROM json_to_record((SELECT json_data FROM pgrst_payload))
                              AS _("flow_execution_id" uuid, "task_name" text, "output" jsonb, "tags" text[])),
     pgrst_source AS (SELECT pgrst_call.* FROM task_outputs.record_task_output(
                          "flow_execution_id" := (SELECT flow_execution_id FROM pgrst_args),
                          "task_name" := (SELECT task_name FROM pgrst_args),
                          "output" := (SELECT output FROM pgrst_args),
                          "tags" := (SELECT tags FROM pgrst_args)) pgrst_call)
SELECT row_to_json(pgrst_source) AS body FROM pgrst_source;
SELECT is((SELECT body->>'organization_id' FROM pgrst_response), '0d000000-0000-4000-8000-00000000000d',
          'POST /rpc/record_task_output: the output belongs to the JWT''s organization');
SELECT is((SELECT body->>'last_modified_by' FROM pgrst_response), '123e4567-e89b-12d3-a456-426614174000',
          'and is stamped with the JWT''s sub');
SELECT is((SELECT body->'output' FROM pgrst_response)::text, '{"pages": 3}', 'the response carries the output');
DROP TABLE pgrst_response;
COMMIT;

-- the next request on the same connection, as E: sees E only, not D's
-- claims nor D's rows (the claims parse is not stale)
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"0e000000-0000-4000-8000-00000000000e"}', true) IS NOT NULL AS request_started \gset
SELECT is(task_outputs.current_org_id(), '0e000000-0000-4000-8000-00000000000e'::uuid, 'the next request has its own tenant');
SELECT is((SELECT array_agg(e->>'task_name') FROM json_array_elements(task_outputs.list_task_outputs()) e),
          ARRAY['extract'], 'and lists E''s one output');
SELECT is((SELECT count(*) FROM task_outputs.task_outputs(task_name => 'report')), 0::bigint,
          'D''s new output is not visible to E');
COMMIT;

-- after the transaction: no role, no claims, no tenant
SELECT is(current_user::text, 'pgrst_authenticator', 'the role switch ended with the request');
SELECT is(current_setting('request.jwt.claims', true), '', 'the claims ended with the request');
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'pgrst_web', true) IS NOT NULL AS request_started \gset
SELECT is(task_outputs.current_org_id(), NULL, 'a request without a JWT has no tenant left over');
SELECT throws_ok($$SELECT task_outputs.task_outputs()$$, '42501', 'no organization is set for this session',
                 'and reads no rows');
COMMIT;

-- a request without the org claim: no tenant, 42501 with a hint; the table shows nothing
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","sub":"service-account"}', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501', 'no organization is set for this session',
                 'no org claim: 42501 (PostgREST answers 403)');
SELECT throws_ok($$SELECT task_outputs.count_task_outputs()$$, '42501', 'no organization is set for this session',
                 'no org claim: GET /rpc/count_task_outputs is refused too');
COMMIT;

-- the anonymous role (no JWT): no privilege at all
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'pgrst_anon', true), set_config('request.jwt.claims', '{"role":"pgrst_anon"}', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501', NULL,
                 'anonymous: 42501 (PostgREST answers 401)');
COMMIT;

-- a token whose org claim is not a UUID: an error, never "no tenant"
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"acme"}', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '22P02', NULL, 'a non-UUID org claim: 22P02 (400)');
SELECT throws_ok($$SELECT task_outputs.count_task_outputs()$$, '22P02', NULL, 'also through count_task_outputs');
COMMIT;

-- errors of the API keep their SQLSTATE through the request
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"0d000000-0000-4000-8000-00000000000d"}', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.record_task_output("flow_execution_id" := '0f000000-0000-4000-8000-0000000000e1', "task_name" := 'x')$$,
                 'PT404', 'flow execution not found', 'E''s flow execution is PT404 for D (404), like an unknown one');
SELECT throws_ok($$SELECT task_outputs.record_task_output("flow_execution_id" := '0f000000-0000-4000-8000-0000000000ff', "task_name" := 'x')$$,
                 'PT404', 'flow execution not found', 'an unknown flow execution is PT404 (404)');
SELECT throws_ok($$SELECT task_outputs.create_flow_execution("name" := 'again', "id" := '0f000000-0000-4000-8000-0000000000d1')$$,
                 '23505', NULL, 'a duplicate id is 23505 (409)');
SELECT lives_ok($$SELECT task_outputs.create_flow_execution("name" := 'theirs', "id" := '0f000000-0000-4000-8000-0000000000e1')$$,
                'an id taken in E is free in D: another tenant''s id behaves like an unknown one');
-- PATCH and DELETE /outputs: the table is not the web role's
SELECT throws_ok($$UPDATE task_outputs.outputs SET created_at = now() WHERE task_name = 'extract' RETURNING id$$,
                 '42501', 'permission denied for table outputs', 'PATCH /outputs is refused (42501)');
SELECT throws_ok($$DELETE FROM task_outputs.outputs WHERE task_name = 'extract' RETURNING 1$$,
                 '42501', 'permission denied for table outputs', 'DELETE /outputs is refused (42501)');
-- POST /rpc/set_task_output_status aimed at E's output: PT404, like an unknown id
SELECT throws_ok(format($$SELECT task_outputs.set_task_output_status(%L, 'stale')$$, :'e1'),
                 'PT404', 'task output not found', 'POST /rpc/set_task_output_status on E''s output is PT404 (404)');
-- POST /rpc/delete_task_output: a soft delete
SELECT is((SELECT status::text FROM task_outputs.delete_task_output(:'d1')), 'deleted',
          'POST /rpc/delete_task_output returns the output, deleted');
SELECT is(json_array_length(task_outputs.list_task_outputs(task_name => 'extract')), 0,
          'and it is no longer listed');
-- an actor claim that is not a valid actor is refused on write
SELECT set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"0d000000-0000-4000-8000-00000000000d","sub":"Not Valid"}', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000d1', 'x')$$,
                 '22023', NULL, 'a sub claim that is not a valid actor is 22023 (400)');
ROLLBACK;

-- a failed request rolled back leaves the connection clean too
SELECT is(current_user::text, 'pgrst_authenticator', 'after a rolled-back request: back to the authenticator');
SELECT is(current_setting('request.jwt.claims', true), '', 'and no claims');

-- the same token through an authenticator that is not a gateway: refused
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pgrst_untrusted_authenticator;
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'pgrst_web', true),
       set_config('request.jwt.claims', '{"role":"pgrst_web","org_id":"0d000000-0000-4000-8000-00000000000d"}', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501',
                 'permission denied to act for organization "0d000000-0000-4000-8000-00000000000d"',
                 'an authenticator outside task_outputs_gateway cannot pass a tenant');
SELECT throws_ok($$SELECT task_outputs.count_task_outputs()$$, '42501',
                 'permission denied to act for organization "0d000000-0000-4000-8000-00000000000d"',
                 'nor can it count');
COMMIT;

-- nor can a tenant's own login, by setting the claims itself
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pgrst_untrusted_authenticator;
BEGIN;
SET LOCAL ROLE pgrst_web;
SELECT set_config('request.jwt.claims', '{"org_id":"0e000000-0000-4000-8000-00000000000e"}', true) IS NOT NULL AS request_started \gset
SELECT set_config('jwt.claims.org_id', '0e000000-0000-4000-8000-00000000000e', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT task_outputs.create_flow_execution('mine now')$$, '42501', NULL,
                 'forged claims on a non-gateway connection are refused');
COMMIT;

RESET SESSION AUTHORIZATION;
SELECT * FROM finish();

-- clean up: rows (triggers off, so no rule of the write path gets in the
-- way of removing test data), grants, roles
SET session_replication_role = replica;
DELETE FROM task_outputs.outputs WHERE organization_id IN
    ('0d000000-0000-4000-8000-00000000000d', '0e000000-0000-4000-8000-00000000000e');
DELETE FROM task_outputs.flow_executions WHERE organization_id IN
    ('0d000000-0000-4000-8000-00000000000d', '0e000000-0000-4000-8000-00000000000e');
RESET session_replication_role;
DROP ROLE pgrst_untrusted_authenticator, pgrst_authenticator, pgrst_web, pgrst_anon;

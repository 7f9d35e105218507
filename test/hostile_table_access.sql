-- A hostile tenant and the extension's tables.  The roles a tenant gets
-- (reader, writer, admin, also as a database owner) and a gateway's web
-- role hold the API and no privilege on any table: a plain SELECT is
-- refused (42501), so no soft-deleted row, no internal column and nothing
-- a gateway exposing the schema would serve.  The trusted tier
-- (task_outputs_direct) reads the tables through row-level security: its
-- organization only, soft-deleted rows and their internal column only for
-- an admin.  Issue 10, item 8: a reader's SELECT returned deleted rows and
-- the status they had before deletion, and a gateway exposing the schema
-- served them over HTTP.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
-- 5 roles x 4 tables, the catalog, the gateway's 2 protocols x 2, the
-- direct tier 7 + 3, the admin's API 1
SELECT plan(5 * 4 + 1 + 4 + 7 + 3 + 1);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/deployment.psql

----------------------------------------------------------------------------
-- tenant roles: no table privileges at all
----------------------------------------------------------------------------
SELECT is(hz.outcome_as(r.role_name, format('SELECT * FROM task_outputs.%I', t.name)), '42501',
          format('%s: SELECT on task_outputs.%s is refused', r.role_name, t.name))
  FROM hz.tenant_roles r,
       (VALUES (1, 'outputs'), (2, 'flow_executions'), (3, 'audit_trail'), (4, 'organization_grants')) t(n, name)
 ORDER BY r.role_name, t.n;

SELECT is_empty($$
  SELECT r.rolname || ' on ' || c.relname
    FROM pg_catalog.pg_class c, pg_catalog.pg_roles r
   WHERE c.relnamespace = 'task_outputs'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND r.rolname IN ('task_outputs_reader', 'task_outputs_writer', 'task_outputs_admin', 'task_outputs_gateway',
                       'to_h_reader', 'to_h_writer', 'to_h_admin', 'to_h_owner', 'to_h_web', 'to_h_authenticator')
     AND (pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
          OR pg_catalog.has_any_column_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))$$,
  'no tenant role, gateway or web role holds any privilege on any table or column of the extension');

----------------------------------------------------------------------------
-- a gateway exposing the schema: the web role reads no table
----------------------------------------------------------------------------
SET SESSION AUTHORIZATION to_h_authenticator;
-- PostgREST: GET /outputs and GET /flow_executions
SELECT set_config('role', 'to_h_web', true),
       set_config('request.jwt.claims', '{"role": "to_h_web", "org_id": "0a000000-0000-4000-8000-00000000000a"}', true)
       IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT id, status FROM task_outputs.outputs WHERE status = 'deleted'$$, '42501', NULL,
                 'PostgREST: GET /outputs?status=eq.deleted is refused');
SELECT throws_ok($$SELECT * FROM task_outputs.flow_executions$$, '42501', NULL,
                 'PostgREST: GET /flow_executions is refused');
RESET ROLE;
SELECT set_config('request.jwt.claims', '', true) IS NOT NULL AS request_ended \gset
-- PostGraphile: the same role, claims as jwt.claims.*
SET LOCAL ROLE to_h_web;
SELECT set_config('jwt.claims.org_id', '0a000000-0000-4000-8000-00000000000a', true) IS NOT NULL AS request_started \gset
SELECT throws_ok($$SELECT id, status_before_delete FROM task_outputs.outputs$$, '42501', NULL,
                 'PostGraphile: allOutputs is refused');
SELECT throws_ok($$SELECT * FROM task_outputs.audit_trail$$, '42501', NULL,
                 'PostGraphile: allAuditTrails is refused');
RESET ROLE;
SELECT set_config('jwt.claims.org_id', '', true) IS NOT NULL AS request_ended \gset
RESET SESSION AUTHORIZATION;

----------------------------------------------------------------------------
-- the trusted tier, not an admin: its organization's rows, deleted ones
-- hidden with their internal column
----------------------------------------------------------------------------
SELECT ok(EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'task_outputs_direct'),
          'the trusted tier task_outputs_direct exists');
CREATE TABLE hz.loot (status text, status_before_delete text, organization_id uuid);
GRANT INSERT, SELECT ON hz.loot TO PUBLIC;
-- a leaky function, cheap enough for the planner to run it early
CREATE FUNCTION hz.leak(status text, before text, org uuid) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
  INSERT INTO hz.loot VALUES (status, before, org);
  RETURN true;
END $$;
SET LOCAL ROLE to_h_direct;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT is((SELECT count(*) FROM task_outputs.outputs), task_outputs.count_task_outputs(),
          'direct tier: a plain SELECT shows the rows the API lists, no more');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE status = 'deleted'), 0::bigint,
          'direct tier: no soft-deleted row');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE status_before_delete IS NOT NULL), 0::bigint,
          'direct tier: no value of the internal column status_before_delete');
SELECT is((SELECT count(*) FROM task_outputs.outputs o WHERE hz.leak(o.status::text, o.status_before_delete::text, o.organization_id)),
          task_outputs.count_task_outputs(), 'direct tier: a leaky function in WHERE ...');
RESET ROLE;
SELECT is((SELECT count(*) FROM hz.loot WHERE status = 'deleted' OR status_before_delete IS NOT NULL
              OR organization_id <> '0a000000-0000-4000-8000-00000000000a'), 0::bigint,
          '... never sees a deleted row or another organization''s');
SELECT ok(hz.outcome_as('to_h_direct', $$UPDATE task_outputs.outputs SET summary = '{"touched": true}' WHERE status = 'deleted'$$) = 'ok'
          AND NOT EXISTS (SELECT FROM task_outputs.outputs WHERE summary ? 'touched'),
          'direct tier: an UPDATE aimed at the deleted rows finds none, and changes none');

----------------------------------------------------------------------------
-- the trusted tier as an admin: deleted rows too, with the status before
----------------------------------------------------------------------------
SET LOCAL ROLE to_h_direct_admin;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT is((SELECT array_agg(task_name ORDER BY task_name) FROM task_outputs.outputs WHERE status = 'deleted'),
          ARRAY['deleted later', 'gone'], 'direct tier and admin: the soft-deleted rows of its organization');
SELECT is((SELECT status_before_delete::text FROM task_outputs.outputs WHERE task_name = 'deleted later'), 'completed',
          'direct tier and admin: with the status they had before deletion');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE organization_id <> '0a000000-0000-4000-8000-00000000000a'), 0::bigint,
          'direct tier and admin: nothing of another organization');
RESET ROLE;

-- the API shows an admin the deleted outputs, as before
SET LOCAL ROLE to_h_admin;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT is((SELECT array_agg(e->>'task_name' ORDER BY e->>'task_name')
             FROM json_array_elements(task_outputs.list_task_outputs(status => '{deleted}', include_deleted => true)) e),
          ARRAY['deleted later', 'gone'], 'an admin lists the deleted outputs through the API');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

--
-- Session defaults (ALTER DATABASE ... SET, ALTER ROLE ... SET) never
-- override the claims a gateway passes in its request: a request acts for
-- the claims' organization and stamps the claims' sub, for PostgREST
-- (request.jwt.claims) and PostGraphile (jwt.claims.*), whatever the
-- defaults of task_outputs.org_id and task_outputs.actor; and claims given
-- as a default are no claims.  Issue 10, item 10: a database owner who is
-- not a superuser sent every gateway request into its own organization,
-- with a forged actor.
--
-- A new connection picks up the defaults (\c).  The owner sets the
-- database's defaults itself (task_outputs.* once the library is loaded in
-- its session; the claims settings with the SET privilege a superuser gave
-- it).  The role defaults are set here by the superuser: a database owner
-- with CREATEROLE could set them on PostgreSQL 15; whoever sets them, they
-- are defaults.  Errors shown by SQLSTATE.
--
SELECT current_user AS superuser \gset
CREATE ROLE regress_sd_owner LOGIN IN ROLE task_outputs_writer;
CREATE DATABASE regress_session_defaults OWNER regress_sd_owner;
GRANT SET ON PARAMETER "request.jwt.claims", "jwt.claims.org_id", "jwt.claims.sub" TO regress_sd_owner;
\c regress_session_defaults
CREATE EXTENSION task_outputs;
-- the roles of PostgREST's documentation: a NOINHERIT authenticator that
-- is a member of the web role, and trusted as a gateway
CREATE ROLE regress_sd_authenticator LOGIN NOINHERIT IN ROLE task_outputs_gateway;
CREATE ROLE regress_sd_web NOLOGIN IN ROLE task_outputs_writer ROLE regress_sd_authenticator;
-- the owner is a tenant of organization O
SELECT task_outputs.grant_organization('regress_sd_owner', '0e000000-0000-4000-8000-00000000000e') IS NOT NULL AS granted;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe a', '0f000000-0000-4000-8000-0000000000a1') IS NOT NULL AS created;
SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
SELECT task_outputs.create_flow_execution('fe o', '0f000000-0000-4000-8000-0000000000e1') IS NOT NULL AS created;
RESET task_outputs.org_id;
\set VERBOSITY sqlstate

-- the owner's database defaults: its organization, a forged actor
\c - regress_sd_owner
SELECT task_outputs.current_org_id() IS NOT DISTINCT FROM task_outputs.current_org_id() AS library_loaded;
ALTER DATABASE regress_session_defaults SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
ALTER DATABASE regress_session_defaults SET task_outputs.actor = 'owner-forged';

-- a PostgREST request of a user of A
\c - regress_sd_authenticator
BEGIN;
SELECT set_config('role', 'regress_sd_web', true) IS NOT NULL AS role_set,
       set_config('request.jwt.claims', '{"role": "regress_sd_web", "org_id": "0a000000-0000-4000-8000-00000000000a", "sub": "123e4567-e89b-12d3-a456-426614174000"}', true) IS NOT NULL AS claims_set;
SELECT task_outputs.current_org_id();
SELECT organization_id, last_modified_by
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgrest');
COMMIT;
-- a PostGraphile request of a user of A
BEGIN;
SET LOCAL ROLE regress_sd_web;
SELECT set_config('jwt.claims.org_id', '0a000000-0000-4000-8000-00000000000a', true) IS NOT NULL AS claims_set,
       set_config('jwt.claims.sub', '223e4567-e89b-12d3-a456-426614174000', true) IS NOT NULL AS sub_set;
SELECT task_outputs.current_org_id();
SELECT organization_id, last_modified_by
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgraphile');
COMMIT;

-- the same defaults on the roles instead: the authenticator (a login
-- default) and the web role (which SET ROLE does not apply)
\c - :superuser
ALTER DATABASE regress_session_defaults RESET ALL;
ALTER ROLE regress_sd_authenticator SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
ALTER ROLE regress_sd_authenticator IN DATABASE regress_session_defaults SET task_outputs.actor = 'owner-forged';
ALTER ROLE regress_sd_web SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
\c - regress_sd_authenticator
BEGIN;
SELECT set_config('role', 'regress_sd_web', true) IS NOT NULL AS role_set,
       set_config('request.jwt.claims', '{"role": "regress_sd_web", "org_id": "0a000000-0000-4000-8000-00000000000a", "sub": "123e4567-e89b-12d3-a456-426614174000"}', true) IS NOT NULL AS claims_set;
SELECT task_outputs.current_org_id();
SELECT organization_id, last_modified_by
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgrest, role defaults');
COMMIT;
BEGIN;
SET LOCAL ROLE regress_sd_web;
SELECT set_config('jwt.claims.org_id', '0a000000-0000-4000-8000-00000000000a', true) IS NOT NULL AS claims_set,
       set_config('jwt.claims.sub', '223e4567-e89b-12d3-a456-426614174000', true) IS NOT NULL AS sub_set;
SELECT task_outputs.current_org_id();
SELECT organization_id, last_modified_by
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgraphile, role defaults');
COMMIT;
\c - :superuser
ALTER ROLE regress_sd_authenticator RESET ALL;
ALTER ROLE regress_sd_authenticator IN DATABASE regress_session_defaults RESET ALL;
ALTER ROLE regress_sd_web RESET ALL;

-- claims as database defaults: a gateway request that sets no claims of
-- its own has no tenant
\c - regress_sd_owner
ALTER DATABASE regress_session_defaults SET "request.jwt.claims" = '{"org_id": "0e000000-0000-4000-8000-00000000000e", "sub": "owner-forged"}';
ALTER DATABASE regress_session_defaults SET "jwt.claims.org_id" = '0e000000-0000-4000-8000-00000000000e';
\c - regress_sd_authenticator
BEGIN;
SELECT set_config('role', 'regress_sd_web', true) IS NOT NULL AS role_set;
SELECT task_outputs.current_org_id();
SELECT json_array_length(task_outputs.list_task_outputs());
ROLLBACK;
BEGIN;
SELECT set_config('role', 'regress_sd_web', true) IS NOT NULL AS role_set;
SELECT task_outputs.create_flow_execution('no claims of its own') IS NOT NULL AS created;
ROLLBACK;

-- claims that name no organization: the database's default organization
-- does not stand in for it, for PostgREST nor for PostGraphile (whose
-- claims of every token include its audience and role); and claims
-- without a sub are stamped "system", not with the default actor
\c - regress_sd_owner
SELECT task_outputs.current_org_id() IS NOT DISTINCT FROM task_outputs.current_org_id() AS library_loaded;
ALTER DATABASE regress_session_defaults RESET ALL;
ALTER DATABASE regress_session_defaults SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
ALTER DATABASE regress_session_defaults SET task_outputs.actor = 'owner-forged';
\c - regress_sd_authenticator
BEGIN;
SELECT set_config('role', 'regress_sd_web', true) IS NOT NULL AS role_set,
       set_config('request.jwt.claims', '{"role": "regress_sd_web", "sub": "123e4567-e89b-12d3-a456-426614174000"}', true) IS NOT NULL AS claims_set;
SELECT task_outputs.current_org_id();
SELECT json_array_length(task_outputs.list_task_outputs());
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_sd_web;
SELECT set_config('jwt.claims.aud', 'postgraphile', true) IS NOT NULL AS aud_set,
       set_config('jwt.claims.role', 'regress_sd_web', true) IS NOT NULL AS role_set;
SELECT task_outputs.current_org_id();
SELECT task_outputs.create_flow_execution('no organization claim') IS NOT NULL AS created;
ROLLBACK;
BEGIN;
SELECT set_config('role', 'regress_sd_web', true) IS NOT NULL AS role_set,
       set_config('request.jwt.claims', '{"role": "regress_sd_web", "org_id": "0a000000-0000-4000-8000-00000000000a"}', true) IS NOT NULL AS claims_set;
SELECT organization_id, last_modified_by
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgrest, no sub');
COMMIT;
\c - :superuser
ALTER DATABASE regress_session_defaults RESET ALL;

-- where every write went: all into A, none into O
\c - :superuser
SELECT task_name, organization_id, last_modified_by
  FROM task_outputs.outputs ORDER BY created_at, id;

\c contrib_regression :superuser
\set VERBOSITY default
DROP DATABASE regress_session_defaults;
REVOKE SET ON PARAMETER "request.jwt.claims", "jwt.claims.org_id", "jwt.claims.sub" FROM regress_sd_owner;
DROP ROLE regress_sd_owner, regress_sd_authenticator, regress_sd_web;

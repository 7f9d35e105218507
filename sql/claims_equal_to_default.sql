--
-- A session default equal to the claims a gateway request then sets does
-- not stand in for them: the request's claims are the request's, whatever
-- the defaults say.  A database owner who is not a superuser, and who knows
-- the claims text of a user's token (a long-lived service token, a token
-- without expiry), sets that text as the database's default of
-- request.jwt.claims (or the org claim's value as the default of
-- jwt.claims.org_id) and its own organization as the default of
-- task_outputs.org_id.  Telling the request's claims from a default by
-- comparing them with the setting's reset value would take the request's
-- claims for the default, ignore them, and send the user's writes into the
-- owner's organization (issue 10, item 10; SPEC section 5: session
-- defaults set by non-superusers never override a gateway's claims).
-- Errors shown by SQLSTATE.
--
SELECT current_user AS superuser \gset
CREATE ROLE regress_cd_owner LOGIN IN ROLE task_outputs_writer;
CREATE DATABASE regress_claims_default OWNER regress_cd_owner;
GRANT SET ON PARAMETER "request.jwt.claims", "jwt.claims.org_id" TO regress_cd_owner;
\c regress_claims_default
CREATE EXTENSION task_outputs;
CREATE ROLE regress_cd_authenticator LOGIN NOINHERIT IN ROLE task_outputs_gateway;
CREATE ROLE regress_cd_web NOLOGIN IN ROLE task_outputs_writer ROLE regress_cd_authenticator;
SELECT task_outputs.grant_organization('regress_cd_owner', '0e000000-0000-4000-8000-00000000000e') IS NOT NULL AS granted;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe a', '0f000000-0000-4000-8000-0000000000a1') IS NOT NULL AS created;
SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
SELECT task_outputs.create_flow_execution('fe o', '0f000000-0000-4000-8000-0000000000e1') IS NOT NULL AS created;
RESET task_outputs.org_id;
\set VERBOSITY sqlstate

-- PostgREST: the default is exactly the claims text of a request
\c - regress_cd_owner
SELECT task_outputs.current_org_id() IS NOT DISTINCT FROM task_outputs.current_org_id() AS library_loaded;
ALTER DATABASE regress_claims_default SET "request.jwt.claims" = '{"role": "regress_cd_web", "org_id": "0a000000-0000-4000-8000-00000000000a", "sub": "123e4567-e89b-12d3-a456-426614174000"}';
ALTER DATABASE regress_claims_default SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
\c - regress_cd_authenticator
BEGIN;
SELECT set_config('role', 'regress_cd_web', true) IS NOT NULL AS role_set,
       set_config('request.jwt.claims', '{"role": "regress_cd_web", "org_id": "0a000000-0000-4000-8000-00000000000a", "sub": "123e4567-e89b-12d3-a456-426614174000"}', true) IS NOT NULL AS claims_set;
SELECT task_outputs.current_org_id();
SELECT organization_id, last_modified_by
  FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgrest');
COMMIT;

-- PostGraphile: the default is the org claim's value a request sets
\c - :superuser
ALTER DATABASE regress_claims_default RESET ALL;
\c - regress_cd_owner
SELECT task_outputs.current_org_id() IS NOT DISTINCT FROM task_outputs.current_org_id() AS library_loaded;
ALTER DATABASE regress_claims_default SET "jwt.claims.org_id" = '0a000000-0000-4000-8000-00000000000a';
ALTER DATABASE regress_claims_default SET task_outputs.org_id = '0e000000-0000-4000-8000-00000000000e';
\c - regress_cd_authenticator
BEGIN;
SET LOCAL ROLE regress_cd_web;
SELECT set_config('jwt.claims.org_id', '0a000000-0000-4000-8000-00000000000a', true) IS NOT NULL AS claims_set;
SELECT task_outputs.current_org_id();
SELECT organization_id FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'via postgraphile');
COMMIT;

-- where the writes went: into A
\c - :superuser
SELECT task_name, organization_id FROM task_outputs.outputs ORDER BY created_at, id;

\c contrib_regression :superuser
\set VERBOSITY default
DROP DATABASE regress_claims_default;
REVOKE SET ON PARAMETER "request.jwt.claims", "jwt.claims.org_id" FROM regress_cd_owner;
DROP ROLE regress_cd_owner, regress_cd_authenticator, regress_cd_web;

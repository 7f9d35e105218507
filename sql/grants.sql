--
-- Organization grants and the gateway trust boundary: who may act for the
-- organization in force, what a refused role sees, who may grant what,
-- and the error texts.  Tenant roles read through the API only; the roles
-- that read the tables directly here are also members of the trusted
-- direct tier, bound by the same row-level security.
--
CREATE ROLE regress_tenant;
CREATE ROLE regress_group;
CREATE ROLE regress_member IN ROLE regress_group;
CREATE ROLE regress_admin IN ROLE task_outputs_admin;
CREATE ROLE regress_other_admin IN ROLE task_outputs_admin;
CREATE ROLE regress_authenticator LOGIN NOINHERIT IN ROLE task_outputs_gateway;
CREATE ROLE regress_web IN ROLE task_outputs_writer, task_outputs_direct ROLE regress_authenticator;
CREATE ROLE regress_service IN ROLE task_outputs_gateway, task_outputs_reader, task_outputs_direct;
GRANT task_outputs_writer TO regress_tenant, regress_group;
GRANT task_outputs_reader TO regress_member;
GRANT task_outputs_direct TO regress_tenant, regress_member;

SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('a', '0f000000-0000-4000-8000-0000000000a1');
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.create_flow_execution('b', '0f000000-0000-4000-8000-0000000000b1');

-- a role that has not been granted the organization: refused by the API,
-- no rows through row-level security, the same for any organization
SET ROLE regress_tenant;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.current_org_id(), task_outputs.authorized_org_id();
SELECT task_outputs.list_task_outputs();
SELECT task_outputs.create_flow_execution('x');
SELECT count(*) FROM task_outputs.flow_executions;
INSERT INTO task_outputs.flow_executions (name) VALUES ('x');
SET task_outputs.org_id = '0c000000-0000-4000-8000-00000000000c';
SELECT task_outputs.list_task_outputs();
-- the grants are not readable by a tenant, nor can it grant itself
SELECT count(*) FROM task_outputs.organization_grants;
SELECT task_outputs.grant_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');
RESET ROLE;

-- an admin delegates: it may grant only organizations it may act for
-- itself, so the first grant of an organization comes from a superuser
SET ROLE regress_admin;
SELECT task_outputs.grant_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');
RESET ROLE;
SELECT task_outputs.grant_organization('regress_admin', '0a000000-0000-4000-8000-00000000000a');
SET ROLE regress_admin;
SELECT task_outputs.grant_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');  -- again: a no-op
-- organization B is not its to give, to anyone, itself included
SELECT task_outputs.grant_organization('regress_group', '0b000000-0000-4000-8000-00000000000b');
SELECT task_outputs.grant_organization('regress_admin', '0b000000-0000-4000-8000-00000000000b');
-- nor is the grants table its to write
INSERT INTO task_outputs.organization_grants (organization_id, role_name)
VALUES ('0b000000-0000-4000-8000-00000000000b', 'regress_admin');
RESET ROLE;
SELECT task_outputs.grant_organization('regress_group', '0b000000-0000-4000-8000-00000000000b');
SELECT organization_id, role_name, granted_by, granted_at <= now() AS granted_before_now
  FROM task_outputs.organization_grants ORDER BY 1, 2;
-- bad arguments
SET ROLE regress_admin;
SELECT task_outputs.grant_organization(NULL, '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('regress_tenant', NULL);
SELECT task_outputs.grant_organization('-', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('regress_no_such_role', '0a000000-0000-4000-8000-00000000000a');
RESET ROLE;

SET ROLE regress_tenant;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.authorized_org_id();
SELECT name FROM task_outputs.flow_executions;
SELECT json_array_length(task_outputs.list_task_outputs());
-- the policy: the authorized tenant, a stable function computed once per
-- scan as an index condition on the tenant key
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM task_outputs.flow_executions ORDER BY created_at DESC, id DESC;
RESET enable_seqscan;
RESET enable_bitmapscan;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.authorized_org_id() IS NULL AS refused;
SELECT count(*) FROM task_outputs.flow_executions;
RESET ROLE;

-- a grant to a group serves the roles that have its privileges
SET ROLE regress_member;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT name FROM task_outputs.flow_executions;
SELECT json_array_length(task_outputs.list_task_outputs());
RESET ROLE;

-- a revoke takes effect at once, in the same session; an admin revokes
-- only what it may grant
SET ROLE regress_admin;
SELECT task_outputs.revoke_organization('regress_group', '0b000000-0000-4000-8000-00000000000b');
SELECT task_outputs.revoke_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.revoke_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');  -- again: a no-op
RESET ROLE;
-- another admin, without organization A, may not revoke its grants
SET ROLE regress_other_admin;
SELECT task_outputs.revoke_organization('regress_admin', '0a000000-0000-4000-8000-00000000000a');
RESET ROLE;
SET ROLE regress_tenant;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT count(*) FROM task_outputs.flow_executions;
SELECT task_outputs.list_task_outputs();
RESET ROLE;

-- a grant rolled back is no grant, even in the session that made it
BEGIN;
SELECT task_outputs.grant_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');
SET LOCAL ROLE regress_tenant;
SELECT count(*) FROM task_outputs.flow_executions;
ROLLBACK;
SET ROLE regress_tenant;
SELECT count(*) FROM task_outputs.flow_executions;
RESET ROLE;

-- losing membership loses the group's grant at once
REVOKE regress_group FROM regress_member;
SET ROLE regress_member;
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT count(*) FROM task_outputs.flow_executions;
RESET ROLE;

-- a gateway: the session user (the login, which SET ROLE does not change)
-- is a member of task_outputs_gateway, so the role it switches to takes
-- the organization from the claims, whichever it is
GRANT regress_admin TO regress_authenticator;
SET SESSION AUTHORIZATION regress_authenticator;
SET ROLE regress_web;
RESET task_outputs.org_id;
SELECT set_config('request.jwt.claims', '{"role": "regress_web", "org_id": "0b000000-0000-4000-8000-00000000000b"}', false);
SELECT name FROM task_outputs.flow_executions;
SELECT (task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000b1'))->>'name' AS name;
SELECT set_config('request.jwt.claims', '{"role": "regress_web", "org_id": "0a000000-0000-4000-8000-00000000000a"}', false);
SELECT name FROM task_outputs.flow_executions;
-- and an admin acting through the gateway may grant the organization of
-- the request (the gateway vouches for it)
SET ROLE regress_admin;
SELECT task_outputs.grant_organization('regress_member', '0a000000-0000-4000-8000-00000000000a');
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false);
RESET SESSION AUTHORIZATION;
REVOKE regress_admin FROM regress_authenticator;
SELECT task_outputs.revoke_organization('regress_member', '0a000000-0000-4000-8000-00000000000a');

-- the same role without the gateway login is bound by grants
SET ROLE regress_web;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT count(*) FROM task_outputs.flow_executions;
RESET ROLE;
-- a gateway member as the current user is trusted too
SET ROLE regress_service;
SELECT name FROM task_outputs.flow_executions;
RESET ROLE;
RESET task_outputs.org_id;

-- grants go by role name, so that dump and restore keep them: a dropped
-- role's grant stays until it is revoked by name
SELECT task_outputs.grant_organization('regress_tenant', '0a000000-0000-4000-8000-00000000000a');
DROP ROLE regress_tenant;
SELECT role_name FROM task_outputs.organization_grants ORDER BY 1;
DELETE FROM task_outputs.organization_grants WHERE role_name = 'regress_tenant';
SELECT role_name FROM task_outputs.organization_grants ORDER BY 1;

DELETE FROM task_outputs.organization_grants;
DROP ROLE regress_member, regress_group, regress_admin, regress_other_admin, regress_web,
	regress_authenticator, regress_service;
DELETE FROM task_outputs.outputs;
DELETE FROM task_outputs.flow_executions;

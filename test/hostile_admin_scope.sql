-- Admins are scoped to the organizations they may act for: an admin
-- granted organization A grants and revokes A, and cannot grant any role
-- (itself included) organization B, nor revoke B from anyone -- whichever
-- organization is in force; it cannot write the grants table either.  A
-- superuser grants and revokes any organization.  Issue 10, item 14: any
-- task_outputs_admin could grant itself any organization.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(13);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/deployment.psql
CREATE ROLE to_h_newcomer IN ROLE task_outputs_reader;
-- the grants of B, read as the superuser
CREATE FUNCTION hz.grants_of_b() RETURNS text LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(string_agg(role_name::text, ',' ORDER BY role_name), '')
    FROM task_outputs.organization_grants WHERE organization_id = '0b000000-0000-4000-8000-00000000000b' $$;
SELECT hz.grants_of_b() AS b_grants_before \gset

SET LOCAL ROLE to_h_admin;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT throws_ok($$SELECT task_outputs.grant_organization('to_h_admin', '0b000000-0000-4000-8000-00000000000b')$$,
                 '42501', NULL, 'an admin of A cannot grant itself B');
SELECT throws_ok($$SELECT task_outputs.grant_organization('to_h_newcomer', '0b000000-0000-4000-8000-00000000000b')$$,
                 '42501', NULL, 'nor grant B to another role');
SELECT throws_ok($$SELECT task_outputs.revoke_organization('to_bob', '0b000000-0000-4000-8000-00000000000b')$$,
                 '42501', NULL, 'nor revoke B from a role of B');
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT throws_ok($$SELECT task_outputs.grant_organization('to_h_admin', '0b000000-0000-4000-8000-00000000000b')$$,
                 '42501', NULL, 'nor with B in force');
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT throws_ok($$INSERT INTO task_outputs.organization_grants (organization_id, role_name)
                   VALUES ('0b000000-0000-4000-8000-00000000000b', 'to_h_admin')$$,
                 '42501', NULL, 'nor insert a grant of B into the grants table');
SELECT throws_ok($$DELETE FROM task_outputs.organization_grants WHERE organization_id = '0b000000-0000-4000-8000-00000000000b'$$,
                 '42501', NULL, 'nor delete the grants of B');
RESET ROLE;
SELECT is(hz.grants_of_b(), :'b_grants_before', 'the grants of B are as they were');

-- A is the admin's to give and take
SET LOCAL ROLE to_h_admin;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT lives_ok($$SELECT task_outputs.grant_organization('to_h_newcomer', '0a000000-0000-4000-8000-00000000000a')$$,
                'an admin of A grants A');
RESET ROLE;
SET LOCAL ROLE to_h_newcomer;
SELECT is(json_array_length(task_outputs.list_task_outputs()), 2, 'and the grantee reads A''s 2 visible outputs');
RESET ROLE;
SET LOCAL ROLE to_h_admin;
SELECT lives_ok($$SELECT task_outputs.revoke_organization('to_h_newcomer', '0a000000-0000-4000-8000-00000000000a')$$,
                'an admin of A revokes A');
RESET ROLE;
SET LOCAL ROLE to_h_newcomer;
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501', NULL, 'and the grantee no longer reads A');
RESET ROLE;

-- a superuser grants and revokes anything
SELECT lives_ok($$SELECT task_outputs.grant_organization('to_h_newcomer', '0b000000-0000-4000-8000-00000000000b')$$,
                'a superuser grants B');
SELECT lives_ok($$SELECT task_outputs.revoke_organization('to_bob', '0b000000-0000-4000-8000-00000000000b')$$,
                'and revokes B');

SELECT * FROM finish();
ROLLBACK;

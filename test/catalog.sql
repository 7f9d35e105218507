-- The catalog, checked as a whole: whatever any part of the extension adds
-- to its schema must keep these invariants (row-level security forced,
-- definer functions pinned, every key led by the tenant, nothing for
-- PUBLIC, the roles holding no more than their part: the tenant roles no
-- table privilege at all).  Each check lists the
-- offending objects, so a failure names them.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(26);

-- the catalogs are readable by anyone: check as a role without privileges
CREATE ROLE to_catalog_reader;
SET LOCAL ROLE to_catalog_reader;

CREATE TEMP VIEW ext_tables AS
SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_catalog.pg_class c
 WHERE c.relnamespace = 'task_outputs'::regnamespace
   AND c.relkind IN ('r', 'p', 'f');

SELECT isnt_empty($$SELECT 1 FROM ext_tables$$, 'the schema has tables to check');

SELECT is_empty($$SELECT relname FROM ext_tables WHERE NOT relrowsecurity OR NOT relforcerowsecurity$$,
                'every table has row-level security enabled and forced');

SELECT is_empty($$SELECT t.relname FROM ext_tables t
                   WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                                      WHERE a.attrelid = t.oid AND a.attname = 'organization_id'
                                        AND NOT a.attisdropped)$$,
                'every table has an organization_id column');

SELECT is_empty($$SELECT t.relname FROM ext_tables t
                   WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_policy p WHERE p.polrelid = t.oid)
                     AND EXISTS (SELECT FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
                                  WHERE c.oid = t.oid AND a.grantee <> c.relowner)$$,
                'every table a role other than its owner may use has a policy (RLS without one would only hide everything)');

-- every permissive policy that is not the admin's alone is keyed on the
-- authorized tenant, in USING and in WITH CHECK: a stable function (or
-- an InitPlan of it), so computed once per scan, an index condition
CREATE TEMP VIEW tenant_keyed (pattern) AS
VALUES ('%organization_id = task_outputs.authorized_org_id()%'),
       ('%organization_id = ( SELECT task_outputs.authorized_org_id() AS authorized_org_id)%');
SELECT is_empty($$SELECT p.tablename || '.' || p.policyname
                    FROM pg_catalog.pg_policies p
                   WHERE p.schemaname = 'task_outputs' AND p.permissive = 'PERMISSIVE'
                     AND p.roles <> '{task_outputs_admin}'
                     AND (p.qual IS NULL AND p.cmd IN ('ALL', 'SELECT', 'UPDATE', 'DELETE')
                          OR (p.qual IS NOT NULL
                              AND NOT EXISTS (SELECT FROM tenant_keyed k WHERE p.qual LIKE k.pattern))
                          OR (p.with_check IS NOT NULL
                              AND NOT EXISTS (SELECT FROM tenant_keyed k WHERE p.with_check LIKE k.pattern)))$$,
                'every tenant policy is organization_id = task_outputs.authorized_org_id()');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                   WHERE p.pronamespace = 'task_outputs'::regnamespace
                     AND p.proname IN ('authorized_org_id', 'deleted_visible', 'current_org_id')
                     AND p.provolatile <> 's'$$,
                'the functions the policies call are STABLE (computed once per scan, usable as index conditions)');

-- keys and indexes: the tenant leads
SELECT is_empty($$SELECT c.conrelid::regclass || ' ' || c.conname
                    FROM pg_catalog.pg_constraint c
                   WHERE c.connamespace = 'task_outputs'::regnamespace
                     AND c.contype IN ('p', 'u', 'x', 'f')
                     AND (SELECT a.attname FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]) <> 'organization_id'$$,
                'every primary, unique, exclusion and foreign key starts with organization_id');
SELECT is_empty($$SELECT c.conrelid::regclass || ' ' || c.conname
                    FROM pg_catalog.pg_constraint c
                   WHERE c.connamespace = 'task_outputs'::regnamespace AND c.contype = 'f'
                     AND (SELECT a.attname FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = c.confrelid AND a.attnum = c.confkey[1]) <> 'organization_id'$$,
                'every foreign key references organization_id first');
SELECT is_empty($$SELECT i.indexrelid::regclass::text
                    FROM pg_catalog.pg_index i JOIN ext_tables t ON t.oid = i.indrelid
                   WHERE i.indkey[0] = 0
                      OR (SELECT a.attname FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0]) <> 'organization_id'$$,
                'every index (unique or not) starts with organization_id');
SELECT is_empty($$SELECT relname FROM pg_catalog.pg_class
                   WHERE relnamespace = 'task_outputs'::regnamespace AND relkind = 'S'$$,
                'no sequences (nothing global across tenants)');

-- views and materialized views would run with their owner's rights,
-- which bypass row-level security
SELECT is_empty($$SELECT relname FROM pg_catalog.pg_class
                   WHERE relnamespace = 'task_outputs'::regnamespace
                     AND (relkind = 'm'
                          OR relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (reloptions), false))$$,
                'no materialized views, and every view is security_invoker');

-- functions
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                   WHERE p.pronamespace = 'task_outputs'::regnamespace AND p.prosecdef
                     AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)$$,
                'every SECURITY DEFINER function pins search_path to pg_catalog, pg_temp');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                   WHERE p.pronamespace = 'task_outputs'::regnamespace
                     AND pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL$$,
                'every function has a comment');
SELECT is_empty($$SELECT proname FROM pg_catalog.pg_proc
                   WHERE pronamespace = 'task_outputs'::regnamespace
                   GROUP BY proname HAVING count(*) > 1$$,
                'no function name is overloaded');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                   WHERE p.pronamespace = 'task_outputs'::regnamespace AND p.proleakproof$$,
                'no function is marked LEAKPROOF');

-- privileges: nothing for PUBLIC, and only the extension's roles hold any
SELECT is_empty($$SELECT 'function ' || p.oid::regprocedure FROM pg_catalog.pg_proc p,
                         pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                   WHERE p.pronamespace = 'task_outputs'::regnamespace AND a.grantee = 0
                  UNION ALL
                  SELECT 'relation ' || c.oid::regclass || ' ' || a.privilege_type FROM pg_catalog.pg_class c,
                         pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) a
                   WHERE c.relnamespace = 'task_outputs'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                     AND a.grantee = 0
                  UNION ALL
                  SELECT 'type ' || t.oid::regtype FROM pg_catalog.pg_type t,
                         pg_catalog.aclexplode(coalesce(t.typacl, pg_catalog.acldefault('T', t.typowner))) a
                   WHERE t.typnamespace = 'task_outputs'::regnamespace AND t.typelem = 0
                     AND (t.typrelid = 0 OR (SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c')
                     AND a.grantee = 0
                  UNION ALL
                  SELECT 'schema ' || a.privilege_type FROM pg_catalog.pg_namespace n,
                         pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
                   WHERE n.nspname = 'task_outputs' AND a.grantee = 0$$,
                'nothing in the schema is granted to PUBLIC');
SELECT is_empty($$SELECT a.grantee::regrole || ' on ' || p.oid::regprocedure FROM pg_catalog.pg_proc p,
                         pg_catalog.aclexplode(p.proacl) a
                   WHERE p.pronamespace = 'task_outputs'::regnamespace AND a.grantee <> p.proowner
                     AND a.grantee::regrole::text NOT IN ('task_outputs_reader', 'task_outputs_writer', 'task_outputs_admin',
                                                          'task_outputs_direct', 'task_outputs_service')
                  UNION ALL
                  SELECT a.grantee::regrole || ' on ' || c.oid::regclass FROM pg_catalog.pg_class c,
                         pg_catalog.aclexplode(c.relacl) a
                   WHERE c.relnamespace = 'task_outputs'::regnamespace AND a.grantee <> c.relowner
                     AND a.grantee::regrole::text NOT IN ('task_outputs_reader', 'task_outputs_writer', 'task_outputs_admin',
                                                          'task_outputs_direct', 'task_outputs_service')$$,
                'only reader, writer, admin, direct and service hold privileges (the gateway role is a marker with none)');
SELECT is_empty($$SELECT r.role || ' ' || t.relname || ' ' || p.priv
                    FROM (VALUES ('task_outputs_reader'), ('task_outputs_writer'),
                                 ('task_outputs_admin'), ('task_outputs_gateway')) r(role),
                         ext_tables t,
                         (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'),
                                 ('REFERENCES'), ('TRIGGER')) p(priv)
                   WHERE pg_catalog.has_table_privilege(r.role, t.oid, p.priv)
                      OR p.priv IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                         AND pg_catalog.has_any_column_privilege(r.role, t.oid, p.priv)$$,
                'the tenant roles hold no privilege on any table (the API is theirs, not the tables)');
SELECT is_empty($$SELECT a.grantee::regrole || ' ' || a.privilege_type || ' on ' || c.oid::regclass
                    FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
                   WHERE c.relnamespace = 'task_outputs'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                     AND a.grantee::regrole::text IN ('task_outputs_direct', 'task_outputs_service')
                     AND (a.privilege_type, c.relname) NOT IN
                         (('SELECT', 'flow_executions'), ('INSERT', 'flow_executions'),
                          ('UPDATE', 'flow_executions'), ('DELETE', 'flow_executions'),
                          ('SELECT', 'outputs'), ('INSERT', 'outputs'), ('UPDATE', 'outputs'), ('DELETE', 'outputs'),
                          ('SELECT', 'audit_trail'))$$,
                'the direct tier and the service role hold at most SELECT, INSERT, UPDATE, DELETE on the tenant tables and SELECT on the trail');
SELECT is_empty($$SELECT a.grantee::regrole || ' ' || a.privilege_type FROM pg_catalog.pg_namespace n,
                         pg_catalog.aclexplode(n.nspacl) a
                   WHERE n.nspname = 'task_outputs' AND a.grantee <> n.nspowner AND a.privilege_type <> 'USAGE'$$,
                'nobody but the owner may CREATE in the schema (no shadowing objects inside it)');
SELECT is_empty($$SELECT r.role || ' ' || t.relname || ' ' || p.priv
                    FROM (VALUES ('task_outputs_reader'), ('task_outputs_writer'),
                                 ('task_outputs_admin'), ('task_outputs_gateway'),
                                 ('task_outputs_direct'), ('task_outputs_service')) r(role),
                         ext_tables t,
                         (VALUES ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')) p(priv)
                   WHERE pg_catalog.has_table_privilege(r.role, t.oid, p.priv)$$,
                'no role of the extension may TRUNCATE, REFERENCES or TRIGGER any table');
SELECT is_empty($$SELECT t.relname FROM ext_tables t
                   WHERE t.relname = 'organization_grants'
                     AND EXISTS (SELECT FROM (VALUES ('task_outputs_admin'), ('task_outputs_direct'),
                                                     ('task_outputs_service')) r(role)
                                  WHERE pg_catalog.has_table_privilege(r.role, t.oid, 'SELECT, INSERT, UPDATE, DELETE')
                                     OR pg_catalog.has_any_column_privilege(r.role, t.oid, 'SELECT, INSERT, UPDATE'))$$,
                'no role of the extension has a privilege on the organization grants (the owner keeps them)');

-- the roles: NOLOGIN, and no attribute that would bypass the checks
SELECT is_empty($$SELECT rolname FROM pg_catalog.pg_roles
                   WHERE rolname IN ('task_outputs_reader', 'task_outputs_writer',
                                     'task_outputs_admin', 'task_outputs_gateway',
                                     'task_outputs_direct', 'task_outputs_service')
                     AND (rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)$$,
                'the extension''s roles cannot log in and hold no bypassing attribute');
SELECT is((SELECT count(*) FROM pg_catalog.pg_roles
            WHERE rolname IN ('task_outputs_reader', 'task_outputs_writer', 'task_outputs_admin',
                              'task_outputs_gateway', 'task_outputs_direct', 'task_outputs_service')), 6::bigint,
          'the six roles of the extension exist');
SELECT is_empty($$SELECT m.member::regrole || ' -> ' || m.roleid::regrole FROM pg_catalog.pg_auth_members m
                   WHERE m.roleid = 'task_outputs_service'::regrole OR m.member = 'task_outputs_service'::regrole$$,
                'the service role has no members and is a member of nothing: nobody can become it');
SELECT is_empty($$SELECT m.roleid::regrole || ' -> ' || m.member::regrole
                    FROM pg_catalog.pg_auth_members m
                   WHERE m.member = 'task_outputs_gateway'::regrole
                      OR m.roleid = 'task_outputs_gateway'::regrole
                         AND m.member::regrole::text LIKE 'task\_outputs\_%'$$,
                'the gateway role is in no other role of the extension, and they are not in it');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

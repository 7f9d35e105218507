--
-- The data model: the status enum, the task_output type, the tables, their
-- keys and indexes, row-level security, dump registration, roles, grants.
--
SELECT enum_range(NULL::task_outputs.task_output_status);

-- the API's record: the seed's attributes, in order
SELECT attnum, attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'task_outputs.task_output'::regclass AND attnum > 0
 ORDER BY attnum;

-- the task outputs table starts with exactly the same columns
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid) AS "default"
  FROM pg_attribute a
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'task_outputs.outputs'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;

SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
  FROM pg_attribute a
 WHERE a.attrelid = 'task_outputs.flow_executions'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;

-- every key and index is led by organization_id
SELECT conrelid::regclass, conname, contype, pg_get_constraintdef(oid)
  FROM pg_constraint
 WHERE connamespace = 'task_outputs'::regnamespace AND contype IN ('p', 'u', 'f')
 ORDER BY 1, 2;
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid)
  FROM pg_index
 WHERE indrelid IN ('task_outputs.outputs'::regclass, 'task_outputs.flow_executions'::regclass)
 ORDER BY 1;

-- row-level security: enabled and forced on every table, with its policies
SELECT relname, relrowsecurity, relforcerowsecurity
  FROM pg_class
 WHERE relnamespace = 'task_outputs'::regnamespace AND relkind = 'r'
 ORDER BY relname;
SELECT tablename, policyname, cmd, roles, qual, with_check
  FROM pg_policies WHERE schemaname = 'task_outputs'
 ORDER BY tablename, policyname;

-- pg_dump keeps the rows of every table
SELECT unnest(extconfig)::regclass AS dumped
  FROM pg_extension WHERE extname = 'task_outputs'
 ORDER BY 1;

-- roles: created NOLOGIN, each level a member of the one below
SELECT rolname, rolcanlogin, rolsuper, rolinherit
  FROM pg_roles WHERE rolname LIKE 'task\_outputs\_%' ORDER BY rolname;
SELECT r.rolname AS role, m.rolname AS member_of
  FROM pg_auth_members am
  JOIN pg_roles r ON r.oid = am.member
  JOIN pg_roles m ON m.oid = am.roleid
 WHERE r.rolname LIKE 'task\_outputs\_%'
 ORDER BY 1, 2;

-- functions: volatility, strictness, parallel label, security, comment
SELECT p.proname AS function, p.provolatile, p.proisstrict,
       p.proparallel, p.prosecdef, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'task_outputs'::regnamespace
 ORDER BY p.proname;

-- no function name is overloaded (gateways cannot choose between overloads)
SELECT proname, count(*) FROM pg_proc
 WHERE pronamespace = 'task_outputs'::regnamespace
 GROUP BY proname HAVING count(*) > 1;

-- nothing for PUBLIC: not a function, not a table, not the schema
SELECT p.oid::regprocedure AS public_function
  FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 WHERE p.pronamespace = 'task_outputs'::regnamespace AND a.grantee = 0;
SELECT c.oid::regclass AS public_table, a.privilege_type
  FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
 WHERE c.relnamespace = 'task_outputs'::regnamespace AND a.grantee = 0;
SELECT a.privilege_type AS public_schema_privilege
  FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
 WHERE n.nspname = 'task_outputs' AND a.grantee = 0;

-- what each role may do: the tenant roles the API, and no table at all;
-- the service role (which the C code runs its statements as) and the
-- trusted direct tier the tables
SELECT r.role, p.proname AS function
  FROM (VALUES ('task_outputs_reader'), ('task_outputs_writer'),
               ('task_outputs_admin'), ('task_outputs_gateway'),
               ('task_outputs_direct'), ('task_outputs_service')) r(role),
       pg_proc p
 WHERE p.pronamespace = 'task_outputs'::regnamespace
   AND p.prorettype <> 'trigger'::regtype
   AND has_function_privilege(r.role, p.oid, 'EXECUTE')
 ORDER BY 1, 2;
SELECT r.role, c.relname,
       has_table_privilege(r.role, c.oid, 'SELECT') AS sel,
       has_table_privilege(r.role, c.oid, 'INSERT') AS ins,
       has_table_privilege(r.role, c.oid, 'UPDATE') AS upd,
       has_table_privilege(r.role, c.oid, 'DELETE') AS del,
       has_table_privilege(r.role, c.oid, 'TRUNCATE') AS trunc,
       has_table_privilege(r.role, c.oid, 'REFERENCES') AS refs,
       has_table_privilege(r.role, c.oid, 'TRIGGER') AS trig
  FROM (VALUES ('task_outputs_reader'), ('task_outputs_writer'),
               ('task_outputs_admin'), ('task_outputs_gateway'),
               ('task_outputs_direct'), ('task_outputs_service')) r(role),
       pg_class c
 WHERE c.relnamespace = 'task_outputs'::regnamespace AND c.relkind = 'r'
 ORDER BY 1, 2;

-- the readers share their filters: the same names, types and defaults
SELECT proname, pg_get_function_arguments(oid) AS arguments, pg_get_function_result(oid) AS result
  FROM pg_proc
 WHERE pronamespace = 'task_outputs'::regnamespace
   AND proname IN ('list_task_outputs', 'list_task_outputs_page', 'task_outputs',
                   'export_task_outputs', 'count_task_outputs', 'get_flow_execution')
 ORDER BY 1;

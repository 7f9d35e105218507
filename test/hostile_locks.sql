-- A hostile tenant and table locks.  Row-level security does not cover
-- locks: LOCK TABLE needs only a table privilege, and an ACCESS EXCLUSIVE
-- lock held by one tenant stalls every tenant's reads and writes.  The
-- roles a tenant gets (reader, writer, admin, also as a database owner)
-- and a gateway's web role hold no table privilege, so every lock mode on
-- every table, and every row lock (SELECT ... FOR UPDATE / FOR KEY SHARE),
-- is refused (42501).  The trusted tier (task_outputs_direct) can lock the
-- tables: documented as trusted, never a tenant's role.  Issue 10, item
-- 12: any writer could stall every tenant.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
-- 5 roles x 4 tables, each check over 8 lock modes and 2 row locks; the trusted tier
SELECT plan(5 * 4 + 1);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/deployment.psql

CREATE TEMP TABLE lock_statements (n int, statement text);
INSERT INTO lock_statements
SELECT n, format('LOCK TABLE task_outputs.%%I IN %s MODE', mode)
  FROM unnest(ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE',
                    'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']) WITH ORDINALITY AS m(mode, n)
UNION ALL
VALUES (9, 'SELECT 1 FROM task_outputs.%I FOR UPDATE'),
       (10, 'SELECT 1 FROM task_outputs.%I FOR KEY SHARE NOWAIT');

-- each role, each table: the lock statements that were not refused
SELECT is(ARRAY(SELECT format(l.statement, t.name) || ': ' || o.outcome
                  FROM lock_statements l,
                       LATERAL (SELECT hz.outcome_as(r.role_name, format(l.statement, t.name)) AS outcome) o
                 WHERE o.outcome <> '42501'
                 ORDER BY l.n),
          '{}'::text[],
          format('%s: every lock mode and row lock on task_outputs.%s is refused', r.role_name, t.name))
  FROM hz.tenant_roles r,
       (VALUES (1, 'outputs'), (2, 'flow_executions'), (3, 'audit_trail'), (4, 'organization_grants')) t(n, name)
 ORDER BY r.role_name, t.n;

-- the trusted tier can: that is why it is not a tenant's role
SELECT is(hz.outcome_as('to_h_direct', 'LOCK TABLE task_outputs.outputs IN ACCESS EXCLUSIVE MODE'), 'ok',
          'the trusted tier (task_outputs_direct) can lock the outputs table');

SELECT * FROM finish();
ROLLBACK;

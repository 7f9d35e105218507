-- A hostile tenant: alice, a writer of organization A with plain SQL on the
-- tables (the direct tier), tries to read or change organization B's rows,
-- or to learn that they exist, every way her roles let her send SQL; a
-- tenant role without the direct tier cannot touch the tables at all.
-- Each attempt asserts its exact outcome.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(63);
\ir fixtures/tenants.psql

-- B holds a secret; statistics exist for the planner
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'secret',
        summary => '{"secret": "of B"}', output => '"of B"')).id AS b_secret \gset
RESET task_outputs.org_id;
ANALYZE task_outputs.outputs, task_outputs.flow_executions;

-- alice's own schema for her tools, and a place to put what leaks
CREATE SCHEMA to_attack AUTHORIZATION to_alice;
-- an error's SQLSTATE, message, detail and hint, for comparing two errors
CREATE FUNCTION pg_temp.error_of(statement text, id text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN replace(concat_ws(' | ', state, message, nullif(detail, ''), nullif(hint, '')), id, '<id>');
END
$$;

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
CREATE TABLE to_attack.loot (id uuid, organization_id uuid, summary jsonb);

----------------------------------------------------------------------------
-- leaky functions and operators in a WHERE: row-level security runs first
----------------------------------------------------------------------------
CREATE FUNCTION to_attack.leak(o task_outputs.outputs) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    INSERT INTO to_attack.loot VALUES (o.id, o.organization_id, o.summary);
    RETURN true;
END
$$;
CREATE FUNCTION to_attack.leak_eq(a uuid, b uuid) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    INSERT INTO to_attack.loot VALUES (a, b, NULL);
    RETURN a = b;
END
$$;
CREATE OPERATOR to_attack.=== (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = to_attack.leak_eq);

SELECT is((SELECT count(*) FROM task_outputs.outputs o WHERE to_attack.leak(o)), 2::bigint,
          'a cheap leaky function in WHERE sees alice''s 2 visible rows (not her soft-deleted one)');
SELECT is((SELECT count(*) FROM task_outputs.outputs o
            WHERE o.organization_id OPERATOR(to_attack.===) '0b000000-0000-4000-8000-00000000000b'), 0::bigint,
          'a leaky operator in WHERE finds no row of B');
SELECT is((SELECT count(*) FROM task_outputs.outputs o JOIN (VALUES (1)) v(x) ON to_attack.leak(o)), 2::bigint,
          'a leaky join condition sees alice''s visible rows only');
SELECT is((SELECT count(*) FROM to_attack.loot
            WHERE organization_id IS DISTINCT FROM '0a000000-0000-4000-8000-00000000000a'
              AND id IS DISTINCT FROM '0a000000-0000-4000-8000-00000000000a'), 0::bigint,
          'nothing of B reached the leaky functions');
SELECT is((SELECT count(*) FROM to_attack.loot WHERE summary::text LIKE '%of B%'), 0::bigint,
          'B''s secret never reached them');
SELECT is((SELECT count(*) FROM to_attack.loot WHERE id = '01000000-0000-7000-8000-0000000000ad'), 0::bigint,
          'nor alice''s own soft-deleted output');
-- errors raised by a WHERE are evaluated on visible rows only
SELECT lives_ok($$SELECT count(*) FROM task_outputs.outputs WHERE (summary->>'secret')::int = 1$$,
                'a cast that would fail on B''s secret raises nothing: B''s rows are never evaluated');
SELECT lives_ok($$SELECT 1 / (CASE WHEN organization_id = '0b000000-0000-4000-8000-00000000000b' THEN 0 ELSE 1 END)
                    FROM task_outputs.outputs$$,
                'a division by zero on B''s rows never happens');

----------------------------------------------------------------------------
-- ids: another tenant's id behaves exactly like an unknown one
----------------------------------------------------------------------------
SELECT is(pg_temp.error_of($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000b1', 'x')$$,
                           '0f000000-0000-4000-8000-0000000000b1'),
          pg_temp.error_of($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000ff', 'x')$$,
                           '0f000000-0000-4000-8000-0000000000ff'),
          'recording into B''s flow execution: the same error, detail and hint as an unknown id');
SELECT is(pg_temp.error_of($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
                             VALUES ('0f000000-0000-4000-8000-0000000000b1', '0b000000-0000-4000-8000-00000000000b', 'x')$$,
                           '0f000000-0000-4000-8000-0000000000b1'),
          pg_temp.error_of($$INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name)
                             VALUES ('0f000000-0000-4000-8000-0000000000ff', '0b000000-0000-4000-8000-00000000000b', 'x')$$,
                           '0f000000-0000-4000-8000-0000000000ff'),
          'a plain INSERT naming B: the same error as an unknown flow execution');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE id = :'b_secret'), 0::bigint,
          'B''s output by its id: no row, as for an unknown id');
SELECT lives_ok($$SELECT task_outputs.create_flow_execution('mine', '0f000000-0000-4000-8000-0000000000b1')$$,
                'an id taken in B is free in A: no conflict reveals it');
SELECT is(pg_temp.error_of($$SELECT task_outputs.create_flow_execution('dup', '0f000000-0000-4000-8000-0000000000a1')$$, ''),
          '23505 | duplicate key value violates unique constraint "flow_executions_pkey"',
          'a duplicate key: no DETAIL with key values (row-level security hides them)');
SELECT is(pg_temp.error_of($$INSERT INTO task_outputs.flow_executions (organization_id, name)
                             VALUES ('0b000000-0000-4000-8000-00000000000b', 'x')$$, ''),
          '42501 | new row violates row-level security policy for table "flow_executions"',
          'writing a row into B: refused, with no DETAIL about any row');

----------------------------------------------------------------------------
-- INSERT ... ON CONFLICT
----------------------------------------------------------------------------
SELECT is(pg_temp.error_of($$INSERT INTO task_outputs.flow_executions (id, organization_id, name)
                             VALUES ('0f000000-0000-4000-8000-0000000000b1', '0b000000-0000-4000-8000-00000000000b', 'x')
                             ON CONFLICT (organization_id, id) DO UPDATE SET name = 'pwned'$$,
                           '0f000000-0000-4000-8000-0000000000b1'),
          pg_temp.error_of($$INSERT INTO task_outputs.flow_executions (id, organization_id, name)
                             VALUES ('0f000000-0000-4000-8000-0000000000ff', '0b000000-0000-4000-8000-00000000000b', 'x')
                             ON CONFLICT (organization_id, id) DO UPDATE SET name = 'pwned'$$,
                           '0f000000-0000-4000-8000-0000000000ff'),
          'ON CONFLICT DO UPDATE on B''s key: the same error as on an unknown key');
SELECT is(pg_temp.error_of($$INSERT INTO task_outputs.flow_executions (id, organization_id, name)
                             VALUES ('0f000000-0000-4000-8000-0000000000b1', '0b000000-0000-4000-8000-00000000000b', 'x')
                             ON CONFLICT DO NOTHING$$, ''),
          '42501 | new row violates row-level security policy for table "flow_executions"',
          'ON CONFLICT DO NOTHING on B''s key: refused, not silently skipped');
SELECT is(pg_temp.error_of(format($$INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name)
                             VALUES (%L, '0f000000-0000-4000-8000-0000000000a1', 'x')
                             ON CONFLICT (organization_id, id) DO UPDATE SET summary = '{"pwned": true}'$$, :'b_secret'), ''),
          'no error', 'ON CONFLICT with B''s output id in A inserts alice''s own row: no conflict with B');

----------------------------------------------------------------------------
-- MERGE
----------------------------------------------------------------------------
MERGE INTO task_outputs.outputs t
USING (SELECT '0b000000-0000-4000-8000-00000000000b'::uuid AS org) s ON t.organization_id = s.org
WHEN MATCHED THEN UPDATE SET summary = '{"pwned": true}';
SELECT throws_ok($$MERGE INTO task_outputs.outputs t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE$$,
                 '42501', 'target row violates row-level security policy (USING expression) for table "outputs"',
                 'MERGE ... DELETE matching B''s rows is refused by row-level security');
SELECT is(pg_temp.error_of($$MERGE INTO task_outputs.flow_executions t
                             USING (SELECT '0f000000-0000-4000-8000-0000000000c1'::uuid AS id) s ON t.id = s.id
                             WHEN NOT MATCHED THEN INSERT (id, organization_id, name)
                                  VALUES (s.id, '0b000000-0000-4000-8000-00000000000b', 'x')$$, ''),
          '42501 | new row violates row-level security policy for table "flow_executions"',
          'MERGE ... INSERT into B is refused');

----------------------------------------------------------------------------
-- COPY
----------------------------------------------------------------------------
COPY task_outputs.outputs TO STDOUT \g /dev/null
SELECT is(:ROW_COUNT, 3, 'COPY outputs TO STDOUT copies alice''s 3 visible rows only');
COPY (SELECT * FROM task_outputs.outputs WHERE organization_id <> '0a000000-0000-4000-8000-00000000000a') TO STDOUT \g /dev/null
SELECT is(:ROW_COUNT, 0, 'COPY (SELECT ... not A) copies nothing');
SELECT throws_ok($$COPY task_outputs.outputs TO '/dev/null'$$, '42501', NULL,
                 'COPY to a server file is not a tenant''s');
-- COPY FROM STDIN cannot run inside a function: psql runs it (\copy, the
-- rows from a program, so that an error raised before any row is read
-- leaves nothing for psql to take for SQL), and its error (printed as the
-- bare SQLSTATE) is checked through LAST_ERROR_SQLSTATE
\set VERBOSITY sqlstate
\set LAST_ERROR_SQLSTATE 00000
SAVEPOINT copy_from;
\set ON_ERROR_STOP 0
\copy task_outputs.flow_executions (id, organization_id, name) FROM PROGRAM 'printf "0f000000-0000-4000-8000-0000000000c1\t0b000000-0000-4000-8000-00000000000b\tcopied in\n"'
\set ON_ERROR_STOP 1
ROLLBACK TO SAVEPOINT copy_from;
\set VERBOSITY default
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '0A000', 'COPY FROM into a table with row-level security is refused');

----------------------------------------------------------------------------
-- plans cached under another role or tenant in the same session
----------------------------------------------------------------------------
PREPARE count_outputs AS SELECT count(*) FROM task_outputs.outputs;
PREPARE count_org(uuid) AS SELECT count(*) FROM task_outputs.outputs WHERE organization_id = $1;
SET LOCAL plan_cache_mode = force_generic_plan;
CREATE FUNCTION to_attack.count_visible() RETURNS bigint
LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN (SELECT count(*) FROM task_outputs.outputs); END $$;
GRANT USAGE ON SCHEMA to_attack TO to_bob;
GRANT EXECUTE ON FUNCTION to_attack.count_visible() TO to_bob;

EXECUTE count_outputs \gset alice_
EXECUTE count_org('0b000000-0000-4000-8000-00000000000b') \gset alice_b_
SELECT is(:alice_count::bigint, 3::bigint, 'prepared, generic plan: alice sees her 3 visible rows');
SELECT is(:alice_b_count::bigint, 0::bigint, 'prepared with B as parameter: nothing');
SELECT is(to_attack.count_visible(), 3::bigint, 'a PL/pgSQL function''s cached plan: alice''s 3 visible rows');
SELECT is(json_array_length(task_outputs.list_task_outputs()), 3, 'the extension''s kept plan: alice''s 3 visible outputs');

-- the same session becomes bob (B): every cached plan shows B's rows
RESET ROLE;
SET LOCAL ROLE to_bob;
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
EXECUTE count_outputs \gset bob_
EXECUTE count_org('0a000000-0000-4000-8000-00000000000a') \gset bob_a_
SELECT is(:bob_count::bigint, 3::bigint, 'the prepared statement, reused by bob: B''s 3 rows');
SELECT is(:bob_a_count::bigint, 0::bigint, 'reused by bob with A as parameter: nothing');
SELECT is(to_attack.count_visible(), 3::bigint, 'the PL/pgSQL function, called by bob: B''s rows');
SELECT is(json_array_length(task_outputs.list_task_outputs()), 3, 'the extension''s kept plan, for bob: B''s 3 outputs');

-- bob with A in force: not his; the decision cached for alice is not his
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
EXECUTE count_outputs \gset bob_in_a_
SELECT is(:bob_in_a_count::bigint, 0::bigint, 'bob with A in force: the prepared statement shows nothing');
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501',
                 'permission denied to act for organization "0a000000-0000-4000-8000-00000000000a"',
                 'bob with A in force: the API refuses');

-- and back to alice, with B in force: nothing either
RESET ROLE;
SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
EXECUTE count_outputs \gset alice_in_b_
SELECT is(:alice_in_b_count::bigint, 0::bigint, 'alice with B in force: the prepared statement shows nothing');
SELECT is(to_attack.count_visible(), 0::bigint, 'nor the PL/pgSQL function');
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
RESET plan_cache_mode;

----------------------------------------------------------------------------
-- a hostile search_path: look-alike functions and operators first
----------------------------------------------------------------------------
CREATE FUNCTION to_attack.current_org_id() RETURNS uuid
LANGUAGE sql AS $$ SELECT '0b000000-0000-4000-8000-00000000000b'::uuid $$;
CREATE FUNCTION to_attack.authorized_org_id() RETURNS uuid
LANGUAGE sql AS $$ SELECT '0b000000-0000-4000-8000-00000000000b'::uuid $$;
CREATE FUNCTION to_attack.always(a uuid, b uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR to_attack.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = to_attack.always);
CREATE FUNCTION to_attack.always_text(a anyenum, b anyenum) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR to_attack.<> (LEFTARG = anyenum, RIGHTARG = anyenum, FUNCTION = to_attack.always_text);
CREATE FUNCTION to_attack.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'epoch'::timestamptz $$;
CREATE TABLE to_attack.outputs (LIKE task_outputs.outputs);
CREATE TABLE to_attack.flow_executions (LIKE task_outputs.flow_executions);
INSERT INTO to_attack.flow_executions VALUES
    ('0f000000-0000-4000-8000-0000000000c2', '0a000000-0000-4000-8000-00000000000a', 'planted', now());
SET LOCAL search_path = to_attack, pg_catalog, task_outputs, public;

SELECT is(to_attack.current_org_id(), '0b000000-0000-4000-8000-00000000000b'::uuid, 'the look-alike is first in the path');
SELECT is(task_outputs.current_org_id(), '0a000000-0000-4000-8000-00000000000a'::uuid, 'the extension''s own is unchanged');
SELECT is(json_array_length(task_outputs.list_task_outputs()), 3,
          'list_task_outputs under the hostile path: alice''s 3 outputs, the deleted one still hidden');
SELECT ok(task_outputs.list_task_outputs()::text NOT LIKE '%of B%', 'and nothing of B');
SELECT is((SELECT count(*) FROM task_outputs.outputs), 3::bigint,
          'the policy keeps its own functions and operators: alice''s 3 visible rows');
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '0b000000-0000-4000-8000-00000000000b'), 3::bigint,
          'the caller''s "=" is the caller''s, within alice''s visible rows only (her "<>" does not show the deleted one)');
SELECT is((task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'under attack')).organization_id,
          '0a000000-0000-4000-8000-00000000000a'::uuid, 'record_task_output under the hostile path writes into A');
SELECT is(pg_temp.error_of($$SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000c2', 'x')$$,
                           '0f000000-0000-4000-8000-0000000000c2'),
          'PT404 | flow execution not found | No flow execution with id "<id>" is visible to the current organization.',
          'a flow execution planted in the caller''s look-alike table is not found');
SELECT is((SELECT created_at > 'epoch' FROM task_outputs.outputs WHERE task_name = 'under attack'), true,
          'the stamps use pg_catalog.now(), not the caller''s');
RESET search_path;

----------------------------------------------------------------------------
-- settings and roles a tenant might reach for
----------------------------------------------------------------------------
SELECT throws_ok($$SET task_outputs.jwt_org_claim = 'sub'$$, '42501', NULL,
                 'a tenant cannot change which claim names the organization');
SELECT lives_ok($$SET LOCAL row_security = off$$, 'row_security = off may be set ...');
SELECT throws_ok($$SELECT count(*) FROM task_outputs.outputs$$, '42501', NULL,
                 '... but then a query on a policy-protected table fails instead of bypassing it');
SET LOCAL row_security = on;
-- SET ROLE is checked against the session user: log in as alice for it
SET SESSION AUTHORIZATION to_alice;
SELECT throws_ok($$SET LOCAL ROLE to_bob$$, '42501', NULL, 'alice, logged in, cannot become bob');
SELECT throws_ok($$SET LOCAL ROLE task_outputs_gateway$$, '42501', NULL, 'nor the gateway role');
RESET SESSION AUTHORIZATION;
SET LOCAL ROLE to_alice;
SELECT throws_ok($$ALTER TABLE task_outputs.outputs DISABLE ROW LEVEL SECURITY$$, '42501', NULL,
                 'a tenant cannot turn row-level security off');
SELECT throws_ok($$CREATE POLICY open ON task_outputs.outputs USING (true)$$, '42501', NULL,
                 'nor add a policy');
SELECT throws_ok($$CREATE TRIGGER t BEFORE INSERT ON task_outputs.outputs FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()$$,
                 '42501', NULL, 'nor attach a trigger');
SELECT throws_ok($$CREATE FUNCTION task_outputs.current_org_id2() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'$$,
                 '42501', NULL, 'nor create anything in the extension''s schema');
SELECT throws_ok($$SELECT task_outputs.grant_organization('to_alice', '0b000000-0000-4000-8000-00000000000b')$$,
                 '42501', NULL, 'nor grant herself B');
SELECT throws_ok($$INSERT INTO task_outputs.organization_grants VALUES ('0b000000-0000-4000-8000-00000000000b', 'to_alice')$$,
                 '42501', NULL, 'nor write the grants directly');
SELECT is((SELECT count(*) FROM pg_stats WHERE schemaname = 'task_outputs'), 0::bigint,
          'the planner''s statistics (most common values of every tenant) are hidden from her');
-- claims set by hand on a connection that is not a gateway's count for nothing
SET LOCAL task_outputs.org_id = '';
SELECT set_config('request.jwt.claims', '{"org_id": "0b000000-0000-4000-8000-00000000000b"}', true) IS NOT NULL AS forged \gset
SELECT is((SELECT count(*) FROM task_outputs.outputs), 0::bigint, 'forged PostgREST claims: no rows');
SELECT throws_ok($$SELECT task_outputs.list_task_outputs()$$, '42501', NULL, 'forged PostgREST claims: the API refuses');

-- a tenant role alone (no direct tier) reaches no table by any channel
RESET ROLE;
SET LOCAL ROLE to_reader;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT throws_ok($$SELECT count(*) FROM task_outputs.outputs$$, '42501', 'permission denied for table outputs',
                 'a reader cannot read the table around the API');
SELECT throws_ok($$LOCK TABLE task_outputs.outputs IN ACCESS EXCLUSIVE MODE$$, '42501', 'permission denied for table outputs',
                 'nor lock it (which would stall every tenant)');
SELECT throws_ok($$EXPLAIN SELECT * FROM task_outputs.outputs WHERE task_name = 'secret'$$, '42501', 'permission denied for table outputs',
                 'nor EXPLAIN a query on it (planner estimates over every tenant''s rows)');

-- finally, as bob: B is untouched by all of the above
RESET ROLE;
SET LOCAL ROLE to_bob;
SET LOCAL task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT set_config('request.jwt.claims', '', true) IS NOT NULL AS cleared \gset
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE summary ? 'pwned' OR task_name IN ('x', 'under attack')), 0::bigint,
          'B''s outputs were not changed or added to');
SELECT is((SELECT array_agg(name ORDER BY name) FROM task_outputs.flow_executions), ARRAY['fb'],
          'B''s flow executions were not renamed or added to');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

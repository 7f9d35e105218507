-- A tenant's code that PostgreSQL runs as its owner, during maintenance,
-- for whoever runs the maintenance: ANALYZE evaluates the expressions of a
-- table's indexes as the table's owner, in a security-restricted
-- operation, and the session user stays the one who ran ANALYZE.  A
-- gateway's authority (its login role is a member of task_outputs_gateway)
-- must not pass to that code: mallory, a tenant granted organization C
-- only, plants an index whose expression lists organization A, and the
-- database's owner -- here the gateway's login role -- analyzes the
-- table.  Mallory gets 42501, as when she runs the code herself, and so
-- she does under a superuser's ANALYZE (autovacuum's is one).  The
-- gateway acting as itself keeps its authority.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(5);
\ir fixtures/deployment.psql
\o /dev/null
CREATE ROLE to_h_mallory LOGIN IN ROLE task_outputs_reader;
SELECT task_outputs.grant_organization('to_h_mallory', '0c000000-0000-4000-8000-00000000000c');
CREATE SCHEMA mallory AUTHORIZATION to_h_mallory;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO to_h_authenticator', current_database()); END $$;

SET LOCAL ROLE to_h_mallory;
GRANT USAGE ON SCHEMA mallory TO PUBLIC;
CREATE TABLE mallory.loot (attempt text, got text);
-- list organization A; keep what came back, or the SQLSTATE
CREATE FUNCTION mallory.grab() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('task_outputs.org_id', '0a000000-0000-4000-8000-00000000000a', true);
  BEGIN
    INSERT INTO mallory.loot
    SELECT current_setting('mallory.attempt', true), task_outputs.list_task_outputs()::text;
  EXCEPTION WHEN OTHERS THEN
    INSERT INTO mallory.loot VALUES (current_setting('mallory.attempt', true), SQLSTATE);
  END;
  RETURN 0;
END $$;
CREATE FUNCTION mallory.f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT mallory.grab() + x';
CREATE TABLE mallory.t (x int);
INSERT INTO mallory.t VALUES (1);
SET LOCAL mallory.attempt = 'mallory';
CREATE INDEX ON mallory.t (mallory.f(x));
RESET ROLE;

-- the database owner, the gateway's login role, analyzes the table
SET LOCAL SESSION AUTHORIZATION to_h_authenticator;
SET LOCAL mallory.attempt = 'gateway analyze';
ANALYZE mallory.t;
RESET SESSION AUTHORIZATION;
-- and a superuser
SET LOCAL mallory.attempt = 'superuser analyze';
ANALYZE mallory.t;
\o

SELECT is((SELECT string_agg(DISTINCT got, ',') FROM mallory.loot WHERE attempt = 'mallory'),
          '42501', 'the index expression, run by its owner: refused');
SELECT is((SELECT string_agg(DISTINCT got, ',') FROM mallory.loot WHERE attempt = 'gateway analyze'),
          '42501', 'the index expression, run as its owner by a gateway''s ANALYZE: refused');
SELECT is((SELECT string_agg(DISTINCT got, ',') FROM mallory.loot WHERE attempt = 'superuser analyze'),
          '42501', 'the index expression, run as its owner by a superuser''s ANALYZE: refused');
SELECT is((SELECT count(*) FROM mallory.loot WHERE got LIKE '[%'), 0::bigint,
          'no list of organization A reached the tenant');
SELECT is(hz.outcome_as('to_h_web', 'SELECT task_outputs.list_task_outputs()'), 'ok',
          'a gateway request acting as itself lists its organization');

SELECT * FROM finish();
ROLLBACK;

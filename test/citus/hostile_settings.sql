-- test/citus/hostile_settings.sql -- a hostile tenant's settings on a
-- distributed install, logged in as to_c_tenant on the coordinator.
--
-- Citus replays the settings a transaction propagated with SET LOCAL
-- (citus.propagate_set_commands = 'local') on every connection that
-- joins it, including the one it opens as the extension's owner, a
-- superuser, to run an API call on the node of the caller's organization;
-- and it writes the call's arguments as constants named by their types,
-- built-in types without a schema.  The tenant here owns a schema with
-- domains named like those types, whose CHECK fails when a superuser
-- evaluates it, puts that schema first in its propagated search_path, and
-- calls the API: every call must work, no name of the call resolving
-- through the caller's search_path.  Then the caller's DateStyle (not
-- propagated) must not change what a timestamp argument means on the
-- other node.  (The tenant's objects stay: the next run replaces them.)
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true

-- committed, so that every node has them
CREATE OR REPLACE FUNCTION to_c_tenant_own.refuse_superuser() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	IF pg_catalog.current_setting('is_superuser') OPERATOR(pg_catalog.=) 'on' THEN
		RAISE EXCEPTION 'a tenant''s domain was evaluated by the superuser %', CURRENT_USER;
	END IF;
	RETURN true;
END
$$;
DROP DOMAIN IF EXISTS to_c_tenant_own.uuid, to_c_tenant_own.text, to_c_tenant_own.jsonb,
	to_c_tenant_own.timestamptz, to_c_tenant_own.interval;
CREATE DOMAIN to_c_tenant_own.uuid AS pg_catalog.uuid CHECK (to_c_tenant_own.refuse_superuser());
CREATE DOMAIN to_c_tenant_own.text AS pg_catalog.text CHECK (to_c_tenant_own.refuse_superuser());
CREATE DOMAIN to_c_tenant_own.jsonb AS pg_catalog.jsonb CHECK (to_c_tenant_own.refuse_superuser());
CREATE DOMAIN to_c_tenant_own.timestamptz AS pg_catalog.timestamptz CHECK (to_c_tenant_own.refuse_superuser());
CREATE DOMAIN to_c_tenant_own.interval AS pg_catalog.interval CHECK (to_c_tenant_own.refuse_superuser());

BEGIN;
SELECT plan(6);

SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'hostile';
-- before any setting is propagated: the counts to compare with
CREATE TEMPORARY TABLE expected ON COMMIT DROP AS
SELECT task_outputs.count_task_outputs() AS all_rows,
	   task_outputs.count_task_outputs(created_before => pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 day') AS before_tomorrow;

SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL search_path = to_c_tenant_own, pg_catalog, public;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

SELECT lives_ok($$SELECT task_outputs.count_task_outputs()$$,
				'a count, its caller''s arguments (uuid, text, text[]) never read through the tenant''s search_path');
SELECT lives_ok($$SELECT task_outputs.list_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000a1',
														 task_name => 'nothing', tags => '{x}', summary_contains => '{}',
														 created_after => '2000-01-01 00:00:00+00', "limit" => 1)$$,
				'a list with every kind of argument');
SELECT lives_ok($$SELECT task_outputs.get_task_output(id) FROM task_outputs.task_outputs("limit" => 1)$$,
				'a read by id');
SELECT lives_ok($$SELECT * FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1',
																 'hostile settings', '{"a": 1}', '{"b": 2}', '{t}')$$,
				'a write (jsonb arguments)');
SELECT is(task_outputs.count_task_outputs(), (SELECT all_rows FROM expected) + 1,
		  'and the call still counts the organization''s rows, the write included');

-- a DateStyle of this session only, not propagated
SET LOCAL citus.propagate_set_commands = 'none';
SET LOCAL DateStyle = 'SQL, DMY';
SELECT is(task_outputs.count_task_outputs(created_before => pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 day'),
		  (SELECT before_tomorrow FROM expected) + 1,
		  'a timestamp argument means the same on the other node under the caller''s DateStyle');

SELECT * FROM finish();
ROLLBACK;

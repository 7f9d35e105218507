-- tools/api-fuzz.sql -- seeded random calls of every function of the
-- extension's schema with edge-case arguments, as the connected role.
--
-- sqlsmith seldom calls an extension's functions (it picks among the
-- thousands of the catalog) and never its set-returning ones, so this
-- pass does: for each call it picks a function of schema task_outputs
-- (found in the catalog, so functions added later are covered too) and,
-- for each argument, a value by the argument's type from a pool of edge
-- cases -- NULL, empty and NULL-element arrays, two-dimensional arrays and
-- odd lower bounds, infinities, zero and extreme limits, ids of no row
-- and of another tenant's rows, JSON of every kind, 65 tags, and
-- sometimes a missing, foreign or malformed tenant.  Errors are expected;
-- an internal error (class XX) or a crash is a bug.  The ids of the
-- connected role's own rows are found through the API, so the role needs
-- no table privilege.
--
-- psql variables: seed (0..1), calls.  Prints the SQLSTATEs seen and every
-- internal error with the call that raised it, and ends with a line
-- "internal errors: N".
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
SET statement_timeout = 0;
SELECT set_config('fuzz.seed', :'seed', false), set_config('fuzz.calls', :'calls', false) \g /dev/null

CREATE TEMP TABLE fuzz_states (state text, message text, n bigint, PRIMARY KEY (state, message));
CREATE TEMP TABLE fuzz_internal (call text, state text, message text, context text);

DO $fuzz$
DECLARE
	pools jsonb := jsonb_build_object(
		'uuid', jsonb_build_array('NULL', 'fe', 'out', 'foreign_fe', 'foreign_out',
			'''00000000-0000-0000-0000-000000000000''', '''ffffffff-ffff-ffff-ffff-ffffffffffff''',
			'task_outputs.uuid_generate_v7()', 'gen_random_uuid()'),
		'text', jsonb_build_array('NULL', '''''', '''extract''', 'repeat(''x'', 201)', 'repeat(''é'', 200)',
			'E''\\x01\\x1f''', '''%''', '''q''''uote''', '''😀''', '''system''', '''integration'''),
		'jsonb', jsonb_build_array('NULL', '''{}''', '''[]''', '''1''', '''null''', '''"s"''', '''{"k": 1}''',
			'''{"a": {"b": [1, 2, {"c": null}]}}''', '(repeat(''['', 3000) || repeat('']'', 3000))::jsonb',
			'jsonb_build_object(''big'', repeat(''x'', 100000))', '''{"\ud83d\ude00": "\uffff"}''',
			'''1e1000''', '''-0.0'''),
		'timestamptz', jsonb_build_array('NULL', 'now()', '''infinity''', '''-infinity''',
			'''4713-01-01 00:00:00+00 BC''', '''294276-12-31 23:59:59+00''', '''2026-01-01 00:00:00+00'''),
		'boolean', jsonb_build_array('NULL', 'true', 'false'),
		'integer', jsonb_build_array('NULL', '0', '1', '-1', '2', '100', '10000', '10001', '2147483647', '(-2147483647 - 1)'),
		'bigint', jsonb_build_array('NULL', '0', '-1', '9223372036854775807'),
		'interval', jsonb_build_array('NULL', '''0''', '''-1 day''', '''1 day''', '''infinity''::text', '''100 years'''),
		'task_outputs.task_output_status', jsonb_build_array('NULL', '''queued''', '''running''', '''completed''',
			'''failed''', '''deleted''', '''stale'''),
		'task_outputs.task_output_status[]', jsonb_build_array('NULL', '''{}''', '''{completed}''', '''{deleted}''',
			'''{NULL}''', '''{completed,completed}''', '''{{completed},{failed}}''', '''[0:1]={failed,stale}''',
			'enum_range(NULL::task_outputs.task_output_status)'),
		'text[]', jsonb_build_array('NULL', '''{}''', '''{a}''', '''{NULL}''', '''{""}''', '''{a,a}''',
			'''{{a},{b}}''', '''[0:1]={a,b}''', '(SELECT array_agg(''t'' || n) FROM generate_series(1, 65) n)',
			'ARRAY[repeat(''t'', 101)]', '''{"ü ñ",😀}'''),
		'regrole', jsonb_build_array('NULL', 'current_user::regrole', '''task_outputs_reader''::regrole', '''pg_monitor''::regrole'),
		'name', jsonb_build_array('NULL', 'current_user'));
	tenants text[] := ARRAY['', '0c000000-0000-4000-8000-00000000000c', 'not-a-uuid',
							'00000000-0000-0000-0000-000000000000'];
	home text := current_setting('task_outputs.org_id');
	fn_names text[];
	fn_sets boolean[];
	fn_args text[];
	k int;
	nfns int;
	call text;
	arg text;
	pool jsonb;
	args text[];
	st text;
	msg text;
	ctx text;
	fe text;
	out_id text;
BEGIN
	PERFORM setseed(current_setting('fuzz.seed')::float8);
	SELECT array_agg(p.proname::text ORDER BY p.proname, p.oid),
		   array_agg(p.proretset ORDER BY p.proname, p.oid),
		   array_agg(p.argtypes ORDER BY p.proname, p.oid)
	  INTO fn_names, fn_sets, fn_args
	  FROM (SELECT pr.oid, pr.proname, pr.proretset,
				   (SELECT coalesce(string_agg(pg_catalog.format_type(t, NULL), '|' ORDER BY o), '')
					  FROM unnest(pr.proargtypes::oid[]) WITH ORDINALITY a(t, o)) AS argtypes
			  FROM pg_catalog.pg_proc pr
			 WHERE pr.pronamespace = 'task_outputs'::regnamespace
			   AND pr.prorettype <> 'trigger'::regtype
			   AND pr.prokind = 'f') p;
	nfns := coalesce(array_length(fn_names, 1), 0);
	IF nfns = 0 THEN
		RAISE EXCEPTION 'no functions in schema task_outputs';
	END IF;
	-- a flow execution and an output of the home tenant, by the API
	SELECT coalesce(quote_literal(min(o.flow_execution_id::text)), 'NULL'),
		   coalesce(quote_literal(min(o.id::text)), 'NULL')
	  INTO fe, out_id
	  FROM task_outputs.task_outputs() o;

	FOR i IN 1..current_setting('fuzz.calls')::int LOOP
		k := 1 + floor(random() * nfns)::int;
		args := '{}';
		FOREACH arg IN ARRAY CASE WHEN fn_args[k] = '' THEN '{}'::text[] ELSE string_to_array(fn_args[k], '|') END LOOP
			pool := pools -> arg;
			IF pool IS NULL THEN
				args := args || format('NULL::%s', arg);
			ELSE
				args := args || format('(%s)::%s', pool ->> floor(random() * jsonb_array_length(pool))::int, arg);
			END IF;
		END LOOP;
		call := format('task_outputs.%I(%s)', fn_names[k], array_to_string(args, ', '));
		IF fn_sets[k] THEN
			call := format('SELECT count(*) FROM %s', call);
		ELSE
			call := format('SELECT %s', call);
		END IF;
		-- symbolic ids: the home tenant's rows (another tenant's when a
		-- foreign tenant is in force below), and a foreign tenant's rows
		call := replace(call, '(fe)', '(' || fe || ')');
		call := replace(call, '(out)', '(' || out_id || ')');
		call := replace(call, '(foreign_fe)', '''0f000000-0000-4000-8000-0000000000c1''');
		call := replace(call, '(foreign_out)', '''01000000-0000-7000-8000-0000000000c1''');

		BEGIN
			IF random() < 0.1 THEN
				PERFORM set_config('task_outputs.org_id', tenants[1 + floor(random() * array_length(tenants, 1))::int], true);
				call := format('/* task_outputs.org_id = %L */ ', current_setting('task_outputs.org_id')) || call;
			END IF;
			EXECUTE call;
			st := '00000';
			msg := '';
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, ctx = PG_EXCEPTION_CONTEXT;
			IF left(st, 2) = 'XX' THEN
				INSERT INTO fuzz_internal VALUES (call, st, msg, ctx);
			END IF;
		END;
		PERFORM set_config('task_outputs.org_id', home, true);
		INSERT INTO fuzz_states VALUES (st, left(regexp_replace(msg, '"[^"]*"', '"…"', 'g'), 80), 1)
		ON CONFLICT (state, message) DO UPDATE SET n = fuzz_states.n + 1;
	END LOOP;
END
$fuzz$;

SELECT format('%s  %-6s %s', lpad(n::text, 6), state, message) FROM fuzz_states ORDER BY state, n DESC;
SELECT format('INTERNAL ERROR %s: %s%s    call: %s', state, message, E'\n', call) FROM fuzz_internal;
SELECT 'internal errors: ' || count(*) FROM fuzz_internal;

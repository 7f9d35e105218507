-- Differential tests of the read API: on generated data, every function and
-- filter combination gives exactly what the obvious SQL gives, byte for
-- byte (json_agg over the same rows in the same order), and walking all
-- pages with several page sizes gives the whole list with exact has_more.
-- Run as a reader (and an admin for include_deleted), both also of the
-- direct tier so that the obvious SQL can read the table: row-level
-- security applies on both sides.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(25);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/random_json.psql
\ir fixtures/generated.psql

CREATE ROLE to_reader IN ROLE task_outputs_reader, task_outputs_direct;
CREATE ROLE to_admin IN ROLE task_outputs_admin, task_outputs_direct;
SELECT task_outputs.grant_organization('to_reader', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('to_admin', '0a000000-0000-4000-8000-00000000000a');

\ir fixtures/differential.psql

SET LOCAL ROLE to_reader;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

SELECT cmp_ok((SELECT count(*) FROM task_outputs.outputs WHERE status <> 'deleted'), '>', 600::bigint,
              'the generated organization has hundreds of visible outputs');
SELECT cmp_ok((SELECT count(*) FROM (SELECT created_at FROM task_outputs.outputs GROUP BY 1 HAVING count(*) > 1) s), '>', 100::bigint,
              'many outputs share their created_at with others (ties)');
SELECT is(task_outputs.list_task_outputs()::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, false, NULL, NULL),
          'list_task_outputs() is byte for byte json_agg over the same rows');
SELECT is(task_outputs.list_task_outputs(include_output => false)::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, false, NULL, NULL),
          'include_output => false renders "output": null');
SELECT ok(task_outputs.list_task_outputs()::jsonb @> '[{"task_name": "tâche «ünïcødé» ✓"}]'
          AND NOT task_outputs.list_task_outputs()::text LIKE '%0b000000-0000-4000-8000-00000000000b%'
          AND NOT task_outputs.list_task_outputs()::text LIKE '%secret%',
          'A''s list has its unicode names and nothing of B or C');

-- every jsonb document comes back as jsonb::text renders it
SELECT is((SELECT count(*) FROM json_array_elements(task_outputs.list_task_outputs()) e
             JOIN task_outputs.outputs o ON o.id = (e->>'id')::uuid
            WHERE (e->'output')::text IS DISTINCT FROM coalesce(o.output::text, 'null')
               OR (e->'summary')::text IS DISTINCT FROM o.summary::text), 0::bigint,
          'each output and summary is rendered exactly as jsonb::text');

CREATE TEMP TABLE failures (f text);
INSERT INTO failures SELECT diff.check_combinations(150, 0.11, false);
SELECT is((SELECT count(*) FROM failures), 0::bigint,
          '150 random filter combinations: list, records, count and export equal the obvious SQL');
SELECT diag(f) FROM (SELECT f FROM failures LIMIT 5) s;

-- each filter on its own
SELECT is(task_outputs.list_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000a2')::text,
          diff.obvious_json('0f000000-0000-4000-8000-0000000000a2', NULL, NULL, NULL, NULL, NULL, NULL, true, false, NULL, NULL),
          'flow_execution_id filter');
SELECT is(task_outputs.list_task_outputs(task_name => E'quote " back \\ tab \t nl \n')::text,
          diff.obvious_json(NULL, E'quote " back \\ tab \t nl \n', NULL, NULL, NULL, NULL, NULL, true, false, NULL, NULL),
          'task_name filter, with escapes');
SELECT is(task_outputs.list_task_outputs(status => '{failed,stale}')::text,
          diff.obvious_json(NULL, NULL, '{failed,stale}', NULL, NULL, NULL, NULL, true, false, NULL, NULL),
          'status filter: any listed status');
SELECT is(task_outputs.list_task_outputs(tags => '{a,b}')::text,
          diff.obvious_json(NULL, NULL, NULL, '{a,b}', NULL, NULL, NULL, true, false, NULL, NULL),
          'tags filter: all listed tags');
SELECT is(task_outputs.list_task_outputs(summary_contains => '{"k": 2, "flag": true}')::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, '{"k": 2, "flag": true}', NULL, NULL, true, false, NULL, NULL),
          'summary_contains filter');
SELECT is(task_outputs.list_task_outputs(created_after => '2026-01-01 00:01:00+00', created_before => '2026-01-01 00:02:00+00')::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, '2026-01-01 00:01:00+00', '2026-01-01 00:02:00+00', true, false, NULL, NULL),
          'created range, exclusive bounds');

CREATE TEMP TABLE page_failures (f text);
INSERT INTO page_failures SELECT diff.walk_pages(s, NULL) FROM unnest(ARRAY[1, 7, 50, 100, 10000]) s;
INSERT INTO page_failures SELECT diff.walk_pages(13, '{completed,stale}');
SELECT is((SELECT count(*) FROM page_failures), 0::bigint,
          'walking all pages of sizes 1, 7, 50, 100, 10000 (and 13, filtered) gives the whole list, with exact has_more and next_starting_after');
SELECT diag(f) FROM (SELECT f FROM page_failures LIMIT 5) s;

-- the page cursor also works with list_task_outputs and task_outputs
SELECT is(task_outputs.list_task_outputs("limit" => 5, starting_after => (task_outputs.list_task_outputs("limit" => 5)->4->>'id')::uuid)::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, false, 5,
                            (task_outputs.list_task_outputs("limit" => 5)->4->>'id')::uuid),
          'list_task_outputs pages with limit and starting_after');
SELECT is((SELECT array_agg(id) FROM task_outputs.task_outputs("limit" => 5, starting_after => (task_outputs.list_task_outputs("limit" => 5)->4->>'id')::uuid)),
          (SELECT array_agg(id) FROM (SELECT id FROM diff.obvious_rows(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, false, 10, NULL) OFFSET 5) s),
          'task_outputs() continues after starting_after');

-- get_task_output and get_flow_execution render the same objects
SELECT is((SELECT count(*) FROM task_outputs.outputs o
            WHERE o.status <> 'deleted'
              AND task_outputs.get_task_output(o.id)::text IS DISTINCT FROM
                  (SELECT to_json(r)::text FROM diff.obvious_rows(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, false, NULL, NULL) r WHERE r.id = o.id)),
          0::bigint, 'get_task_output(id) is to_json of the record, for every visible output');
SELECT is(task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a3', status => '{completed}')::text,
          (SELECT to_json(x)::text
             FROM (SELECT f.id, f.organization_id, f.name, f.created_at,
                          diff.obvious_json(f.id, NULL, '{completed}', NULL, NULL, NULL, NULL, true, false, NULL, NULL)::json AS task_outputs
                     FROM task_outputs.flow_executions f WHERE f.id = '0f000000-0000-4000-8000-0000000000a3') x),
          'get_flow_execution is to_json of the flow execution with its filtered task_outputs');

-- the kept plans, generic (as after a few calls in a session): the same rows
SET LOCAL plan_cache_mode = force_generic_plan;
CREATE TEMP TABLE generic_exports AS
SELECT (SELECT string_agg(e::text, ', ' || E'\n ') FROM task_outputs.export_task_outputs() e) AS in_from,
       (SELECT string_agg(e::text, ', ' || E'\n ') FROM (SELECT task_outputs.export_task_outputs() e) s) AS in_select_list,
       (SELECT string_agg(e::text, ', ' || E'\n ') FROM json_array_elements(task_outputs.list_task_outputs()) e) AS listed;
SELECT is((SELECT count(*) FROM task_outputs.export_task_outputs()), json_array_length(task_outputs.list_task_outputs())::bigint,
          'generic plans: export_task_outputs in FROM returns as many rows as the list');
SELECT ok((SELECT in_from = listed FROM generic_exports),
          'generic plans: export_task_outputs in FROM renders the whole list');
SELECT is((SELECT count(*) FROM (SELECT task_outputs.export_task_outputs()) s), json_array_length(task_outputs.list_task_outputs())::bigint,
          'generic plans: export_task_outputs in a select list returns as many rows as the list');
SELECT ok((SELECT in_select_list = listed FROM generic_exports),
          'generic plans: export_task_outputs in a select list renders the whole list');
RESET plan_cache_mode;

-- include_deleted is for admins
SELECT throws_ok($$SELECT task_outputs.list_task_outputs(include_deleted => true)$$, '42501', NULL,
                 'a reader cannot ask for deleted outputs');
RESET ROLE;
SET LOCAL ROLE to_admin;
SELECT is(task_outputs.list_task_outputs(include_deleted => true)::text,
          diff.obvious_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, true, NULL, NULL),
          'an admin lists deleted outputs too');
CREATE TEMP TABLE admin_failures AS SELECT diff.check_combinations(50, 0.77, true) AS f;
SELECT is((SELECT count(*) FROM admin_failures), 0::bigint,
          '50 random filter combinations with include_deleted, as an admin, equal the obvious SQL');
SELECT diag(f) FROM (SELECT f FROM admin_failures LIMIT 5) s;

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

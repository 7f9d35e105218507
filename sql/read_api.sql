--
-- The read API's arguments and errors: limit, cursors, ranges, arrays,
-- not-found ids (the same for another tenant's), include_deleted, results
-- too large for one json value.
--
SET TimeZone = 'UTC';
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.create_flow_execution('other tenant', '0f000000-0000-4000-8000-0000000000b1');
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name)
VALUES ('01000000-0000-7000-8000-0000000000b1', '0f000000-0000-4000-8000-0000000000b1', 'secret');
\set other_id '01000000-0000-7000-8000-0000000000b1'
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe a1', '0f000000-0000-4000-8000-0000000000a1');
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, created_at, output)
SELECT ('01000000-0000-7000-8000-0000000000' || lpad(g::text, 2, '0'))::uuid,
       '0f000000-0000-4000-8000-0000000000a1', 'step ' || g,
       '2026-01-01 00:00:00+00'::timestamptz + (g / 2) * interval '1 minute',
       jsonb_build_object('n', g, 'pad', repeat('x', 100))
  FROM generate_series(1, 12) g;

-- limit: 1 to 10000
SELECT task_outputs.list_task_outputs("limit" => 0);
SELECT task_outputs.list_task_outputs("limit" => 10001);
SELECT task_outputs.list_task_outputs_page("limit" => -1);
SELECT json_array_length(task_outputs.list_task_outputs("limit" => 10000));

-- pages: newest first, ties broken by id, the cursor is the last id
SELECT task_outputs.list_task_outputs_page("limit" => 3, include_output => false)::json->>'next_starting_after' AS next;
SELECT e->>'id' AS id, e->>'created_at' AS created_at
  FROM json_array_elements(task_outputs.list_task_outputs_page("limit" => 3,
         starting_after => '01000000-0000-7000-8000-000000000010')->'data') e;
SELECT p->'has_more' AS has_more, p->'next_starting_after' AS next, json_array_length(p->'data') AS n
  FROM task_outputs.list_task_outputs_page("limit" => 5,
         starting_after => '01000000-0000-7000-8000-000000000005') p;
SELECT task_outputs.list_task_outputs_page(task_name => 'none')::text AS empty_page;
SELECT task_outputs.list_task_outputs(task_name => 'none')::text AS empty_list;

-- an unknown cursor and another tenant's fail the same way
SELECT task_outputs.list_task_outputs(starting_after => '01000000-0000-7000-8000-0000000000ff');
SELECT task_outputs.list_task_outputs_page(starting_after => :'other_id');

-- ranges: exclusive bounds, after must be earlier than before
SELECT task_outputs.list_task_outputs(created_after => '2026-01-02', created_before => '2026-01-01');
SELECT task_outputs.list_task_outputs(created_after => '2026-01-01', created_before => '2026-01-01');
SELECT task_outputs.count_task_outputs(created_after => '2026-01-01 00:01:00+00',
                                       created_before => '2026-01-01 00:03:00+00');

-- array filters: one dimension, no nulls; an empty status list matches nothing
SELECT task_outputs.list_task_outputs(status => ARRAY['completed', NULL]::task_outputs.task_output_status[]);
SELECT task_outputs.list_task_outputs(tags => '{{a},{b}}');
SELECT task_outputs.list_task_outputs(tags => ARRAY[NULL]::text[]);
SELECT task_outputs.count_task_outputs(status => '{}'), task_outputs.count_task_outputs(tags => '{}');
SELECT task_outputs.list_task_outputs(status => '{bogus}');

-- by id: unknown, another tenant's: the same PT404
SELECT task_outputs.get_task_output('01000000-0000-7000-8000-0000000000ff');
SELECT task_outputs.get_task_output(:'other_id');
SELECT task_outputs.get_task_output(NULL) IS NULL AS null_for_null;
SELECT task_outputs.get_task_output('01000000-0000-7000-8000-000000000001')->>'task_name' AS task_name;
SELECT task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000b1');
SELECT task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000ff');
SELECT task_outputs.get_flow_execution(NULL);
SELECT json_array_length(task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a1',
         task_name => 'step 3')->'task_outputs') AS n;

-- include_deleted is for task_outputs_admin
CREATE ROLE regress_reader IN ROLE task_outputs_reader;
SELECT task_outputs.grant_organization('regress_reader', '0a000000-0000-4000-8000-00000000000a');
SET ROLE regress_reader;
SELECT task_outputs.list_task_outputs(include_deleted => true);
SELECT task_outputs.count_task_outputs(include_deleted => false);
RESET ROLE;
SELECT task_outputs.revoke_organization('regress_reader', '0a000000-0000-4000-8000-00000000000a');
DROP ROLE regress_reader;

-- a result that would not fit (task_outputs.max_result_bytes, at most 1GB)
SET task_outputs.max_result_bytes = '1kB';
SELECT task_outputs.list_task_outputs();
SELECT length(task_outputs.list_task_outputs("limit" => 1)::text) > 0 AS one_row_fits;
SELECT count(*) FROM task_outputs.export_task_outputs();
RESET task_outputs.max_result_bytes;
-- the limit is exact: a result of exactly the limit fits, one byte more
-- does not, for every reader that builds one value (sizes vary with the
-- clock's digits: the errors are shown without their detail)
\set VERBOSITY terse
SELECT octet_length(task_outputs.list_task_outputs()::text) AS list_bytes,
       octet_length(task_outputs.list_task_outputs_page("limit" => 5)::text) AS page_bytes,
       octet_length(task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a1')::text) AS flow_bytes \gset
SELECT set_config('task_outputs.max_result_bytes', :'list_bytes', false) IS NOT NULL AS set;
SELECT octet_length(task_outputs.list_task_outputs()::text) = :list_bytes AS list_fits;
SELECT set_config('task_outputs.max_result_bytes', (:list_bytes - 1)::text, false) IS NOT NULL AS set;
SELECT task_outputs.list_task_outputs() IS NOT NULL AS list_too_large;
SELECT set_config('task_outputs.max_result_bytes', :'page_bytes', false) IS NOT NULL AS set;
SELECT octet_length(task_outputs.list_task_outputs_page("limit" => 5)::text) = :page_bytes AS page_fits;
SELECT set_config('task_outputs.max_result_bytes', (:page_bytes - 1)::text, false) IS NOT NULL AS set;
SELECT task_outputs.list_task_outputs_page("limit" => 5) IS NOT NULL AS page_too_large;
SELECT set_config('task_outputs.max_result_bytes', :'flow_bytes', false) IS NOT NULL AS set;
SELECT octet_length(task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a1')::text) = :flow_bytes AS flow_fits;
SELECT set_config('task_outputs.max_result_bytes', (:flow_bytes - 1)::text, false) IS NOT NULL AS set;
SELECT task_outputs.get_flow_execution('0f000000-0000-4000-8000-0000000000a1') IS NOT NULL AS flow_too_large;
\set VERBOSITY default
RESET task_outputs.max_result_bytes;
SET task_outputs.max_result_bytes = '2GB';

-- export in the target list and in FROM
SELECT count(*) FROM (SELECT task_outputs.export_task_outputs(include_output => false)) s;
SELECT j->>'task_name' AS task_name FROM task_outputs.export_task_outputs(task_name => 'step 12') j;

-- export streams in the target list: a LIMIT stops it after one batch of
-- rows read and rendered, not after all of them (a filter combination not
-- planned before in this session, planned now to read in list order)
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, tags)
SELECT '0f000000-0000-4000-8000-0000000000a1', 'bulk ' || g, '{bulk}'
  FROM generate_series(1, 5000) g;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_sort = off;
BEGIN;
SELECT sum(pg_stat_get_xact_tuples_fetched(indexrelid)) AS fetched_before
  FROM pg_index WHERE indrelid = 'task_outputs.outputs'::regclass \gset
SELECT j->>'task_name' AS task_name
  FROM (SELECT task_outputs.export_task_outputs(tags => '{bulk}') j LIMIT 2) s;
SELECT sum(pg_stat_get_xact_tuples_fetched(indexrelid)) - :fetched_before <= 1000 AS within_one_batch
  FROM pg_index WHERE indrelid = 'task_outputs.outputs'::regclass;
COMMIT;
SELECT count(*) FROM (SELECT task_outputs.export_task_outputs(tags => '{bulk}')) s;
-- again and again with other arguments, in a select list and in FROM
SELECT g, (SELECT e->>'task_name' FROM (SELECT task_outputs.export_task_outputs(task_name => 'step ' || g) e) s) AS listed,
       (SELECT count(*) FROM task_outputs.export_task_outputs(task_name => 'step ' || g)) AS n
  FROM generate_series(10, 13) g;
-- a streaming export keeps no cursor of its own: closing every cursor
-- in the middle of it changes nothing
CREATE FUNCTION pg_temp.close_all() RETURNS int LANGUAGE plpgsql AS $$
BEGIN EXECUTE 'CLOSE ALL'; RETURN 1; END $$;
SELECT count(*) FROM (SELECT task_outputs.export_task_outputs(tags => '{bulk}'), pg_temp.close_all()) s;
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;

RESET task_outputs.org_id;
TRUNCATE task_outputs.audit_trail, task_outputs.outputs, task_outputs.flow_executions;

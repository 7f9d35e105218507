-- Every reader, in every form, over task outputs from a few bytes to
-- several megabytes, with work_mem at its minimum (64kB) and at its
-- default: list_task_outputs, list_task_outputs_page (walking every page),
-- task_outputs, count_task_outputs, get_task_output, get_flow_execution,
-- and export_task_outputs in a select list, in FROM, under COPY (SELECT
-- ...) TO STDOUT, stopped by LIMIT, twice in one query and once per row of
-- an outer query.  Each result equals the obvious SQL over the same rows
-- (json_agg / to_json, test/fixtures/obvious.psql), byte for byte.  An
-- export whose batch of rows no longer fits in work_mem once corrupted
-- memory and crashed the server (issue 10, item 1): 1,500 outputs of 5 kB
-- are enough at the default work_mem.  Run as a reader of the organization.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
-- checks per work_mem setting: sz.check_lists() 13, sz.check_exports() 12, COPY 2
\set checks_per_pass 27
SELECT plan(2 + 2 * :checks_per_pass);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/obvious.psql
\ir fixtures/sizes.psql

CREATE ROLE to_sizes_reader IN ROLE task_outputs_reader;
SELECT task_outputs.grant_organization('to_sizes_reader', :'org_s') IS NULL AS granted \gset

-- plans that read in one order, without workers (the expected order of two
-- exports in one query is then the order of the query)
SET LOCAL max_parallel_workers_per_gather = 0;

CREATE SCHEMA sz;
GRANT USAGE ON SCHEMA sz TO PUBLIC;

-- Every reader but the export against the obvious SQL, as the caller (a
-- reader of S).
CREATE FUNCTION sz.check_lists(label text, org uuid, fe_tiny uuid, fe_medium uuid, fe_big uuid)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  all_lines text[] := obvious.lines(org);
  n bigint;
  size int;
  page json;
  after uuid;
  pages int;
  seen text := '';
  bad bigint;
BEGIN
  ---------------------------------------------------------------- lists
  RETURN NEXT obvious.same(task_outputs.list_task_outputs()::text, obvious.json(org),
                           label || ': list_task_outputs() of everything');
  RETURN NEXT obvious.same(task_outputs.list_task_outputs(include_output => false)::text,
                           obvious.json(org, io => false),
                           label || ': list_task_outputs(include_output => false)');
  RETURN NEXT obvious.same(task_outputs.list_task_outputs(flow_execution_id => fe_big)::text,
                           obvious.json(org, fe_big),
                           label || ': list_task_outputs of the outputs of several MB');
  RETURN NEXT obvious.same(task_outputs.list_task_outputs(status => '{failed,stale}')::text,
                           obvious.json(org, st => '{failed,stale}'),
                           label || ': list_task_outputs(status => {failed,stale})');
  RETURN NEXT obvious.same(task_outputs.list_task_outputs("limit" => 1000, starting_after => (all_lines[40]::json->>'id')::uuid)::text,
                           obvious.json(org, lim => 1000, sa => (all_lines[40]::json->>'id')::uuid),
                           label || ': list_task_outputs("limit" => 1000, starting_after => the 40th)');

  ---------------------------------------------------------------- pages
  FOREACH size IN ARRAY ARRAY[100, 10000] LOOP
    after := NULL;
    pages := 0;
    bad := 0;
    seen := '';
    LOOP
      page := task_outputs.list_task_outputs_page("limit" => size, starting_after => after);
      pages := pages + 1;
      IF (page->'data')::text IS DISTINCT FROM obvious.json(org, lim => size, sa => after) THEN
        bad := bad + 1;
        RETURN NEXT diag(format('page %s of size %s differs: %s', pages, size,
                                obvious.first_difference((page->'data')::text, obvious.json(org, lim => size, sa => after))));
      END IF;
      seen := seen || coalesce((SELECT string_agg(e->>'id', ',') FROM json_array_elements(page->'data') e), '') || ',';
      EXIT WHEN NOT (page->>'has_more')::boolean OR pages > 100;
      after := (page->>'next_starting_after')::uuid;
    END LOOP;
    RETURN NEXT ok(bad = 0 AND seen = (SELECT string_agg(l::json->>'id', ',') FROM unnest(all_lines) l) || ',',
                   format('%s: list_task_outputs_page of size %s: %s pages, each equal to the obvious page, together the whole list',
                          label, size, pages));
  END LOOP;

  ---------------------------------------------------------------- records
  RETURN NEXT obvious.same((SELECT string_agg(r::text, E'\n') FROM task_outputs.task_outputs() r),
                           (SELECT string_agg(r::text, E'\n' ORDER BY r.created_at DESC, r.id DESC) FROM obvious.rows(org) r),
                           label || ': task_outputs() records');
  RETURN NEXT obvious.same((SELECT string_agg(r::text, E'\n') FROM task_outputs.task_outputs(flow_execution_id => fe_big, "limit" => 2) r),
                           (SELECT string_agg(r::text, E'\n' ORDER BY r.created_at DESC, r.id DESC) FROM obvious.rows(org, fe_big, lim => 2) r),
                           label || ': task_outputs() records of several MB, limited');

  ---------------------------------------------------------------- counts
  RETURN NEXT is(ARRAY[task_outputs.count_task_outputs(),
                       task_outputs.count_task_outputs(flow_execution_id => fe_medium),
                       task_outputs.count_task_outputs(status => '{completed}')],
                 ARRAY[(SELECT count(*) FROM obvious.rows(org)),
                       (SELECT count(*) FROM obvious.rows(org, fe_medium)),
                       (SELECT count(*) FROM obvious.rows(org, st => '{completed}'))],
                 label || ': count_task_outputs, unfiltered and filtered');

  ---------------------------------------------------------------- by id
  SELECT count(*) INTO bad
    FROM unnest(all_lines) WITH ORDINALITY AS l(line, i)
   WHERE (i % 25 = 1 OR (line::json->>'flow_execution_id')::uuid IN (fe_tiny, fe_big))
     AND task_outputs.get_task_output((line::json->>'id')::uuid)::text IS DISTINCT FROM line;
  RETURN NEXT is(bad, 0::bigint,
                 label || ': get_task_output equals to_json of the record, for the tiny, every 25th and the big outputs');
  SELECT count(*) INTO bad
    FROM unnest(ARRAY[fe_tiny, fe_medium, fe_big]) fe
   WHERE task_outputs.get_flow_execution(fe)::text IS DISTINCT FROM obvious.flow_execution(org, fe);
  RETURN NEXT is(bad, 0::bigint,
                 label || ': get_flow_execution of each flow execution equals to_json of it with its outputs');

  ---------------------------------------------------------------- isolation
  RETURN NEXT ok(strpos(task_outputs.list_task_outputs()::text, 'of T') = 0
                 AND task_outputs.count_task_outputs() = cardinality(all_lines),
                 label || ': nothing of organization T in any of it');
END $$;

-- export_task_outputs in every form against the obvious SQL.
CREATE FUNCTION sz.check_exports(label text, org uuid, fe_tiny uuid, fe_medium uuid, fe_big uuid)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  all_lines text[] := obvious.lines(org);
  got text[];
  got2 text[];
  n bigint;
  bad bigint;
BEGIN
  SELECT array_agg(e::text) INTO got FROM (SELECT task_outputs.export_task_outputs() e) s;
  RETURN NEXT obvious.same_lines(got, all_lines, label || ': export_task_outputs() in a select list');
  SELECT array_agg(e::text ORDER BY i) INTO got FROM task_outputs.export_task_outputs() WITH ORDINALITY AS x(e, i);
  RETURN NEXT obvious.same_lines(got, all_lines, label || ': export_task_outputs() in FROM');
  SELECT array_agg(e::text) INTO got FROM (SELECT task_outputs.export_task_outputs(include_output => false) e) s;
  RETURN NEXT obvious.same_lines(got, obvious.lines(org, io => false),
                                 label || ': export_task_outputs(include_output => false) in a select list');
  SELECT array_agg(e::text) INTO got FROM (SELECT task_outputs.export_task_outputs(flow_execution_id => fe_big) e) s;
  RETURN NEXT obvious.same_lines(got, obvious.lines(org, fe_big),
                                 label || ': export of the outputs of several MB in a select list');

  -- stopped by LIMIT: before the end of the first batch, just past it, in FROM
  SELECT array_agg(e::text) INTO got FROM (SELECT task_outputs.export_task_outputs() e LIMIT 3) s;
  RETURN NEXT obvious.same_lines(got, all_lines[1:3], label || ': export stopped by LIMIT 3');
  SELECT array_agg(e::text) INTO got FROM (SELECT task_outputs.export_task_outputs() e LIMIT 1001) s;
  RETURN NEXT obvious.same_lines(got, all_lines[1:1001], label || ': export stopped by LIMIT 1001');
  SELECT array_agg(e::text) INTO got FROM (SELECT e FROM task_outputs.export_task_outputs() e LIMIT 1500) s;
  RETURN NEXT obvious.same_lines(got, all_lines[1:1500], label || ': export in FROM stopped by LIMIT 1500');
  -- and the next export of the same statement kind starts afresh
  SELECT count(*) INTO n FROM (SELECT task_outputs.export_task_outputs() e) s;
  RETURN NEXT is(n, cardinality(all_lines)::bigint, label || ': an export after the stopped ones reads every row');

  -- two exports in one query: side by side in a select list (the shorter
  -- padded with nulls), one after the other, side by side in FROM
  SELECT array_agg(a::text) FILTER (WHERE a IS NOT NULL), array_agg(b::text) FILTER (WHERE b IS NOT NULL), count(*)
    INTO got, got2, n
    FROM (SELECT task_outputs.export_task_outputs(flow_execution_id => fe_medium) a,
                 task_outputs.export_task_outputs(flow_execution_id => fe_big) b) s;
  RETURN NEXT ok(got IS NOT DISTINCT FROM obvious.lines(org, fe_medium)
                 AND got2 IS NOT DISTINCT FROM obvious.lines(org, fe_big)
                 AND n = cardinality(obvious.lines(org, fe_medium)),
                 label || ': two exports side by side in a select list, each its own rows');
  SELECT array_agg(x::text) INTO got
    FROM (SELECT task_outputs.export_task_outputs(flow_execution_id => fe_big) x
          UNION ALL
          SELECT task_outputs.export_task_outputs(flow_execution_id => fe_medium)) s;
  RETURN NEXT obvious.same_lines(got, obvious.lines(org, fe_big) || obvious.lines(org, fe_medium),
                                 label || ': two exports in a UNION ALL');
  SELECT array_agg(a::text ORDER BY i) FILTER (WHERE a IS NOT NULL), array_agg(b::text ORDER BY i) FILTER (WHERE b IS NOT NULL)
    INTO got, got2
    FROM ROWS FROM (task_outputs.export_task_outputs(flow_execution_id => fe_tiny),
                    task_outputs.export_task_outputs(flow_execution_id => fe_medium)) WITH ORDINALITY AS x(a, b, i);
  RETURN NEXT ok(got IS NOT DISTINCT FROM obvious.lines(org, fe_tiny)
                 AND got2 IS NOT DISTINCT FROM obvious.lines(org, fe_medium),
                 label || ': two exports side by side in FROM (ROWS FROM)');
  SELECT count(*) INTO bad
    FROM unnest(ARRAY[fe_tiny, fe_medium, fe_big]) fe
   WHERE (SELECT array_agg(e::text) FROM (SELECT task_outputs.export_task_outputs(flow_execution_id => fe) e) s)
         IS DISTINCT FROM obvious.lines(org, fe);
  RETURN NEXT is(bad, 0::bigint, label || ': an export per row of an outer query, each that flow execution''s rows');
END $$;

SET LOCAL ROLE to_sizes_reader;
SET LOCAL task_outputs.org_id = :'org_s';

SELECT is(task_outputs.count_task_outputs(), 1538::bigint,
          'the reader sees 60 - 10 tiny, 1,500 - 15 medium and 3 big outputs (deleted ones hidden)');
SELECT cmp_ok(octet_length(task_outputs.list_task_outputs()::text), '>', 25000000,
              'their list is more than 25 MB of JSON');

-- COPY (SELECT task_outputs.export_task_outputs()) TO STDOUT, the README's
-- form, compared through a file of the client: COPY's text format doubles
-- the backslashes of the JSON text (to_json leaves no raw control
-- character in it) and ends each row with a newline.
\set copy_file `mktemp`

-- work_mem at its minimum
SET LOCAL work_mem = '64kB';
SELECT sz.check_lists('work_mem 64kB', :'org_s', :'fe_tiny', :'fe_medium', :'fe_big');
SELECT sz.check_exports('work_mem 64kB', :'org_s', :'fe_tiny', :'fe_medium', :'fe_big');
COPY (SELECT task_outputs.export_task_outputs()) TO STDOUT \g :copy_file
SELECT is(:ROW_COUNT, 1538, 'work_mem 64kB: COPY (SELECT export_task_outputs()) TO STDOUT copies every row');
\set copied `cat :copy_file`
SELECT obvious.same(:'copied', array_to_string(ARRAY(SELECT replace(l, '\', '\\') FROM unnest(obvious.lines(:'org_s')) l), E'\n'),
                    'work_mem 64kB: and each row is to_json of the record');

-- work_mem at its default
RESET work_mem;
SELECT sz.check_lists('default work_mem', :'org_s', :'fe_tiny', :'fe_medium', :'fe_big');
SELECT sz.check_exports('default work_mem', :'org_s', :'fe_tiny', :'fe_medium', :'fe_big');
COPY (SELECT task_outputs.export_task_outputs()) TO STDOUT \g :copy_file
SELECT is(:ROW_COUNT, 1538, 'default work_mem: COPY (SELECT export_task_outputs()) TO STDOUT copies every row');
\set copied `cat :copy_file`
SELECT obvious.same(:'copied', array_to_string(ARRAY(SELECT replace(l, '\', '\\') FROM unnest(obvious.lines(:'org_s')) l), E'\n'),
                    'default work_mem: and each row is to_json of the record');
\set copied ''
\set copy_file `rm -f :copy_file`

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

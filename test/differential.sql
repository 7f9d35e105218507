-- Differential tests of the read API: on generated data, every function and
-- filter combination gives exactly what the obvious SQL gives, byte for
-- byte (json_agg over the same rows in the same order), and walking all
-- pages with several page sizes gives the whole list with exact has_more.
-- Run as a reader (and an admin for include_deleted): row-level security
-- applies on both sides.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(21);
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
\ir fixtures/random_json.psql
\ir fixtures/generated.psql

CREATE ROLE to_reader IN ROLE task_outputs_reader;
CREATE ROLE to_admin IN ROLE task_outputs_admin;
SELECT task_outputs.grant_organization('to_reader', '0a000000-0000-4000-8000-00000000000a');
SELECT task_outputs.grant_organization('to_admin', '0a000000-0000-4000-8000-00000000000a');

-- The obvious SQL: the same filters, written plainly.
CREATE FUNCTION diff.obvious_rows(fe uuid, tn text, st task_outputs.task_output_status[],
                                  tg text[], sc jsonb, ca timestamptz, cb timestamptz,
                                  io boolean, del boolean, lim int, sa uuid)
RETURNS SETOF task_outputs.task_output LANGUAGE sql STABLE AS $$
  SELECT o.id, o.flow_execution_id, o.organization_id, o.task_name, o.status, o.summary,
         CASE WHEN io THEN o.output END, o.tags, o.last_modified_by, o.created_at, o.updated_at
    FROM task_outputs.outputs o
   WHERE o.organization_id = task_outputs.current_org_id()
     AND (del OR o.status <> 'deleted')
     AND (fe IS NULL OR o.flow_execution_id = fe)
     AND (tn IS NULL OR o.task_name = tn)
     AND (st IS NULL OR o.status = ANY (st))
     AND (tg IS NULL OR o.tags @> tg)
     AND (sc IS NULL OR o.summary @> sc)
     AND (ca IS NULL OR o.created_at > ca)
     AND (cb IS NULL OR o.created_at < cb)
     AND (sa IS NULL OR (o.created_at, o.id) < (SELECT c.created_at, c.id FROM task_outputs.outputs c WHERE c.id = sa))
   ORDER BY o.created_at DESC, o.id DESC
   LIMIT lim
$$;

CREATE FUNCTION diff.obvious_json(fe uuid, tn text, st task_outputs.task_output_status[],
                                  tg text[], sc jsonb, ca timestamptz, cb timestamptz,
                                  io boolean, del boolean, lim int, sa uuid)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(json_agg(r ORDER BY r.created_at DESC, r.id DESC), '[]')::text
    FROM diff.obvious_rows(fe, tn, st, tg, sc, ca, cb, io, del, lim, sa) r
$$;

-- Random filter combinations (seeded); returns one line per mismatch.
CREATE FUNCTION diff.check_combinations(n int, seed float8, allow_deleted boolean)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  fe uuid; tn text; st task_outputs.task_output_status[]; tg text[]; sc jsonb;
  ca timestamptz; cb timestamptz; io boolean; del boolean; lim int; sa uuid;
  c_json text; o_json text; c_rows bigint; o_rows bigint; c_count bigint;
  c_export text; c_records text; label text;
BEGIN
  PERFORM setseed(seed);
  FOR i IN 1..n LOOP
    fe := CASE WHEN random() < 0.3 THEN ('0f000000-0000-4000-8000-0000000000a' || (1 + floor(random() * 5))::int)::uuid END;
    tn := CASE WHEN random() < 0.25 THEN (SELECT task_names[1 + floor(random() * 7)::int] FROM diff.names WHERE i > 0) END;
    st := CASE WHEN random() < 0.3 THEN
            (SELECT array_agg(s) FROM unnest(enum_range(NULL::task_outputs.task_output_status)) s WHERE random() < 0.4 + 0 * i)
          END;
    IF st IS NULL AND random() < 0.05 THEN st := '{}'; END IF;
    tg := CASE WHEN random() < 0.3 THEN (SELECT tag_sets[1 + floor(random() * 8)::int]::text[] FROM diff.names WHERE i > 0) END;
    sc := CASE WHEN random() < 0.2 THEN jsonb_build_object('k', floor(random() * 4)::int)
               WHEN random() < 0.1 THEN '{"flag": true}' END;
    ca := CASE WHEN random() < 0.25 THEN '2026-01-01 00:00:00+00'::timestamptz + floor(random() * 300) * interval '1.000123 s' END;
    cb := CASE WHEN random() < 0.25 THEN coalesce(ca, '2026-01-01 00:00:00+00') + (1 + floor(random() * 200)) * interval '1 s' END;
    io := random() < 0.8;
    del := allow_deleted AND random() < 0.5;
    lim := CASE WHEN random() < 0.4 THEN 1 + floor(random() * 60)::int END;
    sa := CASE WHEN random() < 0.3 THEN (SELECT o.id FROM task_outputs.outputs o ORDER BY random() + 0 * i LIMIT 1) END;
    label := format('fe=%s tn=%s st=%s tg=%s sc=%s ca=%s cb=%s io=%s del=%s limit=%s sa=%s',
                    fe, tn, st, tg, sc, ca, cb, io, del, lim, sa);

    o_json := diff.obvious_json(fe, tn, st, tg, sc, ca, cb, io, del, lim, sa);
    c_json := task_outputs.list_task_outputs(fe, tn, st, tg, sc, ca, cb, io, del, lim, sa)::text;
    IF c_json IS DISTINCT FROM o_json THEN
      RETURN NEXT 'list_task_outputs: ' || label;
    END IF;

    SELECT string_agg(r::text, '|') INTO c_records
      FROM task_outputs.task_outputs(fe, tn, st, tg, sc, ca, cb, io, del, lim, sa) r;
    IF c_records IS DISTINCT FROM
       (SELECT string_agg(r::text, '|' ORDER BY r.created_at DESC, r.id DESC)
          FROM diff.obvious_rows(fe, tn, st, tg, sc, ca, cb, io, del, lim, sa) r) THEN
      RETURN NEXT 'task_outputs: ' || label;
    END IF;

    c_count := task_outputs.count_task_outputs(fe, tn, st, tg, sc, ca, cb, io, del);
    IF c_count <> (SELECT count(*) FROM diff.obvious_rows(fe, tn, st, tg, sc, ca, cb, io, del, NULL, NULL)) THEN
      RETURN NEXT 'count_task_outputs: ' || label;
    END IF;

    SELECT string_agg(j::text, ', ' || E'\n ') INTO c_export
      FROM task_outputs.export_task_outputs(fe, tn, st, tg, sc, ca, cb, io, del) j;
    IF '[' || coalesce(c_export, '') || ']' IS DISTINCT FROM diff.obvious_json(fe, tn, st, tg, sc, ca, cb, io, del, NULL, NULL) THEN
      RETURN NEXT 'export_task_outputs: ' || label;
    END IF;
  END LOOP;
END $$;

-- Walk every page of size page_size with list_task_outputs_page; returns one
-- line per mismatch of a page's data, has_more or next_starting_after, and
-- checks that the pages put together are the whole list.
CREATE FUNCTION diff.walk_pages(page_size int, st task_outputs.task_output_status[])
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  page json; cursor_id uuid; pages int := 0; seen jsonb := '[]'; expected text;
BEGIN
  LOOP
    page := task_outputs.list_task_outputs_page(status => st, "limit" => page_size, starting_after => cursor_id);
    pages := pages + 1;
    expected := diff.obvious_json(NULL, NULL, st, NULL, NULL, NULL, NULL, true, false, page_size, cursor_id);
    IF (page->'data')::text IS DISTINCT FROM expected THEN
      RETURN NEXT format('page %s of size %s: data differs', pages, page_size);
    END IF;
    IF (page->>'object') IS DISTINCT FROM 'list' THEN
      RETURN NEXT format('page %s: object is %s', pages, page->>'object');
    END IF;
    seen := seen || (page->'data')::jsonb;
    IF (page->>'has_more')::boolean IS DISTINCT FROM
       (jsonb_array_length(seen) < (SELECT count(*) FROM diff.obvious_rows(NULL, NULL, st, NULL, NULL, NULL, NULL, true, false, NULL, NULL))) THEN
      RETURN NEXT format('page %s of size %s: has_more is %s', pages, page_size, page->>'has_more');
    END IF;
    EXIT WHEN NOT (page->>'has_more')::boolean;
    IF (page->>'next_starting_after')::uuid IS DISTINCT FROM (seen->-1->>'id')::uuid THEN
      RETURN NEXT format('page %s: next_starting_after is not the last id', pages);
    END IF;
    cursor_id := (page->>'next_starting_after')::uuid;
    IF pages > 10000 THEN RETURN NEXT 'endless paging'; EXIT; END IF;
  END LOOP;
  IF page->'next_starting_after' IS NULL OR json_typeof(page->'next_starting_after') <> 'null' THEN
    RETURN NEXT 'the last page has a next_starting_after';
  END IF;
  IF seen IS DISTINCT FROM diff.obvious_json(NULL, NULL, st, NULL, NULL, NULL, NULL, true, false, NULL, NULL)::jsonb THEN
    RETURN NEXT format('pages of size %s do not add up to the list', page_size);
  END IF;
END $$;

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

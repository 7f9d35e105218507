-- tools/random-diff.sql -- one randomized differential run over one data
-- shape, driven by tools/random-diff.sh: generates the data of
-- test/fixtures/generated.psql with the shape's variables, then checks
-- seeded random filter combinations (as a reader, then with
-- include_deleted as an admin, both also of the direct tier so that the
-- obvious SQL can read the table) and page walks against the obvious SQL,
-- with the same functions as test/differential.sql.  Prints one line per
-- mismatch, starting "MISMATCH", then a "checked:" line.  Everything is
-- rolled back.
--
-- psql variables: data_seed, data_rows, data_instants (the shape),
-- combo_seed, admin_seed (in -1..1), iterations, page_sizes (an int[] literal).
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
BEGIN;
\ir ../test/fixtures/random_json.psql
\ir ../test/fixtures/generated.psql
\ir ../test/fixtures/differential.psql

\o /dev/null
CREATE ROLE rd_reader IN ROLE task_outputs_reader;
CREATE ROLE rd_admin IN ROLE task_outputs_admin;
DO $$
BEGIN
	-- the direct tier (0.2.0 on): plain SQL on the tables
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'task_outputs_direct') THEN
		GRANT task_outputs_direct TO rd_reader, rd_admin;
	END IF;
	IF pg_catalog.to_regprocedure('task_outputs.grant_organization(regrole,uuid)') IS NOT NULL THEN
		EXECUTE 'SELECT task_outputs.grant_organization($1, $2)' USING 'rd_reader'::regrole, '0a000000-0000-4000-8000-00000000000a'::uuid;
		EXECUTE 'SELECT task_outputs.grant_organization($1, $2)' USING 'rd_admin'::regrole, '0a000000-0000-4000-8000-00000000000a'::uuid;
	END IF;
END
$$;
\o

SELECT format('   data: %s visible outputs, %s distinct created_at, %s deleted',
              count(*) FILTER (WHERE status <> 'deleted'), count(DISTINCT created_at),
              count(*) FILTER (WHERE status = 'deleted'))
  FROM task_outputs.outputs WHERE organization_id = '0a000000-0000-4000-8000-00000000000a';

SET LOCAL ROLE rd_reader;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

SELECT 'MISMATCH (reader, check_combinations(' || :iterations || ', ' || :combo_seed || ', false)): ' || f
  FROM diff.check_combinations(:iterations, :combo_seed, false) f;
SELECT 'MISMATCH (reader, walk_pages(' || s || ', NULL)): ' || f
  FROM unnest(:'page_sizes'::int[]) s, diff.walk_pages(s, NULL) f;
SELECT 'MISMATCH (reader, walk_pages(' || s || ', {completed,stale})): ' || f
  FROM unnest(:'page_sizes'::int[]) s, diff.walk_pages(s, '{completed,stale}') f;

RESET ROLE;
SET LOCAL ROLE rd_admin;
SELECT 'MISMATCH (admin, check_combinations(' || (:iterations / 4 + 1) || ', ' || :admin_seed || ', true)): ' || f
  FROM diff.check_combinations(:iterations / 4 + 1, :admin_seed, true) f;

SELECT format('   checked: %s combinations as a reader, %s as an admin, page walks of sizes %s',
              :iterations, :iterations / 4 + 1, :'page_sizes');
ROLLBACK;

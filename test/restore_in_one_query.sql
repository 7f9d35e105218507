-- restore_task_output() called more than once in one query returns, for
-- each call, the row it restored: in a select list over several deleted
-- outputs, as (...).id, twice side by side, and in FROM.  Issue 10, item
-- 2: the result was memory that SPI_finish had freed, so two restores in
-- one query returned the other row's data (and an assertion-enabled build,
-- which clobbers freed memory, crashed).  Run as an admin of the
-- organization.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(7);
\ir fixtures/tenants.psql
\o /dev/null
CREATE ROLE to_restorer IN ROLE task_outputs_admin;
SELECT task_outputs.grant_organization('to_restorer', '0a000000-0000-4000-8000-00000000000a');
\o

SET LOCAL ROLE to_restorer;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET LOCAL task_outputs.actor = 'restorer';

-- three outputs of different tasks, statuses and payloads
CREATE TEMP TABLE victims (n int, id uuid, status text);
INSERT INTO victims
SELECT n, (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', name, output, summary,
                                           tags, status::task_outputs.task_output_status)).id, status
  FROM (VALUES (1, 'alpha', '{"a": 1}'::jsonb, '{"k": "α"}'::jsonb, '{x}'::text[], 'completed'),
               (2, 'beta', '[2, 2]', '{"k": "β"}', '{y,z}', 'failed'),
               (3, 'gamma', NULL, '{}', '{}', 'queued')) v(n, name, output, summary, tags, status);

-- soft-delete them all, then restore them in one query
CREATE FUNCTION pg_temp.delete_all() RETURNS void LANGUAGE sql AS $$
  SELECT count(task_outputs.delete_task_output(id)) FROM victims; $$;

SELECT pg_temp.delete_all();
CREATE TEMP TABLE restored AS
SELECT v.id AS asked, task_outputs.restore_task_output(v.id) AS got FROM victims v ORDER BY v.n;
SELECT is((SELECT array_agg((got).id ORDER BY asked) FROM restored), (SELECT array_agg(id ORDER BY id) FROM victims),
          'three restores in a select list: each returns the output it was asked for');
SELECT is((SELECT count(*) FROM restored r
            WHERE to_json(r.got)::text IS DISTINCT FROM task_outputs.get_task_output(r.asked)::text), 0::bigint,
          'each returned row is that output as it now is, every column');
SELECT is((SELECT array_agg((r.got).status::text ORDER BY v.n) FROM restored r JOIN victims v ON v.id = r.asked),
          (SELECT array_agg(status ORDER BY n) FROM victims),
          'each is back in its own status before the delete');

SELECT pg_temp.delete_all();
SELECT is((SELECT array_agg(x ORDER BY x)
             FROM (SELECT (task_outputs.restore_task_output(id)).id AS x FROM victims) s),
          (SELECT array_agg(id ORDER BY id) FROM victims),
          '(restore_task_output(id)).id over three deleted outputs: three different ids, the ones asked for');

SELECT pg_temp.delete_all();
SELECT is((SELECT ARRAY[(task_outputs.restore_task_output(a.id)).task_name, (task_outputs.restore_task_output(b.id)).task_name]
             FROM victims a, victims b WHERE a.n = 1 AND b.n = 2),
          ARRAY['alpha', 'beta'], 'two restores side by side in one select list, each its own row');
SELECT is((SELECT (task_outputs.restore_task_output(id)).task_name FROM victims WHERE n = 3),
          'gamma', 'and the third on its own');

SELECT pg_temp.delete_all();
SELECT is((SELECT array_agg(r.task_name || ':' || r.status ORDER BY v.n)
             FROM victims v, LATERAL task_outputs.restore_task_output(v.id) r),
          ARRAY['alpha:completed', 'beta:failed', 'gamma:queued'],
          'restores in FROM, one per row of a join: each its own row');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

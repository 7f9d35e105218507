-- The JSON string escaper, position by position: strings of every length
-- up to 70 bytes (and around 128 and 256) with a byte that needs escaping at
-- each position, two of them side by side and eight apart, none at all, or
-- nothing else, in ASCII and in multi-byte UTF-8, so that every escape
-- falls at every place relative to the 8- and 16-byte steps of the scan
-- and to the end of the string.  Each string is rendered as a jsonb object
-- key (first and later), a value, an array element, a scalar root, the
-- task name and a tag (those up to their length limits); every rendering
-- equals to_json's, and the whole list equals json_agg's, byte for byte.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(4);
\ir fixtures/tenants.psql

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('escapes', '0f000000-0000-4000-8000-0000000000e5') \g /dev/null

-- the bytes escape_json escapes (and DEL and '/', which it does not)
CREATE TEMP TABLE specials AS
  SELECT ARRAY['"', '\', E'\n', E'\x01', E'\x1f', E'\t', E'\b', E'\f', E'\r', E'\x7f', '/'] AS s;

-- base strings: ASCII, and a mix of 1- to 4-byte characters
CREATE TEMP TABLE bases (kind text, base text);
INSERT INTO bases VALUES
  ('ascii', repeat('abcdefghijklmnopqrstuvwxyz0123456789', 10)),
  ('utf8', repeat('aé€b😀cdÿ', 40));

CREATE TEMP TABLE lengths AS
  SELECT n FROM generate_series(0, 70) n
  UNION SELECT unnest(ARRAY[127, 128, 129, 255, 256, 257]);

CREATE TEMP TABLE strings (s text);
-- none to escape
INSERT INTO strings SELECT substr(base, 1, n) FROM bases, lengths;
-- one at each position (positions 1.. in characters), the special rotating
INSERT INTO strings
SELECT overlay(substr(base, 1, n) PLACING sp.s[1 + (n + p) % array_length(sp.s, 1)] FROM p FOR 1)
  FROM bases, lengths, specials sp, generate_series(1, 257) p
 WHERE p <= n;
-- two side by side, and two eight apart
INSERT INTO strings
SELECT overlay(overlay(substr(base, 1, n) PLACING sp.s[1 + p % 9] FROM p FOR 1)
               PLACING sp.s[1 + (p + 4) % 9] FROM p + d FOR 1)
  FROM bases, lengths, specials sp, generate_series(1, 70) p, unnest(ARRAY[1, 8]) d
 WHERE p + d <= n AND n <= 70;
-- nothing but escapes
INSERT INTO strings
SELECT string_agg(sp.s[1 + i % 9], '' ORDER BY i)
  FROM specials sp, lengths, generate_series(1, 70) i
 WHERE i <= n AND n BETWEEN 1 AND 40
 GROUP BY n;

SELECT cmp_ok((SELECT count(DISTINCT s) FROM strings), '>', 10000::bigint,
              'more than 10000 distinct strings');

-- one output per string
CREATE TEMP TABLE rendered (id uuid);
INSERT INTO rendered
SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000e5',
          CASE WHEN s = '' OR length(s) > 200 THEN 'empty or long' ELSE s END,
          CASE WHEN n % 2 = 0
               THEN jsonb_build_array(s, jsonb_build_object(s, s, s || 'k', ARRAY[s, 'x'], 'z', s), s)
               ELSE to_jsonb(s) END,
          jsonb_build_object('s', s),
          CASE WHEN s IN ('', 'tag') OR length(s) > 100 THEN ARRAY['tag'] ELSE ARRAY[s, 'tag'] END,
          'failed')).id
  FROM (SELECT s, row_number() OVER (ORDER BY s) n FROM (SELECT DISTINCT s FROM strings) d) t;

CREATE TEMP TABLE mismatches AS
SELECT o.output
  FROM rendered r
  JOIN task_outputs.outputs o ON o.id = r.id
 WHERE task_outputs.get_task_output(r.id)::text IS DISTINCT FROM
       (SELECT to_json(x)::text
          FROM (SELECT o.id, o.flow_execution_id, o.organization_id, o.task_name, o.status,
                       o.summary, o.output, o.tags, o.last_modified_by, o.created_at, o.updated_at) x);
SELECT is((SELECT count(*) FROM mismatches), 0::bigint,
          'get_task_output renders every string as to_json does');
SELECT diag('rendered differently: ' || output::text) FROM (SELECT output FROM mismatches LIMIT 3) m;

SELECT ok(task_outputs.list_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000e5')::text =
          (SELECT json_agg(x ORDER BY x.created_at DESC, x.id DESC)::text
             FROM (SELECT o.id, o.flow_execution_id, o.organization_id, o.task_name, o.status,
                          o.summary, o.output, o.tags, o.last_modified_by, o.created_at, o.updated_at
                     FROM task_outputs.outputs o
                    WHERE o.flow_execution_id = '0f000000-0000-4000-8000-0000000000e5'
                      AND o.status <> 'deleted') x),
          'the whole list is byte for byte json_agg over the same rows');

SELECT ok((SELECT string_agg(e.j::text, ',' ORDER BY e.n)
             FROM task_outputs.export_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000e5')
                  WITH ORDINALITY e(j, n)) =
          (SELECT string_agg(to_json(x)::text, ',' ORDER BY x.created_at DESC, x.id DESC)
             FROM (SELECT o.id, o.flow_execution_id, o.organization_id, o.task_name, o.status,
                          o.summary, o.output, o.tags, o.last_modified_by, o.created_at, o.updated_at
                     FROM task_outputs.outputs o
                    WHERE o.flow_execution_id = '0f000000-0000-4000-8000-0000000000e5'
                      AND o.status <> 'deleted') x),
          'export renders every row as to_json does');

SELECT * FROM finish();
ROLLBACK;

-- Payloads at the limits, written and read back by a writer: deeply nested
-- JSON, the size limit to the byte, the tag limits, and odd but valid
-- unicode.  What goes in comes back byte for byte (jsonb's own text form),
-- through get_task_output, list_task_outputs and export_task_outputs, and
-- equals what the obvious SQL renders.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
BEGIN;
SELECT plan(50);
\ir fixtures/tenants.psql

CREATE SCHEMA lim;
GRANT USAGE ON SCHEMA lim TO PUBLIC;

-- The obvious rendering of one output: to_json of the table's row.
CREATE FUNCTION lim.obvious(want uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_json(r)::text
    FROM (SELECT o.id, o.flow_execution_id, o.organization_id, o.task_name, o.status,
                 o.summary, o.output, o.tags, o.last_modified_by, o.created_at, o.updated_at
            FROM task_outputs.outputs o WHERE o.id = want) r
$$;

-- Record an output; returns its id.
CREATE FUNCTION lim.put(task_name text, output jsonb, summary jsonb DEFAULT '{}', tags text[] DEFAULT '{}')
RETURNS uuid LANGUAGE sql AS $$
  SELECT (task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', task_name, output, summary, tags)).id
$$;

-- Every way of reading one output renders it as the obvious SQL does
-- (list and export narrowed to its task name, which the tests keep unique).
CREATE FUNCTION lim.reads_agree(want uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT task_outputs.get_task_output(want)::text = lim.obvious(want)
     AND (SELECT string_agg(e::text, ',') FROM task_outputs.export_task_outputs(task_name => o.task_name) e) = lim.obvious(want)
     AND task_outputs.list_task_outputs(task_name => o.task_name)::text = '[' || lim.obvious(want) || ']'
    FROM task_outputs.outputs o WHERE o.id = want
$$;

-- Sizes as the size rule counts them: the stored jsonb, less its header.
CREATE FUNCTION lim.size_of(summary jsonb, output jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT (pg_column_size(summary) - 4)::bigint + coalesce(pg_column_size(output) - 4, 0)
$$;
-- n such that a string of n 'x' as output, with summary s, is exactly limit
CREATE FUNCTION lim.fit(lim bigint, s jsonb) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT (lim - lim.size_of(s, to_jsonb(''::text)))::int
$$;

SET LOCAL ROLE to_alice;
SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';

/*
 * Deep nesting: arrays, objects and both interleaved, 1000 and 10000
 * levels (PostgreSQL's JSON parser stops near 13000-14500 levels with the
 * default max_stack_depth).
 */
CREATE TEMP TABLE deep (label text, doc text, id uuid);
INSERT INTO deep (label, doc) VALUES
  ('arrays 1000', repeat('[', 1000) || repeat(']', 1000)),
  ('arrays 10000', repeat('[', 10000) || '1' || repeat(']', 10000)),
  ('objects 1000', repeat('{"a": ', 1000) || '"leaf"' || repeat('}', 1000)),
  ('objects 10000', repeat('{"k": ', 10000) || '{}' || repeat('}', 10000)),
  ('mixed 5000', repeat('[{"é😀": ', 5000) || 'null' || repeat('}]', 5000));
UPDATE deep SET id = lim.put('deep ' || label, doc::jsonb);

SELECT is((SELECT count(*) FROM deep WHERE doc::jsonb::text = doc), 5::bigint,
          'the nested documents are written in jsonb''s own text form');
SELECT is((SELECT o.output::text FROM task_outputs.outputs o WHERE o.id = deep.id), doc,
          label || ': stored unchanged')
  FROM deep ORDER BY label;
SELECT ok(lim.reads_agree(id), label || ': get, list and export render it as the obvious SQL')
  FROM deep ORDER BY label;
SELECT ok(strpos(task_outputs.get_task_output(id)::text, '"output":' || doc || ',') > 0,
          label || ': get_task_output carries the document byte for byte')
  FROM deep WHERE label = 'objects 10000';
SELECT is((SELECT count(*) FROM json_array_elements(task_outputs.list_task_outputs(task_name => 'deep mixed 5000'))), 1::bigint,
          'a 5000-level document is listed by task_name');
SELECT throws_ok($$SELECT lim.put('too deep', (repeat('[', 200000) || repeat(']', 200000))::jsonb)$$,
                 '54001', NULL, 'nesting beyond the parser''s stack is refused by PostgreSQL before it reaches the table');

/*
 * Size: summary + output at most task_outputs.max_output_bytes, as stored
 * jsonb; exactly the limit is accepted, one byte more is PT413.  The
 * string length that lands on the limit is computed from jsonb's own
 * sizes (pg_column_size of the values minus their 4-byte headers).
 */
-- the default, 16MB
SELECT is(current_setting('task_outputs.max_output_bytes'), '16MB', 'the default limit is 16MB');
SELECT is(lim.size_of('{}', to_jsonb(repeat('x', lim.fit(16777216, '{}')))), 16777216::bigint,
          'the fitted payload is exactly 16777216 bytes');
SELECT lives_ok($$SELECT lim.put('size 16MB', to_jsonb(repeat('x', lim.fit(16777216, '{}'))))$$,
                'exactly 16MB of summary + output is accepted');
SELECT is((SELECT octet_length(output::text) FROM task_outputs.outputs WHERE task_name = 'size 16MB'),
          lim.fit(16777216, '{}') + 2, 'and stored whole');
SELECT throws_ok($$SELECT lim.put('size 16MB + 1', to_jsonb(repeat('x', lim.fit(16777216, '{}') + 1)))$$,
                 'PT413', 'task output is too large', 'one byte more is PT413');

-- a lower limit (a superuser's setting), summary and output both counted
RESET ROLE;
SET LOCAL task_outputs.max_output_bytes = 65536;
SET LOCAL ROLE to_alice;
SELECT lives_ok($$SELECT lim.put('size 64kB', to_jsonb(repeat('ü', lim.fit(65536, '{"note": "ñ"}') / 2)), '{"note": "ñ"}')$$,
                'exactly 65536 bytes with a summary and a multibyte output is accepted');
SELECT is((SELECT lim.size_of(summary::text::jsonb, output::text::jsonb) FROM task_outputs.outputs WHERE task_name = 'size 64kB'), 65536::bigint,
          'its size (uncompressed, as the rule counts it) is the limit');
SELECT throws_ok($$SELECT lim.put('size 64kB + 1', to_jsonb(repeat('ü', lim.fit(65536, '{"note": "ñ"}') / 2)), '{"note": "ñ!"}')$$,
                 'PT413', 'task output is too large', 'one byte more in the summary is PT413');
SELECT throws_ok($$UPDATE task_outputs.outputs SET output = to_jsonb(output #>> '{}' || 'x') WHERE task_name = 'size 64kB'$$,
                 'PT413', 'task output is too large', 'an UPDATE that grows it by one byte is PT413');
SELECT lives_ok($$UPDATE task_outputs.outputs SET summary = '{"note": "n"}', output = to_jsonb(output #>> '{}' || 'x') WHERE task_name = 'size 64kB'$$,
                'an UPDATE that keeps the total at the limit is accepted');
SELECT ok(lim.reads_agree(id), 'the output at the limit reads back as the obvious SQL renders it')
  FROM task_outputs.outputs WHERE task_name = 'size 64kB';
SELECT is((SELECT count(*) FROM task_outputs.outputs WHERE task_name LIKE 'size%+ 1'), 0::bigint,
          'nothing of the rejected writes was kept');

/*
 * Tags: at most 64 distinct non-empty strings of at most 100 characters
 * (characters, not bytes).
 */
SELECT lives_ok($$SELECT lim.put('tags 64x100', NULL, '{}', (SELECT array_agg(lpad(n::text, 100, 'é')) FROM generate_series(1, 64) n))$$,
                '64 tags of 100 two-byte characters are accepted');
SELECT is((SELECT tags FROM task_outputs.outputs WHERE task_name = 'tags 64x100'),
          (SELECT array_agg(lpad(n::text, 100, 'é')) FROM generate_series(1, 64) n),
          'and stored in order, unchanged');
SELECT throws_ok($$SELECT lim.put('tags 65', NULL, '{}', (SELECT array_agg(lpad(n::text, 3, 't')) FROM generate_series(1, 65) n))$$,
                 'PT400', 'invalid tags', '65 tags are PT400');
SELECT throws_ok($$SELECT lim.put('tags 101', NULL, '{}', ARRAY[repeat('é', 101)])$$,
                 'PT400', 'invalid tags', 'a tag of 101 characters is PT400');
SELECT throws_ok($$UPDATE task_outputs.outputs SET tags = tags || '{one-more}'::text[] WHERE task_name = 'tags 64x100'$$,
                 'PT400', 'invalid tags', 'an UPDATE adding a 65th tag is PT400');
SELECT ok(lim.reads_agree(id), '64 long tags read back as the obvious SQL renders them')
  FROM task_outputs.outputs WHERE task_name = 'tags 64x100';
SELECT is(json_array_length(task_outputs.list_task_outputs(tags => ARRAY[lpad('64', 100, 'é'), lpad('1', 100, 'é')])), 1,
          'the tags filter finds it by two of its long tags');

/*
 * Odd but valid unicode: combining marks, right-to-left text and
 * direction overrides, zero-width joiners, U+FFFF and other
 * noncharacters, 4-byte characters, surrogate-pair escapes in JSON input,
 * line and paragraph separators, a byte-order mark.
 */
CREATE TEMP TABLE odd (label text, name text, tag text, json_in text, json_out text, id uuid);
INSERT INTO odd (label, name, tag, json_in, json_out) VALUES
  ('combining marks', E'e\u0301te\u0301 Z\u0351\u0362a\u0353l\u0327g\u030Fo', E'a\u0308', '"e\u0301"', E'"e\u0301"'),
  ('right to left', E'\u05E9\u05DC\u05D5\u05DD \u0645\u0631\u062D\u0628\u0627', E'\u200Frtl', E'{"\u05D0": "\u0627\u202E\u202C"}', E'{"\u05D0": "\u0627\u202E\u202C"}'),
  ('zero-width joiners', E'\U0001F468\u200D\U0001F469\u200D\U0001F467', E'zw\u200Bj\u200D', E'["\U0001F3F3\uFE0F\u200D\U0001F308"]', E'["\U0001F3F3\uFE0F\u200D\U0001F308"]'),
  ('noncharacters', E'\uFFFF \uFFFE \uFDD0', E'\uFFFF', '"\uffff\ufffe"', E'"\uFFFF\uFFFE"'),
  ('4-byte characters', E'\U0001F600 \U0001D11E \U0010FFFD', E'\U0001F600', E'{"\U0001F600": "\U0001D11E"}', E'{"\U0001F600": "\U0001D11E"}'),
  ('surrogate-pair escapes', 'escapes', 'esc', '{"\ud83d\ude00": ["\uD834\uDD1E", "\udbff\udffd"]}', E'{"\U0001F600": ["\U0001D11E", "\U0010FFFD"]}'),
  ('separators and BOM', E'line\u2028para\u2029bom\uFEFF', E'\uFEFF', E'"\u2028\u2029\uFEFF"', E'"\u2028\u2029\uFEFF"');
UPDATE odd SET id = lim.put(name, json_in::jsonb, jsonb_build_object('label', label, 'v', json_in::jsonb), ARRAY[tag]);

SELECT is((SELECT o.task_name || '|' || o.tags[1] || '|' || o.output::text FROM task_outputs.outputs o WHERE o.id = odd.id),
          name || '|' || tag || '|' || json_out, label || ': name, tag and output stored unchanged')
  FROM odd ORDER BY label;
SELECT ok(lim.reads_agree(id)
          AND (task_outputs.get_task_output(id)->>'task_name') = name
          AND (task_outputs.get_task_output(id)->'tags'->>0) = tag
          AND strpos(task_outputs.get_task_output(id)::text, json_out) > 0,
          label || ': read back unchanged, byte for byte')
  FROM odd ORDER BY label;
SELECT is((SELECT count(*) FROM odd WHERE json_array_length(task_outputs.list_task_outputs(task_name => name, tags => ARRAY[tag])) = 1),
          7::bigint, 'each is found by its exact task_name and tag');
SELECT is(json_array_length(task_outputs.list_task_outputs(task_name => 'e' || E'\u00E9' || 'te')), 0,
          'a precomposed spelling is another name (names are compared as stored, not normalized)');
SELECT throws_ok($$SELECT '"\u0000"'::jsonb$$, '22P05', NULL,
                 'a NUL escape never reaches the table: PostgreSQL''s jsonb refuses it');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;

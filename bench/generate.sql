/*
 * bench/generate.sql
 *		The benchmark's data sets: reproducible, generated inside the server.
 *
 * Run by psql as a superuser in a database where task_outputs is installed,
 * with the variable "divisor" (1: the full data set, 20: the quick one) and,
 * for a share database, "share" (see below).  It creates the schema "bench"
 * (helpers and the organizations' plan) and the login roles the benchmark
 * measures as; bench.load() then loads the rows through the tables as any
 * writer would: INSERT ... SELECT, one organization and one slice of time
 * per transaction, with task_outputs.org_id and task_outputs.actor set
 * locally, so the extension's C triggers check and stamp every row and
 * row-level security checks every insert.
 *
 * Every value derives from a fixed seed through hashint8extended(), so two
 * runs produce the same rows (ids included) whatever the order in which the
 * server evaluates them, and the same organization holds the same rows in
 * every database.  The main database (no "share"), at divisor 1:
 *
 *   - organization 0 ("big"): 200,000 outputs, exactly 1 in 8 soft-deleted
 *     (175,000 visible): about 10% of the table;
 *   - organizations 1..99: 800,000 outputs, from 2,000 (organization 1,
 *     "small") up to about 14,000 each, about 3% soft-deleted;
 *   - organization 100 ("export"): 1,000,000 outputs, none deleted, about
 *     1.2 GB of JSON: the export case, kept apart from the 1,000,000 above;
 *   - organization 101 ("text"): 40,000 text-heavy outputs, 1 in 8
 *     soft-deleted (35,000 visible), about 400 MB of JSON.
 *
 * A share database (share = 20 or 50) holds organization 0 exactly as
 * above and organizations 1..99 scaled so that organization 0 is that
 * percentage of the table (800,000 rows at 20%, 200,000 at 50%), and no
 * export or text organization: the big tenant's rows, and so every
 * reader's work, are the same at every share.
 *
 * Outputs are 0.5-1 KB of jsonb (nested objects, arrays, numbers, strings
 * with escapes, control characters and non-ASCII text; half of the failed
 * ones have none), summaries like {"pages": 10, "word_count": 5000}, 1.5
 * tags on average, every status; ten tasks per flow execution, so a
 * completed (flow execution, task) pair is never repeated; created_at
 * spread over 2024 with bursts of 16 outputs sharing one timestamp; ids are
 * UUIDv7 of that timestamp.  The text organization's outputs are 1-20 KB
 * made of a few long strings (paragraphs of plain English words with the
 * occasional quote, line break, tab, backslash or non-ASCII word, as model
 * answers and extracted text are), with summaries of four keys.  Only
 * updated_at (stamped by the trigger) and so the exact JSON size differ
 * from one run to the next.
 */
\set ON_ERROR_STOP on
\if :{?divisor}
\else
\set divisor 1
\endif
\if :{?share}
\else
\set share 0
\endif

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS 'task_outputs benchmark: generator and timing helpers';

-- The roles the benchmark measures as.  Gateways take the tenant from the
-- session, as PostgREST does after verifying a JWT; bench_direct is a
-- direct client of the trusted tier (plain SQL on the tables), granted the
-- small organization by run.sh.
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bench_writer') THEN
		CREATE ROLE bench_writer LOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bench_reader') THEN
		CREATE ROLE bench_reader LOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bench_explain') THEN
		CREATE ROLE bench_explain LOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bench_direct') THEN
		CREATE ROLE bench_direct LOGIN;
	END IF;
END
$roles$;
GRANT task_outputs_writer, task_outputs_gateway, task_outputs_direct TO bench_writer;
GRANT task_outputs_reader, task_outputs_gateway, task_outputs_direct TO bench_reader, bench_explain;
GRANT task_outputs_reader, task_outputs_direct TO bench_direct;
GRANT USAGE ON SCHEMA bench TO bench_writer, bench_reader, bench_explain, bench_direct;

-- The seed of every pseudo-random choice.
CREATE FUNCTION bench.seed() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 20240601;

-- A pseudo-random integer in [0, n) for key k and purpose salt.
CREATE FUNCTION bench.rnd(k bigint, salt int, n int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ((pg_catalog.hashint8extended(k, bench.seed() + salt) & 2147483647) % n)::int;

-- The organizations: number, id, rows (a row's key is org * 10^7 + n, n
-- its number within the organization).
CREATE TABLE bench.orgs (
	org			int PRIMARY KEY,
	org_id		uuid NOT NULL,
	role		text NOT NULL,		-- big, small, other, export, text
	nrows		int NOT NULL
);

-- others: the rows of organizations 1..99 (800,000 in the main database)
INSERT INTO bench.orgs
SELECT 0, md5('bench organization 0')::uuid, 'big', 200000 / :divisor;
INSERT INTO bench.orgs
SELECT i, md5('bench organization ' || i)::uuid,
	   CASE WHEN i = 1 THEN 'small' ELSE 'other' END,
	   ((2000 + (i - 1) * 6020000::bigint / 48510
		 + CASE WHEN i = 99 THEN 800000 - 99 * 2000 - (SELECT sum((j - 1) * 6020000::bigint / 48510) FROM generate_series(1, 99) j) ELSE 0 END
		) * others / 800000)::int / :divisor
FROM generate_series(1, 99) i,
	 LATERAL (SELECT CASE WHEN :share = 0 THEN 800000
						  ELSE 200000 * (100 - :share) / :share END AS others) o;
INSERT INTO bench.orgs
SELECT 100, md5('bench organization 100')::uuid, 'export', 1000000 / :divisor
WHERE :share = 0;
INSERT INTO bench.orgs
SELECT 101, md5('bench organization 101')::uuid, 'text', 40000 / :divisor
WHERE :share = 0;
GRANT SELECT ON bench.orgs TO bench_writer, bench_reader, bench_explain, bench_direct;

-- Word pools: plain ASCII, accents, other scripts, characters JSON escapes.
CREATE FUNCTION bench.word(i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['invoice', 'total', 'amount', 'customer', 'shipping', 'address',
			  'café', 'naïve', 'Zürich', 'São Paulo', '東京', 'данные', 'señor',
			  'résumé', 'Ελλάδα', 'مرحبا', '🙂', '✓ done', 'data', 'report',
			  'quarterly', 'revenue', 'contract', 'clause', 'signature', 'page',
			  'table', 'figure', E'line\nbreak', E'tab\there', '"quoted"',
			  E'back\\slash', 'path/to/file.pdf', 'e-mail', 'Q3-2024', 'N/A',
			  'approved', 'pending', 'rejected', 'ctl' || chr(1)])[1 + i % 40];

-- A sentence of nwords (at most 24) words for key k.
--
-- The generator's functions are written so that the planner inlines them
-- (no subquery; STABLE when they call a STABLE function such as
-- array_to_string or jsonb_build_object): a SQL function that is not
-- inlined is planned again on every call of the function calling it.
CREATE FUNCTION bench.sentence(k bigint, salt int, nwords int) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN array_to_string((ARRAY[
		bench.word(bench.rnd(k, salt * 100 + 1, 40)),
		bench.word(bench.rnd(k, salt * 100 + 2, 40)),
		bench.word(bench.rnd(k, salt * 100 + 3, 40)),
		bench.word(bench.rnd(k, salt * 100 + 4, 40)),
		bench.word(bench.rnd(k, salt * 100 + 5, 40)),
		bench.word(bench.rnd(k, salt * 100 + 6, 40)),
		bench.word(bench.rnd(k, salt * 100 + 7, 40)),
		bench.word(bench.rnd(k, salt * 100 + 8, 40)),
		bench.word(bench.rnd(k, salt * 100 + 9, 40)),
		bench.word(bench.rnd(k, salt * 100 + 10, 40)),
		bench.word(bench.rnd(k, salt * 100 + 11, 40)),
		bench.word(bench.rnd(k, salt * 100 + 12, 40)),
		bench.word(bench.rnd(k, salt * 100 + 13, 40)),
		bench.word(bench.rnd(k, salt * 100 + 14, 40)),
		bench.word(bench.rnd(k, salt * 100 + 15, 40)),
		bench.word(bench.rnd(k, salt * 100 + 16, 40)),
		bench.word(bench.rnd(k, salt * 100 + 17, 40)),
		bench.word(bench.rnd(k, salt * 100 + 18, 40)),
		bench.word(bench.rnd(k, salt * 100 + 19, 40)),
		bench.word(bench.rnd(k, salt * 100 + 20, 40)),
		bench.word(bench.rnd(k, salt * 100 + 21, 40)),
		bench.word(bench.rnd(k, salt * 100 + 22, 40)),
		bench.word(bench.rnd(k, salt * 100 + 23, 40)),
		bench.word(bench.rnd(k, salt * 100 + 24, 40))])[1:nwords], ' ');

-- The created_at of row n of an organization of nrows rows: spread over
-- 2024 in row order, with jitter, and bursts of 16 rows sharing one
-- timestamp (one block of 16 in 7).
CREATE FUNCTION bench.created_at(org int, n int, nrows int) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '2024-01-01 00:00:00+00'::timestamptz
	+ make_interval(secs =>
		CASE WHEN (n / 16) % 7 = 0 THEN
			 trunc(((n / 16 * 16)::float8 / nrows * 365 * 86400
					+ bench.rnd(org::bigint * 10000000 + n / 16 * 16, 1, 600000) / 1000.0)::numeric, 3)
		ELSE
			 trunc((n::float8 / nrows * 365 * 86400
					+ bench.rnd(org::bigint * 10000000 + n, 1, 600000) / 1000.0
					+ bench.rnd(org::bigint * 10000000 + n, 2, 1000) / 1000000.0)::numeric, 6)
		END);

-- A UUIDv7 of timestamp ts with random bits from key k.
CREATE FUNCTION bench.uuid7(ts timestamptz, k bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0')
		|| '7' || substr(md5(k::text), 1, 3)
		|| '8' || substr(md5(k::text), 4, 15))::uuid;

-- The ten tasks of every flow execution.
CREATE FUNCTION bench.task_name(i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['extract', 'ocr', 'classify', 'transform', 'enrich',
			  'summarize', 'translate', 'validate', 'load', 'notify'])[1 + i % 10];

-- The status of row key k of an organization: the big and the text ones
-- delete exactly 1 in 8, the export one none.
CREATE FUNCTION bench.status(role text, n int, k bigint) RETURNS task_outputs.task_output_status
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN role IN ('big', 'text') AND n % 8 = 7 THEN 'deleted'
	ELSE (CASE
		WHEN bench.rnd(k, 3, 1000) < 10 THEN 'queued'
		WHEN bench.rnd(k, 3, 1000) < 30 THEN 'running'
		WHEN bench.rnd(k, 3, 1000) < 110 THEN 'failed'
		WHEN bench.rnd(k, 3, 1000) < 170 THEN 'stale'
		WHEN bench.rnd(k, 3, 1000) < 200 AND role IN ('small', 'other') THEN 'deleted'
		ELSE 'completed'
	END)::task_outputs.task_output_status
END;

-- The summary of row key k.
CREATE FUNCTION bench.summary(k bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_build_object('pages', 1 + bench.rnd(k, 10, 120),
						  'word_count', 50 * (1 + bench.rnd(k, 11, 400)))
	|| CASE WHEN bench.rnd(k, 12, 3) = 0
			THEN jsonb_build_object('language', (ARRAY['en', 'de', 'fr', 'ja'])[1 + bench.rnd(k, 13, 4)],
									'confidence', round(bench.rnd(k, 14, 1000) / 1000.0, 3))
			ELSE '{}' END;

-- Entity e of the output of row key k.
CREATE FUNCTION bench.entity(k bigint, e int) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_build_object(
	'type', (ARRAY['person', 'organization', 'amount', 'date', 'location'])[1 + bench.rnd(k, 30 + e, 5)],
	'text', bench.sentence(k, 40 + e, 1 + bench.rnd(k, 50 + e, 3)),
	'score', round(bench.rnd(k, 60 + e, 10000) / 10000.0, 4),
	'span', jsonb_build_array(bench.rnd(k, 70 + e, 5000), 5000 + bench.rnd(k, 80 + e, 5000)));

-- The output of row key k: 0.5-1 KB; NULL for half of the failed ones.
CREATE FUNCTION bench.output(k bigint, status task_outputs.task_output_status) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN status = 'failed' AND bench.rnd(k, 20, 2) = 0 THEN NULL ELSE
	jsonb_build_object(
		'document', jsonb_build_object(
			'title', bench.sentence(k, 21, 3 + bench.rnd(k, 22, 5)),
			'mime_type', (ARRAY['application/pdf', 'image/png', 'text/html'])[1 + bench.rnd(k, 23, 3)],
			'pages', 1 + bench.rnd(k, 10, 120),
			'sha256', md5(k::text) || md5((k + 1)::text)),
		'text', bench.sentence(k, 24, 6 + bench.rnd(k, 25, 17)),
		'entities', to_jsonb((ARRAY[bench.entity(k, 1), bench.entity(k, 2), bench.entity(k, 3),
									bench.entity(k, 4), bench.entity(k, 5)])[1:1 + bench.rnd(k, 26, 5)]),
		'metrics', jsonb_build_object(
			'tokens_in', bench.rnd(k, 27, 100000),
			'tokens_out', bench.rnd(k, 28, 4000),
			'latency_ms', round(bench.rnd(k, 29, 10000000) / 1000.0, 3),
			'cost_usd', round(bench.rnd(k, 31, 100000) / 1e6, 6),
			'model', 'extractor-v' || (1 + bench.rnd(k, 32, 3))),
		'ok', status <> 'failed',
		'warnings', CASE WHEN bench.rnd(k, 33, 4) = 0
						 THEN jsonb_build_array(bench.sentence(k, 34, 4))
						 ELSE '[]' END,
		'next', NULL)
END;

-- The tags of row key k: each of twelve with probability 1/8.
CREATE FUNCTION bench.tags(k bigint) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY(SELECT t
			   FROM unnest(ARRAY['pdf', 'invoice', 'ocr', 'priority', 'en', 'de',
								 'batch', 'reviewed', 'contract', 'email',
								 'customer-facing', 'q3']) WITH ORDINALITY u(t, i)
			  WHERE bench.rnd(k, 90 + i::int, 8) = 0);

-- Who writes a batch: the system, an integration, or a user.
CREATE FUNCTION bench.actor(k bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['system', 'integration', 'service-account',
			  md5('user ' || bench.rnd(k, 5, 50))::uuid::text])[1 + bench.rnd(k, 4, 4)];

-- The text organization's words: plain English, and rarer words that need
-- escaping in JSON or are not ASCII.
CREATE FUNCTION bench.plain_word(i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['the', 'of', 'and', 'to', 'in', 'a', 'is', 'that', 'for', 'it',
			  'as', 'was', 'with', 'be', 'by', 'on', 'not', 'this', 'are', 'from',
			  'document', 'section', 'customer', 'agreement', 'payment', 'shall',
			  'within', 'days', 'notice', 'party', 'parties', 'including',
			  'without', 'limitation', 'provided', 'however', 'report', 'results',
			  'analysis', 'revenue', 'quarter', 'growth', 'compared', 'previous',
			  'period', 'increase', 'decrease', 'significant', 'model', 'answer',
			  'question', 'summary', 'following', 'information', 'available',
			  'according', 'table', 'figure', 'shows', 'total', 'amount', 'each',
			  'which', 'their'])[1 + i % 64];

CREATE FUNCTION bench.rare_word(i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['café', 'naïve', 'Zürich', 'São Paulo', '東京', 'данные', '—',
			  '“quoted”', '€1,200', '"quoted"', E'tab\there', E'C:\\Reports\\q3.txt',
			  'ok ✓', 'Müller', 'résumé', E'line\nbreak'])[1 + i % 16];

-- 1,024 paragraphs of 120-200 words (about 1 KB each): one word in 40 is a
-- rare one, so a paragraph holds a few characters to escape or encode.
CREATE TABLE bench.paragraphs (
	i			int PRIMARY KEY,
	p			text NOT NULL
);
INSERT INTO bench.paragraphs
SELECT i, string_agg(CASE WHEN bench.rnd(i * 1000 + w, 200, 40) = 0
						  THEN bench.rare_word(bench.rnd(i * 1000 + w, 201, 16))
						  ELSE bench.plain_word(bench.rnd(i * 1000 + w, 202, 64)) END
					 || CASE WHEN bench.rnd(i * 1000 + w, 203, 12) = 0 THEN '.'
							 WHEN bench.rnd(i * 1000 + w, 204, 15) = 0 THEN ','
							 ELSE '' END,
					 ' ' ORDER BY w)
  FROM generate_series(0, 1023) i,
	   LATERAL generate_series(1, 120 + bench.rnd(i, 205, 81)) w
 GROUP BY i;
GRANT SELECT ON bench.paragraphs TO bench_writer;

-- The summary of text output k: four keys.
CREATE FUNCTION bench.text_summary(k bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_build_object(
	'model', 'writer-v' || (1 + bench.rnd(k, 44, 3)),
	'tokens', 200 + bench.rnd(k, 45, 5000),
	'finish_reason', CASE WHEN bench.rnd(k, 46, 10) = 0 THEN 'length' ELSE 'stop' END,
	'language', (ARRAY['en', 'en', 'en', 'de', 'fr'])[1 + bench.rnd(k, 47, 5)]);

/*
 * bench.load(slices, first_org, last_org): for each of that many slices of
 * time, for each organization in that range, one transaction inserting the
 * flow executions and the outputs of that slice.  Called by bench_writer (a
 * tenant role).  A text organization's output is a few long strings made
 * of 1-20 paragraphs: an answer, notes (a quarter of the paragraphs, when
 * there are four or more) and a few sources.
 */
CREATE PROCEDURE bench.load(slices int, first_org int, last_org int)
LANGUAGE plpgsql
AS $load$
DECLARE
	s			int;
	o			bench.orgs;
	lo			int;
	hi			int;
BEGIN
	FOR s IN 0 .. slices - 1 LOOP
		FOR o IN SELECT * FROM bench.orgs WHERE org BETWEEN first_org AND last_org ORDER BY org LOOP
			lo := (o.nrows::bigint * s / slices)::int;
			hi := (o.nrows::bigint * (s + 1) / slices)::int;
			CONTINUE WHEN lo >= hi;
			PERFORM set_config('task_outputs.org_id', o.org_id::text, true);
			PERFORM set_config('task_outputs.actor',
							   bench.actor(o.org::bigint * 1000 + s), true);

			-- the flow executions whose first output is in this slice
			INSERT INTO task_outputs.flow_executions (id, name, created_at)
			SELECT bench.uuid7(ts, -k), 'flow ' || o.org || '/' || f, ts
			  FROM generate_series((lo + 9) / 10, (hi - 1) / 10) f,
				   LATERAL (SELECT o.org::bigint * 10000000 + f * 10 AS k,
								   bench.created_at(o.org, f * 10, o.nrows) AS ts) x;

			-- OFFSET 0 keeps the subquery's columns computed once per row:
			-- pulled up, they would be expressions that stop the inlining of
			-- the functions using them more than once
			IF o.role <> 'text' THEN
				INSERT INTO task_outputs.outputs
					(id, flow_execution_id, task_name, status, summary, output, tags, created_at)
				SELECT bench.uuid7(ts, k),
					   bench.uuid7(fe_ts, -fe_k),
					   bench.task_name(n),
					   st,
					   bench.summary(k),
					   bench.output(k, st),
					   bench.tags(k),
					   ts
				  FROM (SELECT n,
							   o.org::bigint * 10000000 + n AS k,
							   o.org::bigint * 10000000 + n / 10 * 10 AS fe_k,
							   bench.created_at(o.org, n, o.nrows) AS ts,
							   bench.created_at(o.org, n / 10 * 10, o.nrows) AS fe_ts,
							   bench.status(o.role, n, o.org::bigint * 10000000 + n) AS st
						  FROM generate_series(lo, hi - 1) n
						OFFSET 0) r;
			ELSE
				INSERT INTO task_outputs.outputs
					(id, flow_execution_id, task_name, status, summary, output, tags, created_at)
				SELECT bench.uuid7(ts, k),
					   bench.uuid7(fe_ts, -fe_k),
					   bench.task_name(n),
					   st,
					   bench.text_summary(k),
					   CASE WHEN st = 'failed' AND bench.rnd(k, 20, 2) = 0 THEN NULL ELSE
						   jsonb_build_object(
							   'answer', t.answer,
							   'sources', to_jsonb((ARRAY['https://docs.example.com/a/' || k,
														  'https://example.org/library/' || k % 997,
														  'kb://articles/' || k % 101])[1:bench.rnd(k, 42, 4)]),
							   'model', 'writer-v' || (1 + bench.rnd(k, 44, 3)),
							   'finish_reason', 'stop')
						   || CASE WHEN t.notes IS NULL THEN '{}'
								   ELSE jsonb_build_object('notes', t.notes) END
					   END,
					   bench.tags(k),
					   ts
				  FROM (SELECT n,
							   o.org::bigint * 10000000 + n AS k,
							   o.org::bigint * 10000000 + n / 10 * 10 AS fe_k,
							   bench.created_at(o.org, n, o.nrows) AS ts,
							   bench.created_at(o.org, n / 10 * 10, o.nrows) AS fe_ts,
							   bench.status(o.role, n, o.org::bigint * 10000000 + n) AS st,
							   1 + bench.rnd(o.org::bigint * 10000000 + n, 41, 16) AS np
						  FROM generate_series(lo, hi - 1) n
						OFFSET 0) r,
					   LATERAL (SELECT string_agg(p.p, E'\n\n' ORDER BY j) FILTER (WHERE j <= r.np - r.np / 4) AS answer,
									   string_agg(p.p, E'\n\n' ORDER BY j) FILTER (WHERE j > r.np - r.np / 4) AS notes
								  FROM generate_series(1, r.np) j
								  JOIN bench.paragraphs p ON p.i = bench.rnd(r.k * 32 + j, 43, 1024)) t;
			END IF;
			COMMIT;
		END LOOP;
	END LOOP;
END
$load$;
GRANT EXECUTE ON PROCEDURE bench.load(int, int, int) TO bench_writer;

--
-- UUIDv7: version and variant bits, embedded time, order within a session.
--
CREATE TEMP TABLE uuids AS
SELECT n, task_outputs.uuid_generate_v7() AS id
  FROM generate_series(1, 10000) n;

-- version 7, RFC variant (10xx), all distinct
SELECT count(*) AS n,
       count(DISTINCT id) AS distinct_ids,
       bool_and(substr(id::text, 15, 1) = '7') AS version_7,
       bool_and(substr(id::text, 20, 1) IN ('8', '9', 'a', 'b')) AS rfc_variant
  FROM uuids;

-- strictly increasing in generation order, even within one millisecond
SELECT count(*) AS out_of_order
  FROM (SELECT id, lag(id) OVER (ORDER BY n) AS prev FROM uuids) s
 WHERE prev IS NOT NULL AND id <= prev;

-- the first 48 bits are the Unix time in milliseconds
SELECT abs(('x' || lpad(replace(substr(id::text, 1, 13), '-', ''), 16, '0'))::bit(64)::bigint
           - (extract(epoch FROM clock_timestamp()) * 1000)::bigint) < 60000 AS time_is_now
  FROM (SELECT task_outputs.uuid_generate_v7() AS id) s;

-- the table defaults use it
SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef
 WHERE adrelid = 'task_outputs.outputs'::regclass AND adnum = 1;

/*
 * bench/helpers.sql
 *		Timing helpers of the benchmark, in the schema made by generate.sql.
 *
 * Every measured statement returns one small value (a byte count), so
 * nothing large travels to the client and the timings are the server's
 * work alone.  Each statement runs once to warm the caches (plans, catalog,
 * shared buffers), then "runs" times; the median is reported.
 */
\set ON_ERROR_STOP on

-- Run q (a query returning one value) once to warm up, then runs times,
-- each timed with clock_timestamp(); result is the value of the last run.
CREATE OR REPLACE FUNCTION bench.time_ms(q text, runs int,
	OUT median_ms float8, OUT min_ms float8, OUT max_ms float8,
	OUT all_ms float8[], OUT result text)
LANGUAGE plpgsql VOLATILE
AS $time$
DECLARE
	t0			timestamptz;
	i			int;
BEGIN
	all_ms := '{}';
	EXECUTE q INTO result;
	FOR i IN 1 .. runs LOOP
		t0 := clock_timestamp();
		EXECUTE q INTO result;
		all_ms := all_ms || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m), min(m), max(m)
	  INTO median_ms, min_ms, max_ms
	  FROM unnest(all_ms) m;
END
$time$;
GRANT EXECUTE ON FUNCTION bench.time_ms(text, int) TO bench_reader, bench_explain, bench_direct;

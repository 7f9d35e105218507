/*
 * bench/citus.sql
 *		The data set of bench/citus.sh, loaded the same on a single node and
 *		on the coordinator of a distributed install.
 *
 * Run by psql as a superuser after bench/generate.sql (whose generator
 * functions it uses: the same documents, statuses, tags and timestamps as
 * the read benchmark, ids included).  Its organizations:
 *
 *   - 0, "big": 100,000 outputs, 1 in 8 soft-deleted (87,500 visible);
 *   - 1 to 16, "small": 2,000 outputs each, about 3% soft-deleted: the
 *     mixed workload's tenants, which a distributed install spreads over
 *     its workers.
 *
 * Rows go in as a trusted load (a superuser with no organization in force,
 * every column given, organization_id named, as Citus needs to route a
 * row), one organization per transaction, so both installs hold the same
 * rows, stamps included.  bench.citus_sample keeps, per organization, 200
 * visible outputs (for reads by id) and a flow execution (for writes).
 */
\set ON_ERROR_STOP on

CREATE TABLE bench.citus_orgs (
	n			int PRIMARY KEY,
	org_id		uuid NOT NULL,
	role		text NOT NULL,
	nrows		int NOT NULL
);
INSERT INTO bench.citus_orgs
SELECT 0, md5('citus bench organization 0')::uuid, 'big', 100000
UNION ALL
SELECT i, md5('citus bench organization ' || i)::uuid, 'small', 2000
  FROM generate_series(1, 16) i;
GRANT SELECT ON bench.citus_orgs TO PUBLIC;

CREATE PROCEDURE bench.citus_load()
LANGUAGE plpgsql
AS $load$
DECLARE
	o			bench.citus_orgs;
BEGIN
	FOR o IN SELECT * FROM bench.citus_orgs ORDER BY n LOOP
		INSERT INTO task_outputs.flow_executions (id, organization_id, name, created_at)
		SELECT bench.uuid7(ts, -k), o.org_id, 'flow ' || o.n || '/' || f, ts
		  FROM generate_series(0, (o.nrows - 1) / 10) f,
			   LATERAL (SELECT o.n::bigint * 10000000 + f * 10 AS k,
							   bench.created_at(o.n, f * 10, o.nrows) AS ts) x;

		INSERT INTO task_outputs.outputs
			(id, flow_execution_id, organization_id, task_name, status, summary, output, tags,
			 last_modified_by, created_at, updated_at)
		SELECT bench.uuid7(ts, k), bench.uuid7(fe_ts, -fe_k), o.org_id, bench.task_name(n), st,
			   bench.summary(k), bench.output(k, st), bench.tags(k), bench.actor(k), ts, ts
		  FROM (SELECT n,
					   o.n::bigint * 10000000 + n AS k,
					   o.n::bigint * 10000000 + n / 10 * 10 AS fe_k,
					   bench.created_at(o.n, n, o.nrows) AS ts,
					   bench.created_at(o.n, n / 10 * 10, o.nrows) AS fe_ts,
					   bench.status(o.role, n, o.n::bigint * 10000000 + n) AS st
				  FROM generate_series(0, o.nrows - 1) n
				OFFSET 0) r;
		COMMIT;
	END LOOP;
END
$load$;

CALL bench.citus_load();

-- 200 visible outputs and a flow execution of each organization
CREATE TABLE bench.citus_sample (
	n			int NOT NULL,
	k			int NOT NULL,
	org_id		uuid NOT NULL,
	id			uuid NOT NULL,
	flow_execution_id uuid NOT NULL,
	PRIMARY KEY (n, k)
);
-- (an organization at a time: a query on one tenant is routed to its node)
DO $sample$
DECLARE
	o			bench.citus_orgs;
BEGIN
	FOR o IN SELECT * FROM bench.citus_orgs ORDER BY n LOOP
		INSERT INTO bench.citus_sample
		SELECT o.n, row_number() OVER (ORDER BY t.id)::int, o.org_id, t.id, t.flow_execution_id
		  FROM (SELECT id, flow_execution_id FROM task_outputs.outputs
				 WHERE organization_id = o.org_id AND status <> 'deleted'
				 ORDER BY id LIMIT 200) t;
	END LOOP;
END
$sample$;
GRANT SELECT ON bench.citus_sample TO PUBLIC;

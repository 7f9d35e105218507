/*-------------------------------------------------------------------------
 *
 * purge.c
 *		Retention: purge_task_outputs, the only way a task output (and its
 *		audit trail) is ever deleted for real.
 *
 * A DELETE on task_outputs.outputs is turned into a soft delete by the
 * BEFORE DELETE trigger, except while purge_task_outputs runs in this
 * backend: it sets a backend-local flag, which no SQL can set, around its
 * own DELETE statements, and clears it however they end.  The audit trail
 * entries of a purged output go with it, through the foreign key's ON
 * DELETE CASCADE (no tenant role may delete from the trail itself).
 *
 * Deletion runs in batches of PURGE_BATCH_ROWS outputs, each one DELETE
 * statement, so the memory of one statement (its after-trigger queue, the
 * cascade) stays bounded however much there is to purge.  Each batch
 * re-checks, under the row lock, that the output is still deleted and old
 * enough: an output restored concurrently is skipped, and an output purged
 * first makes the concurrent restore find nothing (PT404).  The purge
 * works on the current organization's rows, in the administrator's scope,
 * through row-level security like everything else.  Its statements' status
 * conditions come from the status machine.
 *
 * src/purge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "authorization.h"
#include "delegation.h"
#include "errors.h"
#include "purge.h"
#include "query.h"
#include "status.h"

PG_FUNCTION_INFO_V1(purge_task_outputs);

#define PURGE_BATCH_ROWS 1000

static bool purge_in_progress = false;

/* both built on first use, see PurgeQueries */
static PreparedQuery purge_count_query = {
	NULL, 2, {UUIDOID, TIMESTAMPTZOID},
	.reader = true
};

static PreparedQuery purge_batch_query = {
	NULL, 3, {UUIDOID, TIMESTAMPTZOID, INT8OID}
};

/*
 * PurgeQueries
 *		Build the purge's statements: the deleted outputs of organization $1
 *		deleted before $2 (counted; deleted $3 at a time).
 */
static void
PurgeQueries(void)
{
	char	   *deleted;

	if (purge_count_query.sql != NULL)
		return;
	deleted = StatusLiteral(OUTPUT_DELETED);
	purge_batch_query.sql = MemoryContextStrdup(TopMemoryContext,
												psprintf("DELETE FROM task_outputs.outputs"
														 " WHERE organization_id OPERATOR(pg_catalog.=) $1"
														 " AND status OPERATOR(pg_catalog.=) %s"
														 " AND updated_at OPERATOR(pg_catalog.<) $2"
														 " AND id OPERATOR(pg_catalog.=) ANY (ARRAY("
														 "  SELECT id FROM task_outputs.outputs"
														 "  WHERE organization_id OPERATOR(pg_catalog.=) $1"
														 "  AND status OPERATOR(pg_catalog.=) %s"
														 "  AND updated_at OPERATOR(pg_catalog.<) $2"
														 "  ORDER BY updated_at LIMIT $3))",
														 deleted, deleted));
	purge_count_query.sql = MemoryContextStrdup(TopMemoryContext,
												psprintf("SELECT pg_catalog.count(*) FROM task_outputs.outputs"
														 " WHERE organization_id OPERATOR(pg_catalog.=) $1"
														 " AND status OPERATOR(pg_catalog.=) %s"
														 " AND updated_at OPERATOR(pg_catalog.<) $2",
														 deleted));
}

/*
 * PurgeInProgress
 *		Whether purge_task_outputs is deleting rows in this backend.
 */
bool
PurgeInProgress(void)
{
	return purge_in_progress;
}

/*
 * PurgeBatches
 *		Delete the organization's deleted outputs older than cutoff, batch
 *		by batch; returns how many.
 */
static int64
PurgeBatches(StatementScope *scope, Datum *args)
{
	int64		total = 0;

	for (;;)
	{
		int			rc = RunQuery(&purge_batch_query, scope, args, NULL, false, 0);

		if (rc != SPI_OK_DELETE)
			ReportUnexpectedSPIResult("purge", rc);
		if (SPI_processed == 0)
			break;
		total += SPI_processed;
		CHECK_FOR_INTERRUPTS();
	}
	return total;
}

/*
 * purge_task_outputs
 *		SQL: hard-delete the current organization's soft-deleted task outputs
 *		whose deletion is older than older_than, with their audit trail;
 *		with dry_run, only count them.  Returns the number of outputs.
 */
Datum
purge_task_outputs(PG_FUNCTION_ARGS)
{
	Principal	principal;
	StatementScope scope;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	Datum		cutoff;
	bool		dry_run;
	Datum		args[3];
	volatile int64 result = 0;
	int			rc;

	RequirePrincipal(&principal);
	RequireAdmin("purge task outputs");
	RequireArgument(fcinfo, 0, "older_than");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);
	dry_run = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	cutoff = DirectFunctionCall2(timestamptz_mi_interval,
								 TimestampTzGetDatum(now), PG_GETARG_DATUM(0));
	if (DatumGetTimestampTz(cutoff) > now)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid older_than"),
				 errdetail("Argument \"older_than\" must not be negative; it is \"%s\".",
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   PG_GETARG_DATUM(0))))));

	PurgeQueries();
	InitScope(&scope, &principal, true);
	args[0] = UUIDPGetDatum(&principal.org_id);
	args[1] = cutoff;
	args[2] = Int64GetDatum(PURGE_BATCH_ROWS);

	if (dry_run)
	{
		ParamListInfo params = MakeParams(2);
		Datum		count;

		SetParam(params, 1, UUIDOID, args[0], false);
		SetParam(params, 2, TIMESTAMPTZOID, args[1], false);
		if (!RunReaderForValue(&purge_count_query, &scope, params, &count))
			elog(ERROR, "purge count returned no row");
		PG_RETURN_INT64(DatumGetInt64(count));
	}

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	purge_in_progress = true;
	PG_TRY();
	{
		result = PurgeBatches(&scope, args);
	}
	PG_FINALLY();
	{
		purge_in_progress = false;
	}
	PG_END_TRY();
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_INT64(result);
}

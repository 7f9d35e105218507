/*-------------------------------------------------------------------------
 *
 * query.c
 *		The extension's SQL statements: prepared once, run through SPI.
 *
 * Every statement is fully schema-qualified, takes its values as
 * out-of-line parameters and is prepared once per backend and kept with
 * SPI_keepplan; the plan cache replans it when the tables change or the
 * user changes (row-level security depends on the user).  The caller is
 * connected to SPI.
 *
 * An error raised inside one of these statements (by a trigger's rule, a
 * key, row-level security) would carry a CONTEXT line quoting the
 * extension's internal SQL.  That line says nothing to the caller, who
 * called an API function, so it is removed before the error goes on; every
 * other context line is kept.
 *
 * src/query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "query.h"
#include "task_outputs.h"

/*
 * PreparedQueryPlan
 *		The kept plan of query, prepared on first use.
 */
SPIPlanPtr
PreparedQueryPlan(PreparedQuery *query)
{
	if (query->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(query->sql, query->nargs, query->argtypes);

		if (plan == NULL)
			ReportUnexpectedSPIResult("SPI_prepare", SPI_result);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		query->plan = plan;
	}
	return query->plan;
}

/*
 * RethrowWithoutStatementContext
 *		Re-throw the error being handled, without the context line that SPI
 *		added for query's own text.  Called in a PG_CATCH block.
 */
static void
RethrowWithoutStatementContext(PreparedQuery *query, MemoryContext context)
{
	ErrorData  *edata;
	char	   *own_line;
	size_t		own_len;

	MemoryContextSwitchTo(context);
	edata = CopyErrorData();
	FlushErrorState();

	own_line = psprintf("SQL statement \"%s\"", query->sql);
	own_len = strlen(own_line);
	if (edata->context != NULL &&
		strncmp(edata->context, own_line, own_len) == 0 &&
		(edata->context[own_len] == '\0' || edata->context[own_len] == '\n'))
	{
		const char *rest = edata->context + own_len;

		edata->context = (*rest == '\n') ? pstrdup(rest + 1) : NULL;
	}
	ReThrowError(edata);
}

/*
 * ExecutePreparedQuery
 *		SPI_execute_plan on query's kept plan.
 */
int
ExecutePreparedQuery(PreparedQuery *query, Datum *values, const char *nulls,
			 bool read_only, long count)
{
	MemoryContext context = CurrentMemoryContext;
	SPIPlanPtr	plan = PreparedQueryPlan(query);
	int			rc = 0;

	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, read_only, count);
	}
	PG_CATCH();
	{
		RethrowWithoutStatementContext(query, context);
	}
	PG_END_TRY();
	return rc;
}

/*
 * ExecutePreparedQueryLatest
 *		Run query's kept plan on the latest snapshot:
 *		it sees every row committed so far, even in a transaction whose own
 *		snapshot is older.  In REPEATABLE READ and SERIALIZABLE the
 *		transaction's snapshot is the crosscheck, so changing a row that it
 *		cannot see is a serialization failure rather than a silent miss (as
 *		the foreign-key triggers do it).
 *
 * With query->index_scan, the plan is made (and remade, whenever the plan
 * cache decides to) with enable_seqscan off, set for this statement only;
 * an error unwinds the setting with the (sub)transaction.
 */
int
ExecutePreparedQueryLatest(PreparedQuery *query, Datum *values, const char *nulls,
						   bool read_only, long count)
{
	MemoryContext context = CurrentMemoryContext;
	SPIPlanPtr	plan = PreparedQueryPlan(query);
	Snapshot	crosscheck = IsolationUsesXactSnapshot() ? GetTransactionSnapshot()
		: InvalidSnapshot;
	int			save_nestlevel = -1;
	int			rc = 0;

	if (query->index_scan)
	{
		save_nestlevel = NewGUCNestLevel();
		(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	PG_TRY();
	{
		rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(),
								  crosscheck, read_only, true, count);
	}
	PG_CATCH();
	{
		RethrowWithoutStatementContext(query, context);
	}
	PG_END_TRY();
	if (save_nestlevel >= 0)
		AtEOXact_GUC(true, save_nestlevel);
	return rc;
}

/*
 * ExecutePreparedQueryWithParams
 *		Run query's kept plan with params; each row goes to dest as the
 *		executor produces it, or, when dest is NULL, into SPI_tuptable.
 */
int
ExecutePreparedQueryWithParams(PreparedQuery *query, ParamListInfo params,
							   bool read_only, DestReceiver *dest)
{
	MemoryContext context = CurrentMemoryContext;
	SPIPlanPtr	plan = PreparedQueryPlan(query);
	int			rc = 0;

	PG_TRY();
	{
		if (dest != NULL)
		{
			SPIExecuteOptions options;

			memset(&options, 0, sizeof(options));
			options.params = params;
			options.read_only = read_only;
			options.dest = dest;
			rc = SPI_execute_plan_extended(plan, &options);
		}
		else
			rc = SPI_execute_plan_with_paramlist(plan, params, read_only, 0);
	}
	PG_CATCH();
	{
		RethrowWithoutStatementContext(query, context);
	}
	PG_END_TRY();
	return rc;
}

/*
 * ForgetPreparedQuery
 *		Free query's kept plan, so that the next use prepares it again.
 */
void
ForgetPreparedQuery(PreparedQuery *query)
{
	if (query->plan != NULL)
	{
		SPI_freeplan(query->plan);
		query->plan = NULL;
	}
}

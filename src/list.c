/*-------------------------------------------------------------------------
 *
 * list.c
 *		The list endpoints: list_task_outputs (one JSON array),
 *		list_task_outputs_page (a page in a list envelope), task_outputs
 *		(records), export_task_outputs (one JSON object per row, streamed)
 *		and count_task_outputs.
 *
 * All of them take the same filters (filters.c) and read through SPI, so
 * row-level security applies; rows are rendered by the receivers
 * (receivers.c) as the executor produces them.  task_outputs uses
 * materialize mode (its rows, at most a page, come from one SPI query);
 * export_task_outputs streams from a cursor in value-per-call mode where it
 * can (see there).  Tuplestores spill to disk past work_mem, so an export's
 * memory stays bounded however large the result.  Order is always
 * created_at DESC, id DESC.
 *
 * src/list.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/pquery.h"
#include "utils/datum.h"
#include "utils/portal.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "compat.h"
#include "filters.h"
#include "receivers.h"
#include "render.h"
#include "task_outputs.h"

PG_FUNCTION_INFO_V1(list_task_outputs);
PG_FUNCTION_INFO_V1(list_task_outputs_page);
PG_FUNCTION_INFO_V1(task_outputs);
PG_FUNCTION_INFO_V1(export_task_outputs);
PG_FUNCTION_INFO_V1(count_task_outputs);

#define DEFAULT_PAGE_LIMIT 100

/* (flow_execution_id, task_name … include_deleted, "limit", starting_after) */
static const FilterArguments paged_arguments = {0, 1, 9, 10};

/* (flow_execution_id, task_name … include_deleted) */
static const FilterArguments filter_arguments = {0, 1, -1, -1};

/*
 * RunFilterQuery
 *		Connect to SPI, run the query of kind, disconnect.
 */
static void
RunFilterQuery(FilterQueryKind kind, TaskOutputFilters *filters,
			   int64 limit_rows, DestReceiver *dest)
{
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecuteFilterQuery(kind, filters, limit_rows, dest);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("task output query", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
}

/*
 * list_task_outputs
 *		SQL: the task outputs that match the filters as one JSON array,
 *		newest first; "[]" when none do.
 */
Datum
list_task_outputs(PG_FUNCTION_ARGS)
{
	TaskOutputFilters filters;
	StringInfo	result;
	DestReceiver *dest;

	ReadFilterArguments(fcinfo, &paged_arguments, &filters);

	result = MakeJsonResult();
	appendStringInfoChar(result, '[');
	dest = CreateJsonArrayReceiver(result, filters.include_output, 0);
	RunFilterQuery(FILTER_QUERY_ROWS, &filters, filters.limit, dest);
	dest->rDestroy(dest);
	appendStringInfoChar(result, ']');

	PG_RETURN_DATUM(JsonResultDatum(result));
}

/*
 * list_task_outputs_page
 *		SQL: one page of the list, in the envelope
 *		{"object":"list","data":[…],"has_more":…,"next_starting_after":…}.
 *		The query asks for one row more than the page holds: if it comes,
 *		there are more, and the next page starts after the page's last row.
 */
Datum
list_task_outputs_page(PG_FUNCTION_ARGS)
{
	TaskOutputFilters filters;
	StringInfo	result;
	DestReceiver *dest;
	int64		limit;

	ReadFilterArguments(fcinfo, &paged_arguments, &filters);
	limit = filters.limit > 0 ? filters.limit : DEFAULT_PAGE_LIMIT;

	result = MakeJsonResult();
	appendStringInfoString(result, "{\"object\":\"list\",\"data\":[");
	dest = CreateJsonArrayReceiver(result, filters.include_output, limit);
	RunFilterQuery(FILTER_QUERY_ROWS, &filters, limit + 1, dest);

	appendStringInfoString(result, "],\"has_more\":");
	if (ReceivedMoreRows(dest))
	{
		appendStringInfoString(result, "true,\"next_starting_after\":");
		AppendJsonUuid(result, LastReceivedId(dest));
	}
	else
		appendStringInfoString(result, "false,\"next_starting_after\":null");
	appendStringInfoChar(result, '}');
	dest->rDestroy(dest);

	PG_RETURN_DATUM(JsonResultDatum(result));
}

/*
 * MaterializeFilterQuery
 *		Run the rows query for a materialize-mode SRF; as_json makes each
 *		row a json object, else a task_output record.
 */
static void
MaterializeFilterQuery(FunctionCallInfo fcinfo, const FilterArguments *positions,
					   bool as_json)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TaskOutputFilters filters;
	DestReceiver *dest;

	ReadFilterArguments(fcinfo, positions, &filters);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (!as_json)
		CheckTaskOutputDescriptor(rsinfo->setDesc);

	dest = CreateTuplestoreReceiver(rsinfo->setResult, rsinfo->setDesc,
									as_json, filters.include_output);
	RunFilterQuery(FILTER_QUERY_ROWS, &filters, filters.limit, dest);
	dest->rDestroy(dest);
}

/*
 * task_outputs
 *		SQL: the task outputs that match the filters, as task_output records.
 */
Datum
task_outputs(PG_FUNCTION_ARGS)
{
	MaterializeFilterQuery(fcinfo, &paged_arguments, false);
	return (Datum) 0;
}

/*
 * Rows an export renders per fetch from its cursor: enough to make the
 * fetch's overhead small, few enough that a batch takes a few megabytes.
 */
#define EXPORT_BATCH_ROWS 1000

/* An export in value-per-call mode, across calls */
typedef struct ExportState
{
	char	   *portal_name;	/* its cursor; NULL once closed */
	Tuplestorestate *batch;		/* the rendered rows of the latest fetch */
	TupleTableSlot *slot;		/* reads the batch */
	DestReceiver *dest;			/* renders into the batch */
} ExportState;

/*
 * CloseExportCursor
 *		Close an export's cursor, if still open: when the rows are all
 *		returned, or the query stops asking for them (a LIMIT, a rescan).
 */
static void
CloseExportCursor(Datum arg)
{
	ExportState *state = (ExportState *) DatumGetPointer(arg);
	Portal		portal;

	if (state->portal_name == NULL)
		return;
	portal = GetPortalByName(state->portal_name);
	if (PortalIsValid(portal))
		SPI_cursor_close(portal);
	state->portal_name = NULL;
}

/*
 * StartExport
 *		First call of an export in value-per-call mode: open its cursor and
 *		what renders its rows, in the function's multi-call memory.
 */
static ExportState *
StartExport(FunctionCallInfo fcinfo, FuncCallContext *funcctx)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
	ExportState *state = palloc0(sizeof(ExportState));
	TaskOutputFilters filters;
	TupleDesc	tupdesc;
	Portal		portal;
	int			rc;

	ReadFilterArguments(fcinfo, &filter_arguments, &filters);
	tupdesc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(tupdesc, 1, "export_task_outputs", JSONOID, -1, 0);
	TupleDescFinalize(tupdesc);
	state->batch = tuplestore_begin_heap(false, false, work_mem);
	state->slot = MakeSingleTupleTableSlot(tupdesc, &TTSOpsMinimalTuple);
	state->dest = CreateTuplestoreReceiver(state->batch, tupdesc, true,
										   filters.include_output);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	portal = OpenFilterCursor(&filters);
	/* SPI_connect switched to its own memory, which SPI_finish frees */
	state->portal_name = MemoryContextStrdup(funcctx->multi_call_memory_ctx,
											 portal->name);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	RegisterExprContextCallback(rsinfo->econtext, CloseExportCursor,
								PointerGetDatum(state));
	MemoryContextSwitchTo(oldcontext);
	return state;
}

/*
 * NextExportBatch
 *		Render the next rows of the export's cursor into its batch; false
 *		when there are none left (the cursor is then closed).
 */
static bool
NextExportBatch(ExportState *state)
{
	Portal		portal;

	tuplestore_clear(state->batch);
	if (state->portal_name == NULL)
		return false;
	portal = GetPortalByName(state->portal_name);
	if (!PortalIsValid(portal))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_CURSOR_NAME),
				 errmsg("the cursor of export_task_outputs was closed before its rows were all read"),
				 errdetail("Cursor \"%s\" no longer exists.", state->portal_name)));
	if (PortalRunFetch(portal, FETCH_FORWARD, EXPORT_BATCH_ROWS, state->dest) > 0)
		return true;
	CloseExportCursor(PointerGetDatum(state));
	return false;
}

/*
 * export_task_outputs
 *		SQL: every task output that matches the filters, one json object per
 *		row, for extractions of any size.
 *
 * Called in a select list, it streams: each call returns one row, rendered
 * from a cursor a batch at a time, so a client reading the rows as they
 * come (or a LIMIT) never waits for the whole set.  In FROM, PostgreSQL
 * gathers the rows into a tuplestore of its own either way, and a caller
 * that allows only materialize mode gets that.  Memory stays bounded in
 * every form: a batch, or tuplestores that spill to disk past work_mem.
 */
Datum
export_task_outputs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FuncCallContext *funcctx;
	ExportState *state;
	Datum		value;
	bool		isnull;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_ValuePerCall))
	{
		MaterializeFilterQuery(fcinfo, &filter_arguments, true);
		return (Datum) 0;
	}

	if (SRF_IS_FIRSTCALL())
	{
		funcctx = SRF_FIRSTCALL_INIT();
		funcctx->user_fctx = StartExport(fcinfo, funcctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	state = (ExportState *) funcctx->user_fctx;

	if (!tuplestore_gettupleslot(state->batch, true, false, state->slot) &&
		(!NextExportBatch(state) ||
		 !tuplestore_gettupleslot(state->batch, true, false, state->slot)))
	{
		/* the state goes with the multi-call memory: so must the callback */
		CloseExportCursor(PointerGetDatum(state));
		UnregisterExprContextCallback(rsinfo->econtext, CloseExportCursor,
									  PointerGetDatum(state));
		SRF_RETURN_DONE(funcctx);
	}

	/* a copy: the batch is cleared before the caller is done with it */
	value = slot_getattr(state->slot, 1, &isnull);
	SRF_RETURN_NEXT(funcctx, datumCopy(value, false, -1));
}

/*
 * count_task_outputs
 *		SQL: the exact number of task outputs that match the filters.
 */
Datum
count_task_outputs(PG_FUNCTION_ARGS)
{
	TaskOutputFilters filters;
	int64		count;
	bool		isnull;
	int			rc;

	ReadFilterArguments(fcinfo, &filter_arguments, &filters);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecuteFilterQuery(FILTER_QUERY_COUNT, &filters, 0, NULL);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		ReportUnexpectedSPIResult("task output count", rc);
	count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, &isnull));
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_INT64(count);
}

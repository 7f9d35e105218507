/*-------------------------------------------------------------------------
 *
 * export.c
 *		export_task_outputs: every task output that matches the filters,
 *		one json object per row, for extractions of any size.
 *
 * In a select list (and under COPY (SELECT ...) TO STDOUT) it streams:
 * value-per-call mode, each call producing and rendering one row of a
 * ReaderStream (query.c), so a client reading rows as they come, or a
 * LIMIT, never waits for the whole set, and each row is rendered when it
 * is returned (in the TimeZone of the FETCH that asks for it).  The
 * stream's state lives in the function's multi-call memory and its plan is
 * pinned by the resource owner of the statement that drives it, so it
 * lives exactly as long as that statement: a holdable cursor's COMMIT, a
 * ROLLBACK TO SAVEPOINT between FETCHes, or any cursor name leave it
 * running.  A callback on the calling expression's context closes it when
 * the statement stops asking (a LIMIT, a rescan, the end of the query).
 * In FROM, PostgreSQL gathers the function's rows into a tuplestore at the
 * first fetch, as it does for any function there; a caller that allows
 * only materialize mode gets the rows in a tuplestore directly.  Memory is
 * bounded in every form: one row at a time, or tuplestores that spill to
 * disk past work_mem.
 *
 * src/export.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"

#include "delegation.h"
#include "filters.h"
#include "query.h"
#include "receivers.h"

PG_FUNCTION_INFO_V1(export_task_outputs);

/* A streaming export, across calls */
typedef struct ExportState
{
	ReaderStream *stream;		/* NULL once closed */
	DestReceiver *dest;			/* renders the row asked for */
} ExportState;

/*
 * CloseExport
 *		Close an export's stream, if still open: when its rows are all
 *		returned, or when the statement stops asking for them.
 */
static void
CloseExport(Datum arg)
{
	ExportState *state = (ExportState *) DatumGetPointer(arg);

	if (state->stream == NULL)
		return;
	CloseReaderStream(state->stream);
	state->stream = NULL;
}

/*
 * StartExport
 *		First call in value-per-call mode: open the stream, in the function's
 *		multi-call memory.
 */
static ExportState *
StartExport(FunctionCallInfo fcinfo, FuncCallContext *funcctx)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
	ExportState *state = palloc0(sizeof(ExportState));

	/* the statement's parameters point into it: it lives as long */
	ReadRequest *request = palloc(sizeof(ReadRequest));
	StatementScope scope;
	ParamListInfo params;
	PreparedQuery *query;

	ReadRequestFromArguments(fcinfo, request);
	state->dest = CreateJsonValueReceiver();
	query = BindReadQuery(READ_ROWS, request, request->limit, &params, &scope);
	state->stream = OpenReaderStream(query, &scope, params, state->dest);
	RegisterExprContextCallback(rsinfo->econtext, CloseExport, PointerGetDatum(state));
	MemoryContextSwitchTo(oldcontext);
	return state;
}

/*
 * ExportMaterialized
 *		For a caller that allows only materialize mode: every row, rendered
 *		into the result's tuplestore.
 */
static void
ExportMaterialized(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ReadRequest request;
	DestReceiver *dest;
	StatementScope scope;
	ParamListInfo params;
	PreparedQuery *query;

	ReadRequestFromArguments(fcinfo, &request);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	dest = CreateJsonRowsReceiver(rsinfo->setResult, rsinfo->setDesc);
	query = BindReadQuery(READ_ROWS, &request, request.limit, &params, &scope);
	RunReader(query, &scope, params, dest);
	dest->rDestroy(dest);
}

/*
 * export_task_outputs
 *		SQL: every task output that matches the filters, one json object per
 *		row, newest first.
 */
Datum
export_task_outputs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext call_context = CurrentMemoryContext;
	FuncCallContext *funcctx;
	ExportState *state;

	if (ShouldDelegate())
		return ExportInChunks(fcinfo);
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_ValuePerCall))
	{
		ExportMaterialized(fcinfo);
		return (Datum) 0;
	}

	if (SRF_IS_FIRSTCALL())
	{
		funcctx = SRF_FIRSTCALL_INIT();
		funcctx->user_fctx = StartExport(fcinfo, funcctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	state = (ExportState *) funcctx->user_fctx;

	/* the row returned lives in the memory of this call */
	SetJsonValueContext(state->dest, call_context);
	if (state->stream != NULL && ReaderStreamNext(state->stream))
		SRF_RETURN_NEXT(funcctx, TakeJsonValue(state->dest));

	/* the state goes with the multi-call memory: so must the callback */
	CloseExport(PointerGetDatum(state));
	UnregisterExprContextCallback(rsinfo->econtext, CloseExport, PointerGetDatum(state));
	SRF_RETURN_DONE(funcctx);
}

/*-------------------------------------------------------------------------
 *
 * list.c
 *		The list endpoint: all task outputs of the organization as one JSON
 *		array, newest first.
 *
 * The rows are read through SPI, so row-level security always applies, and
 * rendered as the executor produces them: a DestReceiver turns each slot
 * into JSON text, so no row is copied into an SPI tuple table.  Each row is
 * rendered into a reused row buffer in a per-row memory context that is
 * reset after the row, then appended to the result, which lives in the
 * caller's context and already carries room for the varlena header: the
 * finished buffer is the json datum, without a final copy.  A result that
 * would pass task_outputs.max_result_bytes (at most what one json value can
 * hold) fails with PT413 before it is built, naming the ways around it.
 *
 * The query names the tenant explicitly as well as passing RLS, so the
 * tenant index is always used.
 *
 * src/list.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/memutils.h"

#include "query.h"
#include "render.h"
#include "task_outputs.h"

PG_FUNCTION_INFO_V1(list_task_outputs);

/* json_agg puts this between elements of composite type */
#define JSON_AGG_SEPARATOR ", \n "

static PreparedQuery list_query = {
	"SELECT " TASK_OUTPUT_COLUMNS
	" FROM task_outputs.outputs"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND status OPERATOR(pg_catalog.<>) 'deleted'::task_outputs.task_output_status"
	" ORDER BY created_at DESC, id DESC",
	1, {UUIDOID}
};

typedef struct JsonArrayReceiver
{
	DestReceiver pub;
	TaskOutputRenderer renderer;
	StringInfo	result;			/* header room, "[", the rows so far */
	StringInfoData row;			/* the row being rendered */
	MemoryContext row_context;
	uint64		nrows;
	Size		max_bytes;
} JsonArrayReceiver;

/*
 * ReportResultTooLarge
 *		PT413 for a result that would not fit one json value.
 */
static void
ReportResultTooLarge(uint64 nrows, Size max_bytes)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
			 errmsg("result is too large for one json value"),
			 errdetail("The first " UINT64_FORMAT " task outputs already take more than %zu bytes.",
					   nrows, max_bytes),
			 errhint("Use export_task_outputs() to stream any number of rows, or list_task_outputs_page() to paginate.")));
}

static void
JsonArrayStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	CheckTaskOutputDescriptor(typeinfo);
}

/*
 * JsonArrayReceiveSlot
 *		Render one row and append it to the result.
 */
static bool
JsonArrayReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	JsonArrayReceiver *receiver = (JsonArrayReceiver *) self;
	StringInfo	result = receiver->result;
	MemoryContext oldcontext;
	int			separator_len = receiver->nrows > 0 ? strlen(JSON_AGG_SEPARATOR) : 0;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);

	oldcontext = MemoryContextSwitchTo(receiver->row_context);
	resetStringInfo(&receiver->row);
	RenderTaskOutput(&receiver->renderer, &receiver->row,
					 slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(oldcontext);

	/* room for this row, the closing bracket and the terminating NUL */
	if ((Size) result->len + separator_len + receiver->row.len + 2 > receiver->max_bytes)
		ReportResultTooLarge(receiver->nrows, receiver->max_bytes);

	if (separator_len > 0)
		appendBinaryStringInfo(result, JSON_AGG_SEPARATOR, separator_len);
	appendBinaryStringInfo(result, receiver->row.data, receiver->row.len);
	receiver->nrows++;

	MemoryContextReset(receiver->row_context);
	return true;
}

static void
JsonArrayShutdown(DestReceiver *self)
{
}

static void
JsonArrayDestroy(DestReceiver *self)
{
}

/*
 * list_task_outputs
 *		SQL: every visible task output of the organization in force as a
 *		JSON array, newest first; "[]" when there are none.
 */
Datum
list_task_outputs(PG_FUNCTION_ARGS)
{
	pg_uuid_t	org_id;
	JsonArrayReceiver receiver;
	StringInfoData result;
	ParamListInfo params;
	int			rc;

	RequireCurrentOrgId(&org_id);

	/* the result is built in the caller's context, before SPI_connect */
	initStringInfo(&result);
	appendStringInfoSpaces(&result, VARHDRSZ);
	appendStringInfoChar(&result, '[');

	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = JsonArrayReceiveSlot;
	receiver.pub.rStartup = JsonArrayStartup;
	receiver.pub.rShutdown = JsonArrayShutdown;
	receiver.pub.rDestroy = JsonArrayDestroy;
	/* any destination but DestNone (which SPI treats as "discard") */
	receiver.pub.mydest = DestTuplestore;
	receiver.result = &result;
	receiver.max_bytes = MaxAllocSize - 1;
	InitTaskOutputRenderer(&receiver.renderer, true);
	initStringInfo(&receiver.row);
	receiver.row_context = AllocSetContextCreate(CurrentMemoryContext,
												 "task_outputs list row",
												 ALLOCSET_DEFAULT_SIZES);

	params = makeParamList(1);
	params->numParams = 1;
	params->params[0].value = UUIDPGetDatum(&org_id);
	params->params[0].isnull = false;
	params->params[0].pflags = PARAM_FLAG_CONST;
	params->params[0].ptype = UUIDOID;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQueryToReceiver(&list_query, params, true,
								(DestReceiver *) &receiver);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("list query", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	MemoryContextDelete(receiver.row_context);
	pfree(receiver.row.data);

	appendStringInfoChar(&result, ']');
	SET_VARSIZE(result.data, result.len);
	PG_RETURN_TEXT_P((text *) result.data);
}

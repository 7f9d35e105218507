/*-------------------------------------------------------------------------
 *
 * receivers.c
 *		DestReceivers that turn task_output rows into the API's results as
 *		the executor produces them.
 *
 * The rows are read through SPI (so row-level security always applies) but
 * never copied into an SPI tuple table: the executor hands each slot to one
 * of these receivers, which renders it at once.
 *
 * The JSON result receiver appends each row to one buffer that lives in the
 * caller's memory context and starts with room for the varlena header, so
 * the finished buffer is the json datum, without a final copy.  Each row is
 * first rendered into a reused row buffer, under a per-row memory context
 * that is reset after the row, so that a result that would pass
 * task_outputs.max_result_bytes (at most what one json value can hold)
 * fails with PT413 before it is built, naming export and pagination.  A
 * page asks the query for one row more than it shows: that row is counted,
 * not rendered, and tells whether there are more.
 *
 * The tuplestore receiver feeds a materialize-mode SRF, one json object or
 * one task_output record per row; the tuplestore spills to disk past
 * work_mem, so memory stays bounded however many rows there are.
 *
 * src/receivers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "mapped_memory.h"
#include "receivers.h"
#include "render.h"
#include "task_outputs.h"

/* room kept for what follows the rows: closing brackets, a page's fields */
#define RESULT_TRAILER_BYTES 128

/* free space kept at the end of a JSON result before each row */
#define RESULT_RESERVE_BYTES ((Size) 1024 * 1024)

/* rows are rendered straight into the result while it is this far below
 * what one allocation can hold; closer to that, through the row buffer */
#define DIRECT_RENDER_HEADROOM ((Size) 256 * 1024 * 1024)

/*
 * A JSON result moves into a mapping of its own (mapped_memory.c) once it
 * holds this much; without mapped memory contexts, it grows at once to
 * RESULT_MALLOC_MAPPED_BYTES, a size that malloc maps on its own and grows
 * by remapping, without copying.
 */
#define RESULT_MAPPED_FROM ((Size) 1024 * 1024)
#define RESULT_MALLOC_MAPPED_BYTES ((Size) 64 * 1024 * 1024)

typedef struct TaskOutputReceiver
{
	DestReceiver pub;
	TaskOutputRenderer renderer;
	MemoryContext row_context;	/* reset after each row */
	StringInfoData row;			/* the row being rendered */
	uint64		nrows;			/* rows rendered */
	bool		result_mapped;	/* the result is in a mapping of its own */
	bool		more_rows;		/* a row arrived past max_rows */
	pg_uuid_t	last_id;		/* id of the last row rendered */

	/* JSON result */
	StringInfo	result;
	uint64		max_rows;		/* 0: no maximum */

	/* tuplestore */
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	bool		as_json;
} TaskOutputReceiver;

/*
 * MakeJsonResult
 *		A buffer for a json result, in the current memory context, with room
 *		for the varlena header in front.
 */
StringInfo
MakeJsonResult(void)
{
	StringInfo	result = makeStringInfo();

	appendStringInfoSpaces(result, VARHDRSZ);
	return result;
}

/*
 * JsonResultDatum
 *		The finished buffer as a json datum, in place.
 */
Datum
JsonResultDatum(StringInfo result)
{
	SET_VARSIZE(result->data, result->len);
	return PointerGetDatum(result->data);
}

/*
 * MaxResultBytes
 *		The largest JSON result, task_outputs.max_result_bytes, within what
 *		one json value can hold.
 */
static Size
MaxResultBytes(void)
{
	Size		limit = MaxAllocSize - VARHDRSZ - 1;

	if ((Size) task_outputs_max_result_bytes < limit)
		limit = task_outputs_max_result_bytes;
	return limit;
}

/*
 * ReportResultTooLarge
 *		PT413: the first nrows rows would not fit in limit bytes.
 */
static void
ReportResultTooLarge(uint64 nrows, Size limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
			 errmsg("result is too large for one json value"),
			 errdetail("The first " UINT64_FORMAT " task outputs take more than %zu bytes (task_outputs.max_result_bytes).",
					   nrows, limit),
			 errhint("Use export_task_outputs() to stream any number of rows, or list_task_outputs_page() to read them a page at a time.")));
}

/*
 * AppendToJsonResult
 *		Append len bytes to result, PT413 when they would not fit; nrows is
 *		the number of rows already in it, for the message.
 */
void
AppendToJsonResult(StringInfo result, const char *data, int len, uint64 nrows)
{
	Size		limit = MaxResultBytes();

	if ((Size) result->len - VARHDRSZ + len + RESULT_TRAILER_BYTES > limit)
		ReportResultTooLarge(nrows + 1, limit);
	appendBinaryStringInfo(result, data, len);
}

/*
 * ReserveJsonResult
 *		Keep at least RESULT_RESERVE_BYTES free at the end of the receiver's
 *		result, growing it by doubling.
 *
 * A large result is written once, front to back, and faulting it in 4kB
 * pages (and zeroing them), with malloc remapping or copying it as it
 * doubles, costs about a third of rendering the rows: past
 * RESULT_MAPPED_FROM the buffer moves to a mapped memory context, child of
 * the context it was made in, where it grows in place, in huge pages.
 * Without those (PostgreSQL 16 and later) it is not advised for huge
 * pages: that splits malloc's mapping, which mremap then refuses, and
 * malloc copies the buffer at the next doubling instead.
 */
static void
ReserveJsonResult(TaskOutputReceiver *receiver)
{
	StringInfo	result = receiver->result;

	if (result->maxlen - result->len >= RESULT_RESERVE_BYTES)
		return;

	if (result->len >= (int) RESULT_MAPPED_FROM && !receiver->result_mapped)
	{
#ifdef HAVE_MAPPED_MEMORY_CONTEXT
		MemoryContext mapped;
		char	   *data;

		mapped = MappedMemoryContextCreate(GetMemoryChunkContext(result->data),
										   "task_outputs result");
		data = MemoryContextAlloc(mapped, result->maxlen);
		memcpy(data, result->data, result->len + 1);
		pfree(result->data);
		result->data = data;
#else
		enlargeStringInfo(result, (int) (RESULT_MALLOC_MAPPED_BYTES - result->len - 1));
#endif
		receiver->result_mapped = true;
	}
	enlargeStringInfo(result, (int) RESULT_RESERVE_BYTES);
}

static void
ReceiverStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	CheckTaskOutputDescriptor(typeinfo);
}

static void
ReceiverShutdown(DestReceiver *self)
{
}

static void
ReceiverDestroy(DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	MemoryContextDelete(receiver->row_context);
	pfree(receiver->row.data);
	pfree(receiver);
}

/*
 * RenderRow
 *		Render the slot's row into the row buffer, under the row context.
 */
static void
RenderRow(TaskOutputReceiver *receiver, TupleTableSlot *slot)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(receiver->row_context);

	resetStringInfo(&receiver->row);
	RenderTaskOutput(&receiver->renderer, &receiver->row,
					 slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(oldcontext);
}

static void
RememberId(TaskOutputReceiver *receiver, TupleTableSlot *slot)
{
	if (!slot->tts_isnull[TO_ID])
		memcpy(&receiver->last_id, DatumGetUUIDP(slot->tts_values[TO_ID]),
			   sizeof(pg_uuid_t));
}

/*
 * JsonArrayReceiveSlot
 *		Render one row and append it to the JSON result.
 */
static bool
JsonArrayReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;
	StringInfo	result = receiver->result;

	CHECK_FOR_INTERRUPTS();
	if (receiver->max_rows > 0 && receiver->nrows >= receiver->max_rows)
	{
		receiver->more_rows = true;
		return true;
	}
	slot_getallattrs(slot);

	if ((Size) result->len + DIRECT_RENDER_HEADROOM < MaxAllocSize)
	{
		/* the common case: render the row in place, check the size after */
		MemoryContext oldcontext;

		ReserveJsonResult(receiver);
		if (receiver->nrows > 0)
			appendBinaryStringInfo(result, JSON_AGG_SEPARATOR,
								   sizeof(JSON_AGG_SEPARATOR) - 1);
		oldcontext = MemoryContextSwitchTo(receiver->row_context);
		RenderTaskOutput(&receiver->renderer, result,
						 slot->tts_values, slot->tts_isnull);
		MemoryContextSwitchTo(oldcontext);
		if ((Size) result->len - VARHDRSZ + RESULT_TRAILER_BYTES > MaxResultBytes())
			ReportResultTooLarge(receiver->nrows + 1, MaxResultBytes());
	}
	else
	{
		/* near the largest allocation: render apart, append if it fits */
		RenderRow(receiver, slot);
		if (receiver->nrows > 0)
			AppendToJsonResult(result, JSON_AGG_SEPARATOR,
							   sizeof(JSON_AGG_SEPARATOR) - 1, receiver->nrows);
		AppendToJsonResult(result, receiver->row.data, receiver->row.len,
						   receiver->nrows);
	}
	RememberId(receiver, slot);
	receiver->nrows++;

	MemoryContextReset(receiver->row_context);
	return true;
}

/*
 * TuplestoreReceiveSlot
 *		Put one row into the tuplestore: as a json object, or as the
 *		task_output record itself.
 */
static bool
TuplestoreReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	if (receiver->as_json)
	{
		Datum		value;
		bool		isnull = false;

		RenderRow(receiver, slot);
		value = PointerGetDatum(cstring_to_text_with_len(receiver->row.data,
														 receiver->row.len));
		tuplestore_putvalues(receiver->tupstore, receiver->tupdesc, &value, &isnull);
		pfree(DatumGetPointer(value));
	}
	else
	{
		bool		output_isnull = slot->tts_isnull[TO_OUTPUT];

		if (!receiver->renderer.include_output)
			slot->tts_isnull[TO_OUTPUT] = true;
		tuplestore_putvalues(receiver->tupstore, receiver->tupdesc,
							 slot->tts_values, slot->tts_isnull);
		slot->tts_isnull[TO_OUTPUT] = output_isnull;
	}
	RememberId(receiver, slot);
	receiver->nrows++;
	MemoryContextReset(receiver->row_context);
	return true;
}

static TaskOutputReceiver *
CreateReceiver(bool include_output)
{
	TaskOutputReceiver *receiver = palloc0(sizeof(TaskOutputReceiver));

	receiver->pub.rStartup = ReceiverStartup;
	receiver->pub.rShutdown = ReceiverShutdown;
	receiver->pub.rDestroy = ReceiverDestroy;
	/* any destination but DestNone, which SPI takes for "discard" */
	receiver->pub.mydest = DestTuplestore;
	InitTaskOutputRenderer(&receiver->renderer, include_output);
	initStringInfo(&receiver->row);
	receiver->row_context = AllocSetContextCreate(CurrentMemoryContext,
												  "task_outputs row",
												  ALLOCSET_DEFAULT_SIZES);
	return receiver;
}

/*
 * CreateJsonArrayReceiver
 *		Append rows, as JSON objects separated as json_agg separates them, to
 *		result; render at most max_rows (0: all) and note whether more came.
 */
DestReceiver *
CreateJsonArrayReceiver(StringInfo result, bool include_output, uint64 max_rows)
{
	TaskOutputReceiver *receiver = CreateReceiver(include_output);

	receiver->pub.receiveSlot = JsonArrayReceiveSlot;
	receiver->result = result;
	receiver->max_rows = max_rows;
	return (DestReceiver *) receiver;
}

/*
 * CreateTuplestoreReceiver
 *		Put rows into tupstore, as json objects (as_json) or task_output
 *		records of tupdesc.
 */
DestReceiver *
CreateTuplestoreReceiver(Tuplestorestate *tupstore, TupleDesc tupdesc,
						 bool as_json, bool include_output)
{
	TaskOutputReceiver *receiver = CreateReceiver(include_output);

	receiver->pub.receiveSlot = TuplestoreReceiveSlot;
	receiver->tupstore = tupstore;
	receiver->tupdesc = tupdesc;
	receiver->as_json = as_json;
	return (DestReceiver *) receiver;
}

uint64
ReceivedRows(DestReceiver *self)
{
	return ((TaskOutputReceiver *) self)->nrows;
}

bool
ReceivedMoreRows(DestReceiver *self)
{
	return ((TaskOutputReceiver *) self)->more_rows;
}

/*
 * LastReceivedId
 *		The id of the last row received, or NULL when none was.
 */
pg_uuid_t *
LastReceivedId(DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	return receiver->nrows > 0 ? &receiver->last_id : NULL;
}

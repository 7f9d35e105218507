/*-------------------------------------------------------------------------
 *
 * receivers.c
 *		DestReceivers that turn task_output rows into the API's results as
 *		the executor produces them.
 *
 * The rows are read by the extension's reader statements (query.c) and
 * never copied into a tuple table: the executor hands each slot to one of
 * these receivers, which renders it at once.  Detoasted values and other
 * per-row allocations go to a row memory context, reset after each row.
 *
 *	- The JSON array receiver appends each row, separated as json_agg
 *	  separates composite values, to a list's result buffer (json_buffer.c,
 *	  which keeps it within its limit).  A page asks the query for one row
 *	  more than it shows: that row is counted, not rendered, and tells
 *	  whether there are more.
 *	- The record and JSON rows receivers feed a materialize-mode SRF's
 *	  tuplestore (task_output records, or one json per row); tuplestores
 *	  spill to disk past work_mem, so memory stays bounded.
 *	- The JSON value receiver renders the one row a streaming export asks
 *	  for and copies it, exact in size, into a json value in the memory
 *	  context the caller names, which is what the export returns.
 * The rows are rendered into a buffer the receiver keeps, so that rows of
 * any size cost no growing allocation each.
 *
 * src/receivers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "receivers.h"
#include "render.h"
#include "task_output.h"

typedef struct TaskOutputReceiver
{
	DestReceiver pub;
	TaskOutputRenderer renderer;
	MemoryContext row_context;	/* reset after each row */
	uint64		nrows;			/* rows received and rendered */
	bool		more_rows;		/* a row arrived past max_rows */
	pg_uuid_t	last_id;		/* id of the last row rendered */

	/* JSON array */
	JsonBuffer *result;
	uint64		max_rows;		/* 0: no maximum */
	int			more_trailer;	/* result's trailer when more rows come */

	/* tuplestore */
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	JsonBuffer	row;			/* JSON rows and value: the row being rendered */

	/* JSON value */
	MemoryContext value_context;
	Datum		value;
	bool		have_value;
} TaskOutputReceiver;

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
	pfree(receiver);
}

/*
 * RenderSlot
 *		Render the slot's row into out, with the row context current.
 */
static void
RenderSlot(TaskOutputReceiver *receiver, TupleTableSlot *slot, JsonBuffer *out)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(receiver->row_context);

	RenderTaskOutput(&receiver->renderer, out, slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * RowDone
 *		Count the row, remember its id, free its memory.
 */
static void
RowDone(TaskOutputReceiver *receiver, TupleTableSlot *slot)
{
	if (!slot->tts_isnull[TO_ID])
		memcpy(&receiver->last_id, DatumGetUUIDP(slot->tts_values[TO_ID]),
			   sizeof(pg_uuid_t));
	receiver->nrows++;
	MemoryContextReset(receiver->row_context);
}

static bool
JsonArrayReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;
	JsonBuffer *result = receiver->result;

	CHECK_FOR_INTERRUPTS();
	if (receiver->max_rows > 0 && receiver->nrows >= receiver->max_rows)
	{
		/* not rendered, but it says there are more: a longer ending */
		receiver->more_rows = true;
		result->trailer = receiver->more_trailer;
		CheckJsonBufferLimit(result);
		return true;
	}
	slot_getallattrs(slot);
	result->nrows = receiver->nrows;
	if (receiver->nrows > 0)
		AppendJsonLiteral(result, JSON_AGG_SEPARATOR);
	RenderSlot(receiver, slot, result);
	CheckJsonBufferLimit(result);
	RowDone(receiver, slot);
	return true;
}

static bool
RecordReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	tuplestore_putvalues(receiver->tupstore, receiver->tupdesc,
						 slot->tts_values, slot->tts_isnull);
	RowDone(receiver, slot);
	return true;
}

static bool
JsonRowsReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;
	Datum		value;
	bool		isnull = false;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	ResetJsonBuffer(&receiver->row);
	RenderSlot(receiver, slot, &receiver->row);
	value = JsonBufferDatum(&receiver->row);
	tuplestore_putvalues(receiver->tupstore, receiver->tupdesc, &value, &isnull);
	RowDone(receiver, slot);
	return true;
}

static bool
JsonValueReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	ResetJsonBuffer(&receiver->row);
	RenderSlot(receiver, slot, &receiver->row);
	receiver->value = JsonBufferCopyDatum(&receiver->row, receiver->value_context);
	receiver->have_value = true;
	RowDone(receiver, slot);
	return true;
}

static TaskOutputReceiver *
CreateReceiver(bool (*receive_slot) (TupleTableSlot *slot, DestReceiver *self))
{
	TaskOutputReceiver *receiver = palloc0(sizeof(TaskOutputReceiver));

	receiver->pub.receiveSlot = receive_slot;
	receiver->pub.rStartup = ReceiverStartup;
	receiver->pub.rShutdown = ReceiverShutdown;
	receiver->pub.rDestroy = ReceiverDestroy;
	receiver->pub.mydest = DestNone;
	InitTaskOutputRenderer(&receiver->renderer);
	receiver->row_context = AllocSetContextCreate(CurrentMemoryContext,
												  "task_outputs row",
												  ALLOCSET_DEFAULT_SIZES);
	return receiver;
}

/*
 * CreateJsonArrayReceiver
 *		Append rows to result as JSON objects separated as json_agg separates
 *		them; render at most max_rows (0: all) and note whether more came,
 *		which makes result's trailer more_trailer.
 */
DestReceiver *
CreateJsonArrayReceiver(JsonBuffer *result, uint64 max_rows, int more_trailer)
{
	TaskOutputReceiver *receiver = CreateReceiver(JsonArrayReceiveSlot);

	receiver->result = result;
	receiver->max_rows = max_rows;
	receiver->more_trailer = more_trailer;
	return (DestReceiver *) receiver;
}

/*
 * CreateRecordReceiver
 *		Put rows into tupstore as task_output records of tupdesc.
 */
DestReceiver *
CreateRecordReceiver(Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	TaskOutputReceiver *receiver = CreateReceiver(RecordReceiveSlot);

	CheckTaskOutputDescriptor(tupdesc);
	receiver->tupstore = tupstore;
	receiver->tupdesc = tupdesc;
	return (DestReceiver *) receiver;
}

/*
 * CreateJsonRowsReceiver
 *		Put rows into tupstore as json values (tupdesc: one json column).
 */
DestReceiver *
CreateJsonRowsReceiver(Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	TaskOutputReceiver *receiver = CreateReceiver(JsonRowsReceiveSlot);

	receiver->tupstore = tupstore;
	receiver->tupdesc = tupdesc;
	InitJsonRow(&receiver->row);
	return (DestReceiver *) receiver;
}

/*
 * CreateJsonValueReceiver
 *		Render each row into a json value in the memory context set by
 *		SetJsonValueContext, for TakeJsonValue.
 */
DestReceiver *
CreateJsonValueReceiver(void)
{
	TaskOutputReceiver *receiver = CreateReceiver(JsonValueReceiveSlot);

	receiver->value_context = CurrentMemoryContext;
	InitJsonRow(&receiver->row);
	return (DestReceiver *) receiver;
}

void
SetJsonValueContext(DestReceiver *self, MemoryContext context)
{
	((TaskOutputReceiver *) self)->value_context = context;
}

/*
 * TakeJsonValue
 *		The value of the row received last; once.
 */
Datum
TakeJsonValue(DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	if (!receiver->have_value)
		elog(ERROR, "no row was received");
	receiver->have_value = false;
	return receiver->value;
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
 *		The id of the last row rendered, or NULL when none was.
 */
const pg_uuid_t *
LastReceivedId(DestReceiver *self)
{
	TaskOutputReceiver *receiver = (TaskOutputReceiver *) self;

	return receiver->nrows > 0 ? &receiver->last_id : NULL;
}

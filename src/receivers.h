/*-------------------------------------------------------------------------
 *
 * receivers.h
 *		DestReceivers that turn task_output rows into the API's results as
 *		the executor produces them.
 *
 * src/receivers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_RECEIVERS_H
#define TASK_OUTPUTS_RECEIVERS_H

#include "tcop/dest.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "json_buffer.h"

/* json_agg puts this between elements of composite type */
#define JSON_AGG_SEPARATOR ", \n "

extern DestReceiver *CreateJsonArrayReceiver(JsonBuffer *result, uint64 max_rows,
											 int more_trailer);
extern DestReceiver *CreateRecordReceiver(Tuplestorestate *tupstore,
										  TupleDesc tupdesc);
extern DestReceiver *CreateJsonRowsReceiver(Tuplestorestate *tupstore,
											TupleDesc tupdesc);
extern DestReceiver *CreateJsonValueReceiver(void);
extern void SetJsonValueContext(DestReceiver *self, MemoryContext context);
extern Datum TakeJsonValue(DestReceiver *self);

extern uint64 ReceivedRows(DestReceiver *self);
extern bool ReceivedMoreRows(DestReceiver *self);
extern const pg_uuid_t *LastReceivedId(DestReceiver *self);

#endif							/* TASK_OUTPUTS_RECEIVERS_H */

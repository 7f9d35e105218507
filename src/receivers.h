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

#include "lib/stringinfo.h"
#include "tcop/dest.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

/* json_agg puts this between elements of composite type */
#define JSON_AGG_SEPARATOR ", \n "

extern StringInfo MakeJsonResult(void);
extern Datum JsonResultDatum(StringInfo result);
extern void AppendToJsonResult(StringInfo result, const char *data, int len,
							   uint64 nrows);

extern DestReceiver *CreateJsonArrayReceiver(StringInfo result,
											 bool include_output,
											 uint64 max_rows);
extern DestReceiver *CreateTuplestoreReceiver(Tuplestorestate *tupstore,
											  TupleDesc tupdesc,
											  bool as_json,
											  bool include_output);
extern uint64 ReceivedRows(DestReceiver *self);
extern bool ReceivedMoreRows(DestReceiver *self);
extern pg_uuid_t *LastReceivedId(DestReceiver *self);

#endif							/* TASK_OUTPUTS_RECEIVERS_H */

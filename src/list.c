/*-------------------------------------------------------------------------
 *
 * list.c
 *		The list endpoints: list_task_outputs (one JSON array),
 *		list_task_outputs_page (a page in a list envelope), task_outputs
 *		(records) and count_task_outputs.
 *
 * All of them take the same filters (filters.c) and run a reader
 * statement (query.c) whose rows are rendered by the receivers
 * (receivers.c) as the executor produces them.  task_outputs uses
 * materialize mode: its rows, at most the whole list, go into a tuplestore
 * that spills to disk past work_mem.  Order is always created_at DESC,
 * id DESC.  export_task_outputs, which streams, is export.c.
 *
 * src/list.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"

#include "delegation.h"
#include "filters.h"
#include "json_buffer.h"
#include "list.h"
#include "receivers.h"
#include "render.h"
#include "task_output.h"

PG_FUNCTION_INFO_V1(list_task_outputs);
PG_FUNCTION_INFO_V1(list_task_outputs_page);
PG_FUNCTION_INFO_V1(task_outputs);
PG_FUNCTION_INFO_V1(count_task_outputs);

#define DEFAULT_PAGE_LIMIT 100

/* what follows a page's rows, when there are no more and when there are */
#define PAGE_LAST_TRAILER_BYTES \
	(sizeof("],\"has_more\":false,\"next_starting_after\":null}") - 1)
#define PAGE_MORE_TRAILER_BYTES \
	(sizeof("],\"has_more\":true,\"next_starting_after\":") - 1 + 38 + 1)

/*
 * RenderList
 *		Append the rows request reads, at most limit_rows of them (0: all),
 *		to result as json_agg would, rendering at most max_rows (0: all);
 *		when more come, result's trailer becomes more_trailer.  The
 *		receiver, to ask what it saw, is the caller's to destroy.
 */
DestReceiver *
RenderList(ReadRequest *request, JsonBuffer *result, int64 limit_rows,
		   uint64 max_rows, int more_trailer)
{
	DestReceiver *dest = CreateJsonArrayReceiver(result, max_rows, more_trailer);
	StatementScope scope;
	ParamListInfo params;
	PreparedQuery *query = BindReadQuery(READ_ROWS, request, limit_rows,
										 &params, &scope);

	RunReader(query, &scope, params, dest);
	return dest;
}

/*
 * list_task_outputs
 *		SQL: the task outputs that match the filters as one JSON array,
 *		newest first; "[]" when none do.
 */
Datum
list_task_outputs(PG_FUNCTION_ARGS)
{
	ReadRequest request;
	JsonBuffer	result;
	DestReceiver *dest;

	ReadRequestFromArguments(fcinfo, &request);
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &request.principal);
	InitJsonResult(&result, sizeof("]") - 1);
	AppendJsonLiteral(&result, "[");
	dest = RenderList(&request, &result, request.limit, 0, 0);
	dest->rDestroy(dest);
	AppendJsonLiteral(&result, "]");
	PG_RETURN_DATUM(JsonBufferDatum(&result));
}

/*
 * list_task_outputs_page
 *		SQL: one page of the list, in the envelope
 *		{"object":"list","data":[...],"has_more":...,"next_starting_after":...}.
 *		The statement asks for one row more than the page holds: if it
 *		comes, there are more, and the next page starts after the page's
 *		last row.
 */
Datum
list_task_outputs_page(PG_FUNCTION_ARGS)
{
	ReadRequest request;
	JsonBuffer	result;
	DestReceiver *dest;
	int64		limit;

	ReadRequestFromArguments(fcinfo, &request);
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &request.principal);
	limit = request.limit > 0 ? request.limit : DEFAULT_PAGE_LIMIT;

	InitJsonResult(&result, PAGE_LAST_TRAILER_BYTES);
	AppendJsonLiteral(&result, "{\"object\":\"list\",\"data\":[");
	dest = RenderList(&request, &result, limit + 1, limit, PAGE_MORE_TRAILER_BYTES);
	AppendJsonLiteral(&result, "],\"has_more\":");
	if (ReceivedMoreRows(dest))
	{
		AppendJsonLiteral(&result, "true,\"next_starting_after\":");
		AppendJsonUuid(&result, LastReceivedId(dest));
	}
	else
		AppendJsonLiteral(&result, "false,\"next_starting_after\":null");
	AppendJsonLiteral(&result, "}");
	dest->rDestroy(dest);
	PG_RETURN_DATUM(JsonBufferDatum(&result));
}

/*
 * task_outputs
 *		SQL: the task outputs that match the filters, as task_output records.
 */
Datum
task_outputs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ReadRequest request;
	DestReceiver *dest;
	StatementScope scope;
	ParamListInfo params;
	PreparedQuery *query;

	ReadRequestFromArguments(fcinfo, &request);
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &request.principal);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	dest = CreateRecordReceiver(rsinfo->setResult, rsinfo->setDesc);
	query = BindReadQuery(READ_ROWS, &request, request.limit, &params, &scope);
	RunReader(query, &scope, params, dest);
	dest->rDestroy(dest);
	return (Datum) 0;
}

/*
 * count_task_outputs
 *		SQL: the exact number of task outputs that match the filters.
 */
Datum
count_task_outputs(PG_FUNCTION_ARGS)
{
	ReadRequest request;
	StatementScope scope;
	ParamListInfo params;
	PreparedQuery *query;
	Datum		count;

	ReadRequestFromArguments(fcinfo, &request);
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &request.principal);
	query = BindReadQuery(READ_COUNT, &request, 0, &params, &scope);
	if (!RunReaderForValue(query, &scope, params, &count))
		elog(ERROR, "count_task_outputs: no count");
	PG_RETURN_DATUM(count);
}

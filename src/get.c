/*-------------------------------------------------------------------------
 *
 * get.c
 *		Reads by id: get_task_output and get_flow_execution.
 *
 * Both run reader statements with the tenant named explicitly and
 * row-level security applying, and render the same JSON as the list
 * endpoints: a task output exactly as to_json renders the task_output
 * record, a flow execution as to_json renders its row with a task_outputs
 * array appended (as json_agg would build it).  An id that is unknown,
 * another tenant's, or (for a task output) soft-deleted is PT404, the same
 * in every case.
 *
 * src/get.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "delegation.h"
#include "errors.h"
#include "filters.h"
#include "json_buffer.h"
#include "list.h"
#include "receivers.h"

PG_FUNCTION_INFO_V1(get_task_output);
PG_FUNCTION_INFO_V1(get_flow_execution);

/* the flow execution as to_json renders its row */
static PreparedQuery flow_execution_query = {
	"SELECT pg_catalog.to_json(f)::pg_catalog.text"
	" FROM (SELECT id, organization_id, name, created_at"
	"  FROM task_outputs.flow_executions"
	"  WHERE organization_id OPERATOR(pg_catalog.=) $1"
	"  AND id OPERATOR(pg_catalog.=) $2) f",
	2, {UUIDOID, UUIDOID},
	.reader = true
};

/*
 * get_task_output
 *		SQL: one task output as a JSON object.
 */
Datum
get_task_output(PG_FUNCTION_ARGS)
{
	ReadRequest request;
	JsonBuffer	result;
	DestReceiver *dest;

	ReadRequestFromArguments(fcinfo, &request);
	if (request.id == NULL)
		ReportNullArgument("id");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &request.principal);
	/* one object: a row's buffer, not a list's */
	InitJsonRow(&result);
	dest = RenderList(&request, &result, 0, 1, 0);
	if (ReceivedRows(dest) == 0)
		ReportTaskOutputNotFound("id", request.id);
	dest->rDestroy(dest);
	PG_RETURN_DATUM(JsonBufferDatum(&result));
}

/*
 * get_flow_execution
 *		SQL: a flow execution as a JSON object, with the task outputs of it
 *		that match the filters in its "task_outputs" array.
 */
Datum
get_flow_execution(PG_FUNCTION_ARGS)
{
	ReadRequest request;
	pg_uuid_t  *id;
	StatementScope scope;
	ParamListInfo params;
	Datum		row;
	text	   *row_text;
	JsonBuffer	result;
	DestReceiver *dest;

	ReadRequestFromArguments(fcinfo, &request);
	if (request.id == NULL)
		ReportNullArgument("id");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &request.principal);
	/* "id" is the flow execution's: it filters the outputs */
	id = request.id;
	request.id = NULL;
	SetFilter(&request, FILTER_FLOW_EXECUTION_ID, UUIDPGetDatum(id));

	InitScope(&scope, &request.principal, false);
	params = MakeParams(2);
	SetParam(params, 1, UUIDOID, UUIDPGetDatum(&request.principal.org_id), false);
	SetParam(params, 2, UUIDOID, UUIDPGetDatum(id), false);
	if (!RunReaderForValue(&flow_execution_query, &scope, params, &row))
		ReportFlowExecutionNotFound(id);
	row_text = DatumGetTextPP(row);

	/* the row's object without its closing brace, then the outputs */
	InitJsonResult(&result, sizeof("]}") - 1);
	AppendJsonBytes(&result, VARDATA_ANY(row_text), VARSIZE_ANY_EXHDR(row_text) - 1);
	AppendJsonLiteral(&result, ",\"task_outputs\":[");
	dest = RenderList(&request, &result, 0, 0, 0);
	dest->rDestroy(dest);
	AppendJsonLiteral(&result, "]}");
	PG_RETURN_DATUM(JsonBufferDatum(&result));
}

/*-------------------------------------------------------------------------
 *
 * get.c
 *		Reads by id: get_task_output and get_flow_execution.
 *
 * Both read through SPI with the tenant named explicitly and row-level
 * security applying, and render the same JSON as the list endpoints: a
 * task output exactly as to_json renders the task_output record, a flow
 * execution as to_json renders its row with a task_outputs array appended
 * (as json_agg would build it).  An id that is unknown, another tenant's,
 * or (for a task output) soft-deleted is PT404, the same in every case.
 *
 * src/get.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "filters.h"
#include "query.h"
#include "receivers.h"
#include "render.h"
#include "task_outputs.h"

PG_FUNCTION_INFO_V1(get_task_output);
PG_FUNCTION_INFO_V1(get_flow_execution);

/* (id, task_name … include_deleted): the flow execution is the id */
static const FilterArguments flow_execution_arguments = {-1, 1, -1, -1};

static PreparedQuery flow_execution_query = {
	"SELECT id, organization_id, name, created_at"
	" FROM task_outputs.flow_executions"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID}
};

/*
 * get_task_output
 *		SQL: one task output as a JSON object.
 */
Datum
get_task_output(PG_FUNCTION_ARGS)
{
	TaskOutputFilters filters;
	StringInfo	result;
	DestReceiver *dest;
	int			rc;

	InitFilters(&filters);
	RequireAuthorizedOrgId(&filters.org_id);
	filters.id = PG_GETARG_UUID_P(0);

	result = MakeJsonResult();
	dest = CreateJsonArrayReceiver(result, true, 1);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecuteFilterQuery(FILTER_QUERY_ROWS, &filters, 0, dest);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("task output query", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	if (ReceivedRows(dest) == 0)
		ReportTaskOutputNotFound("id", filters.id);
	dest->rDestroy(dest);

	PG_RETURN_DATUM(JsonResultDatum(result));
}

/*
 * get_flow_execution
 *		SQL: a flow execution as a JSON object, with the task outputs of it
 *		that match the filters in its "task_outputs" array.
 */
Datum
get_flow_execution(PG_FUNCTION_ARGS)
{
	TaskOutputFilters filters;
	StringInfo	result;
	DestReceiver *dest;
	Datum		args[2];
	HeapTuple	row;
	TupleDesc	rowdesc;
	bool		isnull;
	int			rc;

	if (PG_ARGISNULL(0))
		ReportInvalidArgument("id", "id must not be null.");
	ReadFilterArguments(fcinfo, &flow_execution_arguments, &filters);
	filters.flow_execution_id = PG_GETARG_UUID_P(0);

	result = MakeJsonResult();
	dest = CreateJsonArrayReceiver(result, filters.include_output, 0);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);

	args[0] = UUIDPGetDatum(&filters.org_id);
	args[1] = UUIDPGetDatum(filters.flow_execution_id);
	rc = ExecutePreparedQuery(&flow_execution_query, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("flow execution query", rc);
	if (SPI_processed == 0)
		ReportFlowExecutionNotFound(filters.flow_execution_id);
	row = SPI_tuptable->vals[0];
	rowdesc = SPI_tuptable->tupdesc;

	appendStringInfoString(result, "{\"id\":");
	AppendJsonUuid(result, DatumGetUUIDP(SPI_getbinval(row, rowdesc, 1, &isnull)));
	appendStringInfoString(result, ",\"organization_id\":");
	AppendJsonUuid(result, DatumGetUUIDP(SPI_getbinval(row, rowdesc, 2, &isnull)));
	appendStringInfoString(result, ",\"name\":");
	AppendJsonText(result, SPI_getbinval(row, rowdesc, 3, &isnull));
	appendStringInfoString(result, ",\"created_at\":");
	AppendJsonTimestamptz(result, SPI_getbinval(row, rowdesc, 4, &isnull));
	appendStringInfoString(result, ",\"task_outputs\":[");

	rc = ExecuteFilterQuery(FILTER_QUERY_ROWS, &filters, 0, dest);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("task output query", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	dest->rDestroy(dest);

	appendStringInfoString(result, "]}");
	PG_RETURN_DATUM(JsonResultDatum(result));
}

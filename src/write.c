/*-------------------------------------------------------------------------
 *
 * write.c
 *		The write API: create_flow_execution and record_task_output.
 *
 * The functions insert through SPI as the calling user, so row-level
 * security and the tables' triggers apply exactly as they do to a plain
 * INSERT: the column rules live in the triggers, once, and these functions
 * only check what the SQL signature cannot (required arguments, a tenant in
 * force).
 *
 * src/write.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "query.h"
#include "task_outputs.h"

PG_FUNCTION_INFO_V1(create_flow_execution);
PG_FUNCTION_INFO_V1(record_task_output);

static PreparedQuery create_flow_execution_query = {
	"INSERT INTO task_outputs.flow_executions (id, organization_id, name)"
	" VALUES ($1, $2, $3)",
	3, {UUIDOID, UUIDOID, TEXTOID}
};

/* the status travels as text, cast in SQL: see query.h */
static PreparedQuery record_task_output_query = {
	"INSERT INTO task_outputs.outputs"
	" (flow_execution_id, task_name, output, summary, tags, status)"
	" VALUES ($1, $2, $3, $4, $5, $6::task_outputs.task_output_status)"
	" RETURNING " TASK_OUTPUT_COLUMNS,
	6, {UUIDOID, TEXTOID, JSONBOID, JSONBOID, TEXTARRAYOID, TEXTOID}
};

/*
 * RequireArgument
 *		PT400 when a required argument is null.
 */
static void
RequireArgument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ReportInvalidArgument(name, psprintf("%s must not be null.", name));
}

/*
 * create_flow_execution
 *		SQL: create a flow execution of the current organization; returns its
 *		id (the given one, or a new UUIDv7).
 */
Datum
create_flow_execution(PG_FUNCTION_ARGS)
{
	pg_uuid_t	org_id;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));
	Datum		args[3];
	int			rc;

	RequireCurrentOrgId(&org_id);
	RequireArgument(fcinfo, 0, "name");
	if (PG_ARGISNULL(1))
		GenerateUuidV7(id);
	else
		memcpy(id, PG_GETARG_UUID_P(1), sizeof(pg_uuid_t));

	args[0] = UUIDPGetDatum(id);
	args[1] = UUIDPGetDatum(&org_id);
	args[2] = PG_GETARG_DATUM(0);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQuery(&create_flow_execution_query, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT || SPI_processed != 1)
		ReportUnexpectedSPIResult("flow execution insert", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_UUID_P(id);
}

/*
 * record_task_output
 *		SQL: record the output of a task; returns the stored task_output.
 */
Datum
record_task_output(PG_FUNCTION_ARGS)
{
	pg_uuid_t	org_id;
	TupleDesc	result_desc;
	Datum		args[6];
	char		nulls[6];
	Datum		values[TASK_OUTPUT_NATTS];
	bool		isnull[TASK_OUTPUT_NATTS];
	MemoryContext caller_context = CurrentMemoryContext;
	HeapTuple	result;
	int			rc;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	CheckTaskOutputDescriptor(result_desc);
	RequireCurrentOrgId(&org_id);
	RequireArgument(fcinfo, 0, "flow_execution_id");
	RequireArgument(fcinfo, 1, "task_name");
	RequireArgument(fcinfo, 5, "status");

	for (i = 0; i < 5; i++)
	{
		args[i] = PG_GETARG_DATUM(i);
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	args[5] = DirectFunctionCall1(enum_out, PG_GETARG_DATUM(5));
	args[5] = CStringGetTextDatum(DatumGetCString(args[5]));
	nulls[5] = ' ';

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQuery(&record_task_output_query, args, nulls, false, 0);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		ReportUnexpectedSPIResult("task output insert", rc);
	CheckTaskOutputDescriptor(SPI_tuptable->tupdesc);

	/* copy the row out of SPI's memory before SPI_finish frees it */
	heap_deform_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, values, isnull);
	{
		MemoryContext spi_context = MemoryContextSwitchTo(caller_context);

		result = heap_form_tuple(result_desc, values, isnull);
		MemoryContextSwitchTo(spi_context);
	}
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}

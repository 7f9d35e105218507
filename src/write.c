/*-------------------------------------------------------------------------
 *
 * write.c
 *		The write API: create_flow_execution, record_task_output,
 *		set_task_output_status, delete_task_output, restore_task_output and
 *		mark_stale.
 *
 * The functions write through SPI as the calling user, so row-level
 * security and the tables' triggers apply exactly as they do to a plain
 * INSERT or UPDATE: the column and status rules, the stamps, supersession
 * and the audit trail live in the triggers, once, and these functions only
 * check what the SQL signature cannot (required arguments, a tenant in
 * force, an id that is visible).  An id that is unknown and another
 * tenant's id are the same PT404: the UPDATE simply finds no row.
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

#include "flow_executions.h"
#include "query.h"
#include "rules.h"
#include "status.h"
#include "task_outputs.h"
#include "triggers.h"

PG_FUNCTION_INFO_V1(create_flow_execution);
PG_FUNCTION_INFO_V1(record_task_output);
PG_FUNCTION_INFO_V1(set_task_output_status);
PG_FUNCTION_INFO_V1(delete_task_output);
PG_FUNCTION_INFO_V1(restore_task_output);
PG_FUNCTION_INFO_V1(mark_stale);

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

static PreparedQuery set_status_query = {
	"UPDATE task_outputs.outputs"
	" SET status = $3::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2"
	" RETURNING " TASK_OUTPUT_COLUMNS,
	3, {UUIDOID, UUIDOID, TEXTOID}
};

/* the status to restore, read under a row lock */
static PreparedQuery restore_lookup_query = {
	"SELECT status::pg_catalog.text, status_before_delete::pg_catalog.text"
	" FROM task_outputs.outputs"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2"
	" FOR UPDATE",
	2, {UUIDOID, UUIDOID}
};

static PreparedQuery mark_stale_query = {
	"UPDATE task_outputs.outputs"
	" SET status = 'stale'::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND flow_execution_id OPERATOR(pg_catalog.=) $2"
	" AND status OPERATOR(pg_catalog.=) ANY ("
	"  '{completed,failed}'::task_outputs.task_output_status[])",
	2, {UUIDOID, UUIDOID}
};

static PreparedQuery mark_stale_task_query = {
	"UPDATE task_outputs.outputs"
	" SET status = 'stale'::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND flow_execution_id OPERATOR(pg_catalog.=) $2"
	" AND task_name OPERATOR(pg_catalog.=) $3"
	" AND status OPERATOR(pg_catalog.=) ANY ("
	"  '{completed,failed}'::task_outputs.task_output_status[])",
	3, {UUIDOID, UUIDOID, TEXTOID}
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
 * TaskOutputResultDescriptor
 *		The row type a function returning task_output was called for,
 *		checked to be the one this library renders.
 */
static TupleDesc
TaskOutputResultDescriptor(FunctionCallInfo fcinfo)
{
	TupleDesc	result_desc;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	CheckTaskOutputDescriptor(result_desc);
	return result_desc;
}

/*
 * FinishWithTaskOutput
 *		The task_output that the statement just run through SPI returned
 *		(its first row), formed as result_desc in caller_context; then
 *		disconnect from SPI, which frees the statement's memory.
 */
static Datum
FinishWithTaskOutput(TupleDesc result_desc, MemoryContext caller_context)
{
	Datum		values[TASK_OUTPUT_NATTS];
	bool		isnull[TASK_OUTPUT_NATTS];
	MemoryContext spi_context;
	HeapTuple	result;
	int			rc;

	CheckTaskOutputDescriptor(SPI_tuptable->tupdesc);
	heap_deform_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, values, isnull);
	spi_context = MemoryContextSwitchTo(caller_context);
	result = heap_form_tuple(result_desc, values, isnull);
	MemoryContextSwitchTo(spi_context);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	return HeapTupleGetDatum(result);
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

	RequireAuthorizedOrgId(&org_id);
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
	MemoryContext caller_context = CurrentMemoryContext;
	int			rc;
	int			i;

	result_desc = TaskOutputResultDescriptor(fcinfo);
	RequireAuthorizedOrgId(&org_id);
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

	PG_RETURN_DATUM(FinishWithTaskOutput(result_desc, caller_context));
}

/*
 * SetStatus
 *		Move task output id of the current organization to status (a label)
 *		and return the stored task_output, formed in the caller's memory.
 *		connected: the caller has already connected to SPI.
 *		The triggers decide whether the change is allowed.
 */
static Datum
SetStatus(FunctionCallInfo fcinfo, Datum id, const char *status, bool connected)
{
	pg_uuid_t	org_id;
	TupleDesc	result_desc;
	Datum		args[3];
	MemoryContext caller_context = CurrentMemoryContext;
	int			rc;

	result_desc = TaskOutputResultDescriptor(fcinfo);
	RequireAuthorizedOrgId(&org_id);

	args[0] = UUIDPGetDatum(&org_id);
	args[1] = id;
	args[2] = CStringGetTextDatum(status);

	if (!connected && (rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQuery(&set_status_query, args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE_RETURNING)
		ReportUnexpectedSPIResult("status update", rc);
	if (SPI_processed == 0)
		ReportTaskOutputNotFound("id", DatumGetUUIDP(id));

	return FinishWithTaskOutput(result_desc, caller_context);
}

/*
 * set_task_output_status
 *		SQL: move a task output to another status, by the rules of the status
 *		machine; returns the stored task_output.
 */
Datum
set_task_output_status(PG_FUNCTION_ARGS)
{
	const char *status;

	RequireArgument(fcinfo, 0, "id");
	RequireArgument(fcinfo, 1, "status");
	status = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(1)));
	PG_RETURN_DATUM(SetStatus(fcinfo, PG_GETARG_DATUM(0), status, false));
}

/*
 * delete_task_output
 *		SQL: soft-delete a task output; returns the stored task_output.
 */
Datum
delete_task_output(PG_FUNCTION_ARGS)
{
	RequireArgument(fcinfo, 0, "id");
	PG_RETURN_DATUM(SetStatus(fcinfo, PG_GETARG_DATUM(0),
							  StatusName(STATUS_DELETED), false));
}

/*
 * restore_task_output
 *		SQL: bring a soft-deleted task output back to the status it had
 *		before; returns the stored task_output.  EXECUTE is granted to
 *		administrators only, and the trigger checks it again.
 */
Datum
restore_task_output(PG_FUNCTION_ARGS)
{
	pg_uuid_t	org_id;
	Datum		args[2];
	char	   *status;
	char	   *previous;
	int			rc;

	RequireAuthorizedOrgId(&org_id);
	RequireArgument(fcinfo, 0, "id");
	args[0] = UUIDPGetDatum(&org_id);
	args[1] = PG_GETARG_DATUM(0);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQuery(&restore_lookup_query, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("restore lookup", rc);
	if (SPI_processed == 0)
		ReportTaskOutputNotFound("id", PG_GETARG_UUID_P(0));
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	previous = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (strcmp(status, StatusName(STATUS_DELETED)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
				 errmsg("task output is not deleted"),
				 errdetail("Task output \"%s\" is \"%s\"; only a deleted task output can be restored.",
						   UuidToCString(PG_GETARG_UUID_P(0)), status)));
	if (previous == NULL)
		ReportTransitionRejected(STATUS_DELETED, STATUS_DELETED,
								 "This task output was recorded as deleted and has no earlier status to restore.");

	/* still connected: SetStatus runs its UPDATE and finishes */
	PG_RETURN_DATUM(SetStatus(fcinfo, PG_GETARG_DATUM(0), previous, true));
}

/*
 * mark_stale
 *		SQL: turn the completed and failed outputs of a flow execution (of
 *		one task, when task_name is given) stale; returns how many.  Outputs
 *		in other states are left alone: the status machine has no way from
 *		them to stale.
 */
Datum
mark_stale(PG_FUNCTION_ARGS)
{
	pg_uuid_t	org_id;
	Datum		args[3];
	int64		count;
	int			rc;

	RequireAuthorizedOrgId(&org_id);
	RequireArgument(fcinfo, 0, "flow_execution_id");
	if (!PG_ARGISNULL(1))
		CheckName("task_name", PG_GETARG_DATUM(1), false);
	args[0] = UUIDPGetDatum(&org_id);
	args[1] = PG_GETARG_DATUM(0);
	args[2] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);

	if (!FlowExecutionVisible(args[0], args[1]))
		ReportFlowExecutionNotFound(PG_GETARG_UUID_P(0));

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQuery(PG_ARGISNULL(1) ? &mark_stale_query : &mark_stale_task_query,
							  args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		ReportUnexpectedSPIResult("mark stale", rc);
	count = SPI_processed;
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_INT64(count);
}

/*-------------------------------------------------------------------------
 *
 * write.c
 *		The write API: create_flow_execution, record_task_output,
 *		set_task_output_status, delete_task_output, restore_task_output and
 *		mark_stale.
 *
 * The functions write through the extension's statements (query.c), in
 * the caller's scope, so row-level security and the tables' triggers
 * apply exactly as they do to a plain INSERT or UPDATE: the column and
 * status rules, the stamps, supersession and the audit trail live in the
 * triggers, once, and these functions only check what the SQL signature
 * cannot (required arguments, a tenant in force, an id that is visible)
 * and name the tenant in every statement.  An id that is unknown, another
 * tenant's, or (for a caller who is not an administrator) soft-deleted is
 * the same PT404: the UPDATE simply finds no row.  A returned task_output
 * is copied out of SPI's memory before SPI_finish frees it.
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
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "authorization.h"
#include "delegation.h"
#include "errors.h"
#include "flow_executions.h"
#include "query.h"
#include "rules.h"
#include "status.h"
#include "task_output.h"
#include "uuid7.h"

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

/* statuses travel as text, cast in SQL: see query.h */
static PreparedQuery record_task_output_query = {
	"INSERT INTO task_outputs.outputs"
	" (flow_execution_id, organization_id, task_name, output, summary, tags, status)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7::task_outputs.task_output_status)"
	" RETURNING " TASK_OUTPUT_COLUMNS,
	7, {UUIDOID, UUIDOID, TEXTOID, JSONBOID, JSONBOID, TEXTARRAYOID, TEXTOID}
};

/* $4: the caller is an administrator, who may see deleted outputs */
static PreparedQuery set_status_query = {
	"UPDATE task_outputs.outputs"
	" SET status = $3::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2"
	" AND (status OPERATOR(pg_catalog.<>) 'deleted'::task_outputs.task_output_status OR $4)"
	" RETURNING " TASK_OUTPUT_COLUMNS,
	4, {UUIDOID, UUIDOID, TEXTOID, BOOLOID}
};

/* the status to restore, read under a row lock */
static PreparedQuery restore_lookup_query = {
	"SELECT status, status_before_delete"
	" FROM task_outputs.outputs"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2"
	" FOR UPDATE",
	2, {UUIDOID, UUIDOID}
};

/* built on first use, from the status machine: see MarkStaleQuery */
static PreparedQuery mark_stale_query = {NULL, 3, {UUIDOID, UUIDOID, TEXTOID}};
static PreparedQuery mark_stale_task_query = {NULL, 3, {UUIDOID, UUIDOID, TEXTOID}};

/*
 * ResultDescriptor
 *		The row type a function returning task_output was called for,
 *		checked to be the one this library renders.
 */
static TupleDesc
ResultDescriptor(FunctionCallInfo fcinfo)
{
	TupleDesc	result_desc;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	CheckTaskOutputDescriptor(result_desc);
	return result_desc;
}

/*
 * RunReturningTaskOutput
 *		Run query, which returns task_output rows, in scope; its first row
 *		formed as result_desc in the caller's memory, or false when it
 *		returned none.
 */
static bool
RunReturningTaskOutput(PreparedQuery *query, StatementScope *scope,
					   Datum *args, const char *nulls, TupleDesc result_desc,
					   Datum *result)
{
	MemoryContext caller_context = CurrentMemoryContext;
	bool		found;
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = RunQuery(query, scope, args, nulls, false, 0);
	if (rc != SPI_OK_INSERT_RETURNING && rc != SPI_OK_UPDATE_RETURNING)
		ReportUnexpectedSPIResult("task output write", rc);
	found = (SPI_processed > 0);
	if (found)
	{
		MemoryContext spi_context = MemoryContextSwitchTo(caller_context);

		*result = HeapTupleGetDatum(CopyTaskOutput(result_desc, SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc));
		MemoryContextSwitchTo(spi_context);
	}
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	return found;
}

/*
 * create_flow_execution
 *		SQL: create a flow execution of the current organization; returns its
 *		id (the given one, or a new UUIDv7).
 */
Datum
create_flow_execution(PG_FUNCTION_ARGS)
{
	Principal	principal;
	StatementScope scope;
	Datum		id;
	Datum		args[3];
	int			rc;

	RequirePrincipal(&principal);
	ResolveActor(&principal);
	RequireArgument(fcinfo, 0, "name");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);
	id = PG_ARGISNULL(1) ? NewUuidV7Datum() : PG_GETARG_DATUM(1);

	args[0] = id;
	args[1] = UUIDPGetDatum(&principal.org_id);
	args[2] = PG_GETARG_DATUM(0);
	InitScope(&scope, &principal, false);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = RunQuery(&create_flow_execution_query, &scope, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT || SPI_processed != 1)
		ReportUnexpectedSPIResult("flow execution insert", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_DATUM(id);
}

/*
 * record_task_output
 *		SQL: record the output of a task; returns the stored task_output.
 */
Datum
record_task_output(PG_FUNCTION_ARGS)
{
	TupleDesc	result_desc = ResultDescriptor(fcinfo);
	Principal	principal;
	StatementScope scope;
	Datum		args[7];
	char		nulls[7];
	Datum		result;

	RequirePrincipal(&principal);
	ResolveActor(&principal);
	RequireArgument(fcinfo, 0, "flow_execution_id");
	RequireArgument(fcinfo, 1, "task_name");
	RequireArgument(fcinfo, 5, "status");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);

	args[0] = PG_GETARG_DATUM(0);
	args[1] = UUIDPGetDatum(&principal.org_id);
	args[2] = PG_GETARG_DATUM(1);
	args[3] = PG_GETARG_DATUM(2);
	args[4] = PG_GETARG_DATUM(3);
	args[5] = PG_GETARG_DATUM(4);
	args[6] = CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(enum_out,
																	  PG_GETARG_DATUM(5))));
	memset(nulls, ' ', sizeof(nulls));
	nulls[3] = PG_ARGISNULL(2) ? 'n' : ' ';
	nulls[4] = PG_ARGISNULL(3) ? 'n' : ' ';
	nulls[5] = PG_ARGISNULL(4) ? 'n' : ' ';

	/* the new row is the caller's, whatever its status */
	InitScope(&scope, &principal, true);
	if (!RunReturningTaskOutput(&record_task_output_query, &scope, args, nulls,
								result_desc, &result))
		ReportUnexpectedSPIResult("task output insert", SPI_OK_INSERT_RETURNING);
	PG_RETURN_DATUM(result);
}

/*
 * SetStatus
 *		Move task output id of the principal's organization to status and
 *		return the stored task_output; the triggers decide whether the
 *		change is allowed.  A soft-deleted output is not found unless the
 *		principal is an administrator.
 */
static Datum
SetStatus(FunctionCallInfo fcinfo, const Principal *principal, Datum id,
		  OutputStatus status)
{
	TupleDesc	result_desc = ResultDescriptor(fcinfo);
	StatementScope scope;
	Datum		args[4];
	Datum		result;

	args[0] = UUIDPGetDatum(&principal->org_id);
	args[1] = id;
	args[2] = CStringGetTextDatum(StatusName(status));
	args[3] = BoolGetDatum(principal->is_admin);
	/* the row may become (or, for an administrator, be) deleted */
	InitScope(&scope, principal, true);
	if (!RunReturningTaskOutput(&set_status_query, &scope, args, NULL, result_desc,
								&result))
		ReportTaskOutputNotFound("id", DatumGetUUIDP(id));
	return result;
}

/*
 * StatusArgument
 *		The OutputStatus of a task_output_status argument.
 */
static OutputStatus
StatusArgument(FunctionCallInfo fcinfo, int argno)
{
	return StatusFromDatum(get_fn_expr_argtype(fcinfo->flinfo, argno),
						   PG_GETARG_DATUM(argno));
}

/*
 * set_task_output_status
 *		SQL: move a task output to another status, by the rules of the status
 *		machine; returns the stored task_output.
 */
Datum
set_task_output_status(PG_FUNCTION_ARGS)
{
	Principal	principal;

	RequirePrincipal(&principal);
	ResolveActor(&principal);
	RequireArgument(fcinfo, 0, "id");
	RequireArgument(fcinfo, 1, "status");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);
	PG_RETURN_DATUM(SetStatus(fcinfo, &principal, PG_GETARG_DATUM(0),
							  StatusArgument(fcinfo, 1)));
}

/*
 * delete_task_output
 *		SQL: soft-delete a task output; returns the stored task_output.
 */
Datum
delete_task_output(PG_FUNCTION_ARGS)
{
	Principal	principal;

	RequirePrincipal(&principal);
	ResolveActor(&principal);
	RequireArgument(fcinfo, 0, "id");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);
	PG_RETURN_DATUM(SetStatus(fcinfo, &principal, PG_GETARG_DATUM(0), OUTPUT_DELETED));
}

/*
 * ReportNotDeleted
 *		PT409 for a restore of an output that is not deleted.
 */
pg_noreturn static void
ReportNotDeleted(Datum id, OutputStatus status)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("task output is not deleted"),
			 errdetail("Task output \"%s\" is \"%s\"; only a deleted task output can be restored.",
					   UuidToCString(DatumGetUUIDP(id)), StatusName(status))));
}

/*
 * restore_task_output
 *		SQL: bring a soft-deleted task output back to the status it had
 *		before; returns the stored task_output.  For administrators; the
 *		trigger checks it again.
 */
Datum
restore_task_output(PG_FUNCTION_ARGS)
{
	Principal	principal;
	StatementScope scope;
	Datum		args[2];
	OutputStatus status;
	bool		have_previous;
	OutputStatus previous = OUTPUT_DELETED;
	bool		isnull;
	int			rc;

	RequirePrincipal(&principal);
	ResolveActor(&principal);
	RequireAdmin("restore task outputs");
	RequireArgument(fcinfo, 0, "id");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);
	args[0] = UUIDPGetDatum(&principal.org_id);
	args[1] = PG_GETARG_DATUM(0);

	InitScope(&scope, &principal, true);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = RunQuery(&restore_lookup_query, &scope, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("restore lookup", rc);
	if (SPI_processed == 0)
		ReportTaskOutputNotFound("id", PG_GETARG_UUID_P(0));
	status = StatusFromDatum(SPI_gettypeid(SPI_tuptable->tupdesc, 1),
							 SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										   1, &isnull));
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	have_previous = !isnull;
	if (have_previous)
		previous = StatusFromDatum(SPI_gettypeid(SPI_tuptable->tupdesc, 2),
								   SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 2, &isnull));
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	if (status != OUTPUT_DELETED)
		ReportNotDeleted(args[1], status);
	if (!have_previous)
		ReportTransitionRejected(OUTPUT_DELETED, OUTPUT_DELETED,
								 "This task output was recorded as deleted and has no earlier status to restore.");
	PG_RETURN_DATUM(SetStatus(fcinfo, &principal, args[1], previous));
}

/*
 * MarkStaleQuery
 *		The UPDATE of mark_stale, of every task or of one: the outputs whose
 *		status the status machine lets become stale.
 */
static PreparedQuery *
MarkStaleQuery(bool one_task)
{
	PreparedQuery *query = one_task ? &mark_stale_task_query : &mark_stale_query;

	if (query->sql == NULL)
		query->sql = MemoryContextStrdup(TopMemoryContext,
										 psprintf("UPDATE task_outputs.outputs"
												  " SET status = %s"
												  " WHERE organization_id OPERATOR(pg_catalog.=) $1"
												  " AND flow_execution_id OPERATOR(pg_catalog.=) $2"
												  "%s"
												  " AND status OPERATOR(pg_catalog.=) ANY (%s)",
												  StatusLiteral(OUTPUT_STALE),
												  one_task ? " AND task_name OPERATOR(pg_catalog.=) $3" : "",
												  StatusesLeadingTo(OUTPUT_STALE)));
	return query;
}

/*
 * mark_stale
 *		SQL: turn the outputs of a flow execution (of one task, when task_name
 *		is given) that may become stale, stale; returns how many.  Outputs
 *		in other states are left alone.
 */
Datum
mark_stale(PG_FUNCTION_ARGS)
{
	Principal	principal;
	StatementScope scope;
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	int64		count;
	int			rc;

	RequirePrincipal(&principal);
	ResolveActor(&principal);
	RequireArgument(fcinfo, 0, "flow_execution_id");
	if (!PG_ARGISNULL(1))
		CheckName("task_name", PG_GETARG_DATUM(1), false);
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);
	args[0] = UUIDPGetDatum(&principal.org_id);
	args[1] = PG_GETARG_DATUM(0);
	args[2] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	if (PG_ARGISNULL(1))
		nulls[2] = 'n';

	if (!FlowExecutionVisible(&principal, args[0], args[1]))
		ReportFlowExecutionNotFound(PG_GETARG_UUID_P(0));

	InitScope(&scope, &principal, false);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = RunQuery(MarkStaleQuery(!PG_ARGISNULL(1)), &scope, args, nulls, false, 0);
	if (rc != SPI_OK_UPDATE)
		ReportUnexpectedSPIResult("mark stale", rc);
	count = SPI_processed;
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	PG_RETURN_INT64(count);
}

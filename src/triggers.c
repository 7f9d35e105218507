/*-------------------------------------------------------------------------
 *
 * triggers.c
 *		BEFORE ROW triggers that make every write obey the column rules,
 *		however it arrives: through the API or a plain INSERT or UPDATE.
 *
 * The triggers check their calling protocol, fill what the writer may leave
 * out (ids, the organization, timestamps), stamp updated_at and
 * last_modified_by, refuse changes to immutable columns, and build the new
 * tuple with heap_modify_tuple_by_cols.  An error leaves nothing written.
 * The flow execution lookup runs through SPI as the invoking user, so row
 * level security decides what is visible: another tenant's flow execution
 * is reported exactly like an unknown one.
 *
 * Both tables' first columns are in the order of the task_output type and
 * of FlowExecutionColumn respectively; the triggers check the column count
 * so that a library and a table definition that disagree fail loudly.
 *
 * src/triggers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "query.h"
#include "rules.h"
#include "task_outputs.h"

PG_FUNCTION_INFO_V1(outputs_before_write);
PG_FUNCTION_INFO_V1(flow_executions_before_write);

/* Columns of task_outputs.flow_executions, in order */
typedef enum FlowExecutionColumn
{
	FE_ID,
	FE_ORGANIZATION_ID,
	FE_NAME,
	FE_CREATED_AT,
	FLOW_EXECUTION_NATTS
} FlowExecutionColumn;

/* task_outputs.outputs: the task_output columns, in order */
#define OUTPUTS_NATTS TASK_OUTPUT_NATTS

static PreparedQuery flow_execution_visible_query = {
	"SELECT FROM task_outputs.flow_executions"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID}
};

/*
 * CheckTriggerProtocol
 *		Fail unless called as a BEFORE ROW trigger on INSERT or UPDATE of a
 *		table with natts columns.
 */
static TriggerData *
CheckTriggerProtocol(FunctionCallInfo fcinfo, const char *name, int natts)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager", name)));
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		  TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired BEFORE INSERT OR UPDATE FOR EACH ROW", name)));
	if (RelationGetDescr(trigdata->tg_relation)->natts != natts)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" does not have the columns this version of the task_outputs library expects",
						RelationGetRelationName(trigdata->tg_relation)),
				 errhint("Run ALTER EXTENSION task_outputs UPDATE, or install the library that matches the extension's version.")));
	return trigdata;
}

/*
 * ReportImmutable
 *		PT409 for a change to a column that never changes after insert.
 */
static void
ReportImmutable(const char *table, const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("cannot change %s of a %s", column, table),
			 errdetail("%s is fixed when the %s is created.", column, table)));
}

/*
 * CheckUnchanged
 *		ReportImmutable unless column attnum (0-based) has the same value in
 *		the old and the new row.
 */
static void
CheckUnchanged(TupleDesc tupdesc, int column, Datum *old_values, bool *old_isnull,
			   Datum *new_values, bool *new_isnull, const char *table)
{
	Form_pg_attribute attr = TupleDescAttr(tupdesc, column);

	if (old_isnull[column] != new_isnull[column] ||
		(!old_isnull[column] &&
		 !datum_image_eq(old_values[column], new_values[column],
						 attr->attbyval, attr->attlen)))
		ReportImmutable(table, NameStr(attr->attname));
}

/*
 * FlowExecutionVisible
 *		Whether flow execution id of organization org_id is visible to the
 *		current user (row-level security applies).
 */
static bool
FlowExecutionVisible(Datum org_id, Datum id)
{
	Datum		args[2];
	int			rc;
	bool		found;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = org_id;
	args[1] = id;
	rc = ExecutePreparedQuery(&flow_execution_visible_query, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("flow execution lookup", rc);
	found = (SPI_processed > 0);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	return found;
}

/*
 * ResolveOrganization
 *		The organization of a new task output: inherited from its flow
 *		execution.  A supplied organization_id is looked up as given; when
 *		it differs from the tenant in force and the flow execution belongs
 *		to the tenant, the mismatch is reported as such.
 */
static Datum
ResolveOrganization(Datum flow_execution_id, Datum supplied, bool supplied_isnull)
{
	pg_uuid_t  *tenant = palloc(sizeof(pg_uuid_t));
	bool		have_tenant = GetCurrentOrgId(tenant);
	Datum		org_id;

	if (!supplied_isnull)
		org_id = supplied;
	else if (have_tenant)
		org_id = UUIDPGetDatum(tenant);
	else
		ReportNoTenant();

	if (FlowExecutionVisible(org_id, flow_execution_id))
		return org_id;

	if (!supplied_isnull && have_tenant &&
		memcmp(DatumGetUUIDP(supplied), tenant, sizeof(pg_uuid_t)) != 0 &&
		FlowExecutionVisible(UUIDPGetDatum(tenant), flow_execution_id))
		ReportInvalidArgument("organization_id",
							  psprintf("organization_id \"%s\" differs from the organization of flow execution \"%s\", which a task output inherits.",
									   UuidToCString(DatumGetUUIDP(supplied)),
									   UuidToCString(DatumGetUUIDP(flow_execution_id))));
	ReportFlowExecutionNotFound(DatumGetUUIDP(flow_execution_id));
}

/*
 * NewUuidV7Datum
 *		A fresh version 7 UUID as a Datum.
 */
static Datum
NewUuidV7Datum(void)
{
	pg_uuid_t  *uuid = palloc(sizeof(pg_uuid_t));

	GenerateUuidV7(uuid);
	return UUIDPGetDatum(uuid);
}

/*
 * outputs_before_write
 *		Trigger on task_outputs.outputs: BEFORE INSERT OR UPDATE FOR EACH ROW.
 */
Datum
outputs_before_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_before_write",
												 OUTPUTS_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	bool		is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	HeapTuple	newtuple = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	int			repl_cols[OUTPUTS_NATTS];
	Datum		repl_values[OUTPUTS_NATTS];
	bool		repl_isnull[OUTPUTS_NATTS];
	int			nrepl = 0;
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());

	heap_deform_tuple(newtuple, tupdesc, values, isnull);

	if (is_insert)
	{
		if (isnull[TO_ID])
		{
			repl_cols[nrepl] = TO_ID + 1;
			repl_values[nrepl] = NewUuidV7Datum();
			repl_isnull[nrepl++] = false;
		}
		if (isnull[TO_FLOW_EXECUTION_ID])
			ReportInvalidArgument("flow_execution_id",
								  "flow_execution_id must not be null.");
		repl_cols[nrepl] = TO_ORGANIZATION_ID + 1;
		repl_values[nrepl] = ResolveOrganization(values[TO_FLOW_EXECUTION_ID],
												 values[TO_ORGANIZATION_ID],
												 isnull[TO_ORGANIZATION_ID]);
		repl_isnull[nrepl++] = false;
		if (isnull[TO_CREATED_AT])
		{
			repl_cols[nrepl] = TO_CREATED_AT + 1;
			repl_values[nrepl] = now;
			repl_isnull[nrepl++] = false;
		}
	}
	else
	{
		Datum		old_values[OUTPUTS_NATTS];
		bool		old_isnull[OUTPUTS_NATTS];

		heap_deform_tuple(trigdata->tg_trigtuple, tupdesc, old_values, old_isnull);
		CheckUnchanged(tupdesc, TO_ID, old_values, old_isnull, values, isnull, "task output");
		CheckUnchanged(tupdesc, TO_ORGANIZATION_ID, old_values, old_isnull, values, isnull, "task output");
		CheckUnchanged(tupdesc, TO_FLOW_EXECUTION_ID, old_values, old_isnull, values, isnull, "task output");
		CheckUnchanged(tupdesc, TO_CREATED_AT, old_values, old_isnull, values, isnull, "task output");
	}

	CheckName("task_name", values[TO_TASK_NAME], isnull[TO_TASK_NAME]);
	if (isnull[TO_STATUS])
		ReportInvalidArgument("status", "status must not be null.");
	CheckSummary(values[TO_SUMMARY], isnull[TO_SUMMARY]);
	CheckTags(values[TO_TAGS], isnull[TO_TAGS]);
	CheckOutputSize(values[TO_SUMMARY], isnull[TO_SUMMARY],
					values[TO_OUTPUT], isnull[TO_OUTPUT]);

	repl_cols[nrepl] = TO_LAST_MODIFIED_BY + 1;
	repl_values[nrepl] = CStringGetTextDatum(GetCurrentActor());
	repl_isnull[nrepl++] = false;
	repl_cols[nrepl] = TO_UPDATED_AT + 1;
	repl_values[nrepl] = now;
	repl_isnull[nrepl++] = false;

	return PointerGetDatum(heap_modify_tuple_by_cols(newtuple, tupdesc, nrepl,
													 repl_cols, repl_values,
													 repl_isnull));
}

/*
 * flow_executions_before_write
 *		Trigger on task_outputs.flow_executions: BEFORE INSERT OR UPDATE FOR
 *		EACH ROW.
 */
Datum
flow_executions_before_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "flow_executions_before_write",
												 FLOW_EXECUTION_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	bool		is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	HeapTuple	newtuple = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	Datum		values[FLOW_EXECUTION_NATTS];
	bool		isnull[FLOW_EXECUTION_NATTS];
	int			repl_cols[FLOW_EXECUTION_NATTS];
	Datum		repl_values[FLOW_EXECUTION_NATTS];
	bool		repl_isnull[FLOW_EXECUTION_NATTS];
	int			nrepl = 0;

	heap_deform_tuple(newtuple, tupdesc, values, isnull);

	if (is_insert)
	{
		if (isnull[FE_ID])
		{
			repl_cols[nrepl] = FE_ID + 1;
			repl_values[nrepl] = NewUuidV7Datum();
			repl_isnull[nrepl++] = false;
		}
		if (isnull[FE_ORGANIZATION_ID])
		{
			pg_uuid_t  *tenant = palloc(sizeof(pg_uuid_t));

			RequireCurrentOrgId(tenant);
			repl_cols[nrepl] = FE_ORGANIZATION_ID + 1;
			repl_values[nrepl] = UUIDPGetDatum(tenant);
			repl_isnull[nrepl++] = false;
		}
		if (isnull[FE_CREATED_AT])
		{
			repl_cols[nrepl] = FE_CREATED_AT + 1;
			repl_values[nrepl] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
			repl_isnull[nrepl++] = false;
		}
	}
	else
	{
		Datum		old_values[FLOW_EXECUTION_NATTS];
		bool		old_isnull[FLOW_EXECUTION_NATTS];

		heap_deform_tuple(trigdata->tg_trigtuple, tupdesc, old_values, old_isnull);
		CheckUnchanged(tupdesc, FE_ID, old_values, old_isnull, values, isnull, "flow execution");
		CheckUnchanged(tupdesc, FE_ORGANIZATION_ID, old_values, old_isnull, values, isnull, "flow execution");
		CheckUnchanged(tupdesc, FE_CREATED_AT, old_values, old_isnull, values, isnull, "flow execution");
	}

	CheckName("name", values[FE_NAME], isnull[FE_NAME]);

	if (nrepl == 0)
		return PointerGetDatum(newtuple);
	return PointerGetDatum(heap_modify_tuple_by_cols(newtuple, tupdesc, nrepl,
													 repl_cols, repl_values,
													 repl_isnull));
}

/*-------------------------------------------------------------------------
 *
 * triggers.c
 *		Row triggers that make every write obey the column and status rules,
 *		however it arrives: through the API or a plain INSERT, UPDATE or
 *		DELETE.
 *
 * The BEFORE INSERT OR UPDATE triggers check their calling protocol, fill
 * what the writer may leave out (ids, the organization, timestamps), stamp
 * updated_at and last_modified_by, refuse changes to immutable columns, and
 * build the new tuple with heap_modify_tuple_by_cols.  On task outputs they
 * also enforce the status machine (status.c), keep the internal column
 * status_before_delete (the status a restore goes back to), and make a new
 * "completed" output supersede the earlier completed outputs of its
 * (organization, flow execution, task name).  The BEFORE DELETE trigger
 * turns a tenant's DELETE into a soft delete; only purge_task_outputs
 * deletes rows for real.  An error anywhere leaves nothing written: the
 * statement, and whatever the trigger did through SPI within it, is
 * rolled back together.
 *
 * Every query runs through SPI as the invoking user, so row-level security
 * decides what is visible: another tenant's flow execution is reported
 * exactly like an unknown one.  The audit trail is written by a separate
 * AFTER trigger (audit.c), so that only changes that were really made are
 * recorded.
 *
 * A new "completed" output supersedes the earlier completed outputs of its
 * task (supersede.c); the flow execution of a new output must be visible to
 * the writer (flow_executions.c, which remembers the answer for the
 * transaction).
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
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "flow_executions.h"
#include "query.h"
#include "rules.h"
#include "status.h"
#include "supersede.h"
#include "task_outputs.h"
#include "triggers.h"

PG_FUNCTION_INFO_V1(outputs_before_write);
PG_FUNCTION_INFO_V1(outputs_before_delete);
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

static PreparedQuery soft_delete_query = {
	"UPDATE task_outputs.outputs"
	" SET status = 'deleted'::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID}
};

/*
 * CheckTriggerProtocol
 *		Fail unless called as a ROW trigger, BEFORE (or AFTER) one of events,
 *		on a table with natts columns; expected says how it must be fired.
 */
TriggerData *
CheckTriggerProtocol(FunctionCallInfo fcinfo, const char *name, bool before,
					 int events, const char *expected, int natts)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager", name)));
	if ((before ? !TRIGGER_FIRED_BEFORE(trigdata->tg_event)
		 : !TRIGGER_FIRED_AFTER(trigdata->tg_event)) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!(events & EVENT_BIT(trigdata->tg_event & TRIGGER_EVENT_OPMASK)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired %s", name, expected)));
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
 * ColumnChanged
 *		Whether column (0-based) differs between the old and the new row.
 */
static bool
ColumnChanged(TupleDesc tupdesc, int column, Datum *old_values, bool *old_isnull,
			  Datum *new_values, bool *new_isnull)
{
	Form_pg_attribute attr = TupleDescAttr(tupdesc, column);

	return old_isnull[column] != new_isnull[column] ||
		(!old_isnull[column] &&
		 !datum_image_eq(old_values[column], new_values[column],
						 attr->attbyval, attr->attlen));
}

/*
 * CheckUnchanged
 *		ReportImmutable unless column (0-based) has the same value in the old
 *		and the new row.
 */
static void
CheckUnchanged(TupleDesc tupdesc, int column, Datum *old_values, bool *old_isnull,
			   Datum *new_values, bool *new_isnull, const char *table)
{
	if (ColumnChanged(tupdesc, column, old_values, old_isnull, new_values, new_isnull))
		ReportImmutable(table, NameStr(TupleDescAttr(tupdesc, column)->attname));
}

/*
 * ResolveOrganization
 *		The organization of a new task output: inherited from its flow
 *		execution.  A supplied organization_id is looked up as given; when
 *		it differs from the tenant in force and the flow execution belongs
 *		to the tenant, the mismatch is reported as such.  tenant: the
 *		organization in force, NULL when none is.
 */
static Datum
ResolveOrganization(Datum flow_execution_id, Datum supplied, bool supplied_isnull,
					pg_uuid_t *tenant)
{
	bool		have_tenant = (tenant != NULL);
	Datum		org_id;

	if (!supplied_isnull)
		org_id = supplied;
	else if (have_tenant)
		org_id = UUIDPGetDatum(tenant);
	else
		ReportNoTenant();

	if (FlowExecutionVisibleOnce(org_id, flow_execution_id))
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
 * ReportDeletedUnchangeable
 *		PT409 for a change to a soft-deleted output other than its restore.
 */
static void
ReportDeletedUnchangeable(Datum id)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("cannot change a deleted task output"),
			 errdetail("Task output \"%s\" is deleted; it is kept unchanged for the audit trail.",
					   UuidToCString(DatumGetUUIDP(id))),
			 errhint("An administrator can restore it with task_outputs.restore_task_output().")));
}

/*
 * CheckRestore
 *		A change of status away from "deleted": only back to the status the
 *		output had before (PT409 otherwise, as for any transition the rules
 *		do not allow), only by an administrator (42501), and the restore
 *		changes nothing else.
 */
static void
CheckRestore(TupleDesc tupdesc, TaskOutputStatus to, Datum *old_values, bool *old_isnull,
			 Datum *values, bool *isnull)
{
	Oid			status_type = TupleDescAttr(tupdesc, TO_STATUS)->atttypid;
	TaskOutputStatus previous;
	int			column;

	if (old_isnull[OUT_STATUS_BEFORE_DELETE])
		ReportTransitionRejected(STATUS_DELETED, to,
								 "This task output was recorded as deleted and has no earlier status to restore.");
	previous = StatusFromDatum(status_type, old_values[OUT_STATUS_BEFORE_DELETE]);
	if (previous != to)
		ReportTransitionRejected(STATUS_DELETED, to,
								 psprintf("A deleted task output can only be restored to the status it had before: \"%s\".",
										  StatusName(previous)));
	if (!CurrentUserIsAdmin())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to restore task output \"%s\"",
						UuidToCString(DatumGetUUIDP(old_values[TO_ID]))),
				 errdetail("Only members of task_outputs_admin may restore a deleted task output.")));
	for (column = TO_TASK_NAME; column < TASK_OUTPUT_NATTS; column++)
	{
		if (column == TO_STATUS || column == TO_LAST_MODIFIED_BY ||
			column == TO_UPDATED_AT)
			continue;
		if (ColumnChanged(tupdesc, column, old_values, old_isnull, values, isnull))
			ereport(ERROR,
					(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
					 errmsg("cannot change %s of a task output while restoring it",
							NameStr(TupleDescAttr(tupdesc, column)->attname)),
					 errdetail("A restore brings a deleted task output back as it was; only its status changes.")));
	}
}

/*
 * IsTrustedLoad
 *		Whether an INSERT is a trusted load: by a superuser with no
 *		organization in force, as pg_restore (or a DBA's COPY) writes rows
 *		back.  Such rows keep the stamps they were dumped with; every column
 *		rule still applies.
 */
static bool
IsTrustedLoad(bool have_tenant)
{
	return superuser() && !have_tenant;
}

/*
 * outputs_before_write
 *		Trigger on task_outputs.outputs: BEFORE INSERT OR UPDATE FOR EACH ROW.
 */
Datum
outputs_before_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_before_write", true,
												 EVENT_BIT(TRIGGER_EVENT_INSERT) |
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "BEFORE INSERT OR UPDATE FOR EACH ROW",
												 OUTPUTS_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	Oid			status_type = TupleDescAttr(tupdesc, TO_STATUS)->atttypid;
	bool		is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	HeapTuple	newtuple = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	int			repl_cols[OUTPUTS_NATTS];
	Datum		repl_values[OUTPUTS_NATTS];
	bool		repl_isnull[OUTPUTS_NATTS];
	int			nrepl = 0;
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	Datum		org_id;
	TaskOutputStatus status;
	bool		supersede;
	Datum		before_delete = (Datum) 0;
	bool		before_delete_isnull = true;
	bool		trusted_load = false;

	heap_deform_tuple(newtuple, tupdesc, values, isnull);
	if (isnull[TO_STATUS])
		ReportInvalidArgument("status", "status must not be null.");
	status = StatusFromDatum(status_type, values[TO_STATUS]);
	if (is_insert)
	{
		pg_uuid_t  *tenant = palloc(sizeof(pg_uuid_t));
		bool		have_tenant = GetCurrentOrgId(tenant);

		trusted_load = IsTrustedLoad(have_tenant);
		if (isnull[TO_ID])
		{
			repl_cols[nrepl] = TO_ID + 1;
			repl_values[nrepl] = NewUuidV7Datum();
			repl_isnull[nrepl++] = false;
		}
		if (isnull[TO_FLOW_EXECUTION_ID])
			ReportInvalidArgument("flow_execution_id",
								  "flow_execution_id must not be null.");
		org_id = ResolveOrganization(values[TO_FLOW_EXECUTION_ID],
									 values[TO_ORGANIZATION_ID],
									 isnull[TO_ORGANIZATION_ID],
									 have_tenant ? tenant : NULL);
		repl_cols[nrepl] = TO_ORGANIZATION_ID + 1;
		repl_values[nrepl] = org_id;
		repl_isnull[nrepl++] = false;
		if (isnull[TO_CREATED_AT])
		{
			repl_cols[nrepl] = TO_CREATED_AT + 1;
			repl_values[nrepl] = now;
			repl_isnull[nrepl++] = false;
		}
		supersede = (status == STATUS_COMPLETED);
	}
	else
	{
		Datum		old_values[OUTPUTS_NATTS];
		bool		old_isnull[OUTPUTS_NATTS];
		TaskOutputStatus old_status;

		heap_deform_tuple(trigdata->tg_trigtuple, tupdesc, old_values, old_isnull);
		CheckUnchanged(tupdesc, TO_ID, old_values, old_isnull, values, isnull, "task output");
		CheckUnchanged(tupdesc, TO_ORGANIZATION_ID, old_values, old_isnull, values, isnull, "task output");
		CheckUnchanged(tupdesc, TO_FLOW_EXECUTION_ID, old_values, old_isnull, values, isnull, "task output");
		CheckUnchanged(tupdesc, TO_CREATED_AT, old_values, old_isnull, values, isnull, "task output");
		org_id = old_values[TO_ORGANIZATION_ID];

		old_status = StatusFromDatum(status_type, old_values[TO_STATUS]);
		if (old_status == STATUS_DELETED)
		{
			if (status == STATUS_DELETED)
				ReportDeletedUnchangeable(old_values[TO_ID]);
			CheckRestore(tupdesc, status, old_values, old_isnull, values, isnull);
		}
		else if (status != old_status)
		{
			if (!StatusTransitionAllowed(old_status, status))
				ReportTransitionRejected(old_status, status, NULL);
			if (status == STATUS_DELETED)
			{
				before_delete = old_values[TO_STATUS];
				before_delete_isnull = false;
			}
		}
		supersede = (status == STATUS_COMPLETED && old_status != STATUS_COMPLETED);
	}

	CheckName("task_name", values[TO_TASK_NAME], isnull[TO_TASK_NAME]);
	CheckSummary(values[TO_SUMMARY], isnull[TO_SUMMARY]);
	CheckTags(values[TO_TAGS], isnull[TO_TAGS]);
	CheckOutputSize(values[TO_SUMMARY], isnull[TO_SUMMARY],
					values[TO_OUTPUT], isnull[TO_OUTPUT]);

	if (trusted_load)
	{
		/*
		 * A restore or a DBA's bulk load: the row is taken as it was written
		 * (stamps, the status before a soft delete); only what is missing is
		 * filled in, and the rows it loads are not superseded.
		 */
		if (isnull[TO_LAST_MODIFIED_BY] ||
			!IsValidActor(TextDatumGetCString(values[TO_LAST_MODIFIED_BY])))
			ReportInvalidArgument("last_modified_by",
								  "last_modified_by of a loaded row must be \"system\", a UUID, or an identifier matching ^[a-z][a-z0-9_-]{0,62}$.");
		if (isnull[TO_UPDATED_AT])
		{
			repl_cols[nrepl] = TO_UPDATED_AT + 1;
			repl_values[nrepl] = now;
			repl_isnull[nrepl++] = false;
		}
		if (status != STATUS_DELETED)
		{
			repl_cols[nrepl] = OUT_STATUS_BEFORE_DELETE + 1;
			repl_values[nrepl] = (Datum) 0;
			repl_isnull[nrepl++] = true;
		}
		supersede = false;
	}
	else
	{
		repl_cols[nrepl] = TO_LAST_MODIFIED_BY + 1;
		repl_values[nrepl] = CStringGetTextDatum(GetCurrentActor());
		repl_isnull[nrepl++] = false;
		repl_cols[nrepl] = TO_UPDATED_AT + 1;
		repl_values[nrepl] = now;
		repl_isnull[nrepl++] = false;
		/* the internal column is the trigger's alone, whatever the writer said */
		repl_cols[nrepl] = OUT_STATUS_BEFORE_DELETE + 1;
		repl_values[nrepl] = before_delete;
		repl_isnull[nrepl++] = before_delete_isnull;
	}

	/* last, once the row is known to be acceptable */
	if (supersede)
		SupersedeCompleted(trigdata->tg_relation, org_id, values[TO_FLOW_EXECUTION_ID],
						   values[TO_TASK_NAME]);

	return PointerGetDatum(heap_modify_tuple_by_cols(newtuple, tupdesc, nrepl,
													 repl_cols, repl_values,
													 repl_isnull));
}

/*
 * outputs_before_delete
 *		Trigger on task_outputs.outputs: BEFORE DELETE FOR EACH ROW.
 *
 * A DELETE never destroys a task output: the row is soft-deleted instead
 * (an UPDATE to "deleted", which the update trigger checks and stamps and
 * the audit trigger records) and the physical delete is skipped.  A row
 * that is already deleted is left as it is.  Only purge_task_outputs, while
 * it runs in this backend, lets the delete through.
 */
Datum
outputs_before_delete(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_before_delete", true,
												 EVENT_BIT(TRIGGER_EVENT_DELETE),
												 "BEFORE DELETE FOR EACH ROW",
												 OUTPUTS_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	HeapTuple	oldtuple = trigdata->tg_trigtuple;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	Datum		args[2];
	int			rc;

	if (PurgeInProgress())
		return PointerGetDatum(oldtuple);

	heap_deform_tuple(oldtuple, tupdesc, values, isnull);
	if (StatusFromDatum(TupleDescAttr(tupdesc, TO_STATUS)->atttypid,
						values[TO_STATUS]) == STATUS_DELETED)
		return PointerGetDatum(NULL);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = values[TO_ORGANIZATION_ID];
	args[1] = values[TO_ID];
	rc = ExecutePreparedQuery(&soft_delete_query, args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		ReportUnexpectedSPIResult("soft delete", rc);
	if (SPI_processed != 1)
		ReportTaskOutputNotFound("id", DatumGetUUIDP(values[TO_ID]));
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	return PointerGetDatum(NULL);
}

/*
 * flow_executions_before_write
 *		Trigger on task_outputs.flow_executions: BEFORE INSERT OR UPDATE FOR
 *		EACH ROW.
 */
Datum
flow_executions_before_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "flow_executions_before_write", true,
												 EVENT_BIT(TRIGGER_EVENT_INSERT) |
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "BEFORE INSERT OR UPDATE FOR EACH ROW",
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

			RequireAuthorizedOrgId(tenant);
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

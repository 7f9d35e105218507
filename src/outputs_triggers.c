/*-------------------------------------------------------------------------
 *
 * outputs_triggers.c
 *		The BEFORE row triggers of task_outputs.outputs, which make every
 *		write obey the column and status rules however it arrives: through
 *		the API or a plain INSERT, UPDATE or DELETE.
 *
 * One function per event, as core's ri_triggers.c does it:
 *	- BeforeInsert fills what the writer may leave out (id, the
 *	  organization, inherited from the flow execution, which the writer
 *	  must see; created_at) and stamps the row;
 *	- BeforeUpdate refuses changes to the immutable columns, asks the
 *	  status machine (status.c) about a change of status, keeps the status
 *	  before a soft delete, lets an administrator restore a deleted output
 *	  to it, and stamps the row;
 *	- outputs_before_delete turns a DELETE into a soft delete.
 * A row that becomes "completed" takes its flow execution's row lock here
 * (once per transaction); the earlier completed outputs of its task are
 * turned stale only once the row is known to be written (supersede.c).
 * An error anywhere leaves nothing written: the statement, and whatever the
 * trigger did within it, is rolled back together.
 *
 * The writer is the API's caller when the write is one of the extension's
 * statements, else the current role acting for the organization in force
 * (authorization.c, GetWriterPrincipal).  A superuser's INSERT with no
 * organization in force is a trusted load, as pg_restore writes rows back:
 * the row keeps the stamps it was dumped with; every column rule still
 * applies.  The trigger's own statements run in the writer's scope
 * (query.c), so row-level security decides what it sees: another tenant's
 * flow execution is reported exactly like an unknown one.
 *
 * src/outputs_triggers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "errors.h"
#include "flow_executions.h"
#include "purge.h"
#include "query.h"
#include "rules.h"
#include "status.h"
#include "task_output.h"
#include "tenant.h"
#include "triggers.h"
#include "uuid7.h"

PG_FUNCTION_INFO_V1(outputs_before_write);
PG_FUNCTION_INFO_V1(outputs_before_delete);

static PreparedQuery soft_delete_query = {
	"UPDATE task_outputs.outputs"
	" SET status = 'deleted'::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID}
};

/*
 * ReportOrganizationMismatch
 *		PT400 for a supplied organization_id that is not the one of the flow
 *		execution the output belongs to.
 */
pg_noreturn static void
ReportOrganizationMismatch(Datum supplied, Datum flow_execution_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
			 errmsg("invalid organization_id"),
			 errdetail("Column \"organization_id\" (\"%s\") differs from the organization of flow execution \"%s\", which a task output inherits.",
					   UuidToCString(DatumGetUUIDP(supplied)),
					   UuidToCString(DatumGetUUIDP(flow_execution_id))),
			 errhint("Leave \"organization_id\" out; it is inherited.")));
}

/*
 * ReportDeletedUnchangeable
 *		PT409 for a change to a soft-deleted output other than its restore.
 */
pg_noreturn static void
ReportDeletedUnchangeable(Datum id)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("cannot change a deleted task output"),
			 errdetail("Task output \"%s\" is deleted; it is kept unchanged for the audit trail.",
					   UuidToCString(DatumGetUUIDP(id))),
			 errhint("An administrator can restore it with \"task_outputs.restore_task_output()\".")));
}

/*
 * ResolveOrganization
 *		The organization of a new task output: inherited from its flow
 *		execution, which the writer must see.  A supplied organization_id is
 *		looked up as given; when it differs from the writer's and the flow
 *		execution is the writer's, the mismatch is reported as such.
 */
static Datum
ResolveOrganization(const Principal *writer, Datum flow_execution_id,
					Datum supplied, bool supplied_isnull)
{
	Datum		org_id = supplied_isnull ? UUIDPGetDatum(&writer->org_id) : supplied;

	if (FlowExecutionVisibleOnce(writer, org_id, flow_execution_id))
		return org_id;
	if (!supplied_isnull &&
		FlowExecutionVisible(writer, UUIDPGetDatum(&writer->org_id), flow_execution_id))
		ReportOrganizationMismatch(supplied, flow_execution_id);
	ReportFlowExecutionNotFound(DatumGetUUIDP(flow_execution_id));
}

/*
 * CheckRows
 *		The column rules every written row obeys.
 */
static void
CheckRows(Datum *values, bool *isnull)
{
	CheckName("task_name", values[TO_TASK_NAME], isnull[TO_TASK_NAME]);
	CheckSummary(values[TO_SUMMARY], isnull[TO_SUMMARY]);
	CheckTags(values[TO_TAGS], isnull[TO_TAGS]);
	CheckOutputSize(values[TO_SUMMARY], isnull[TO_SUMMARY],
					values[TO_OUTPUT], isnull[TO_OUTPUT]);
}

/*
 * Stamp
 *		Who wrote the row (the writer's actor) and when; the internal column
 *		is the trigger's alone, whatever the writer said.
 */
static void
Stamp(ColumnReplacements *repl, const Principal *writer, Datum before_delete,
	  bool before_delete_isnull)
{
	ReplaceColumn(repl, TO_LAST_MODIFIED_BY, CStringGetTextDatum(writer->actor), false);
	ReplaceColumn(repl, TO_UPDATED_AT,
				  TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), false);
	ReplaceColumn(repl, OUT_STATUS_BEFORE_DELETE, before_delete, before_delete_isnull);
}

/*
 * BeforeInsert
 *		The row an INSERT writes, completed and checked.
 */
static HeapTuple
BeforeInsert(TriggerData *trigdata)
{
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	HeapTuple	newtuple = trigdata->tg_trigtuple;
	Oid			status_type = TupleDescAttr(tupdesc, TO_STATUS)->atttypid;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	ColumnReplacements repl = {0};
	Principal  *writer = palloc(sizeof(Principal));
	bool		trusted_load = false;
	OutputStatus status;
	Datum		org_id;

	heap_deform_tuple(newtuple, tupdesc, values, isnull);
	if (isnull[TO_STATUS])
		ReportNullColumn("status");
	status = StatusFromDatum(status_type, values[TO_STATUS]);
	if (isnull[TO_FLOW_EXECUTION_ID])
		ReportNullColumn("flow_execution_id");

	if (!GetWriterPrincipal(writer))
	{
		/* a superuser with no tenant: the row names its organization */
		if (!superuser() || isnull[TO_ORGANIZATION_ID])
			ReportNoTenant();
		trusted_load = true;
		writer->org_id = *DatumGetUUIDP(values[TO_ORGANIZATION_ID]);
		writer->is_admin = true;
	}

	if (isnull[TO_ID])
		ReplaceColumn(&repl, TO_ID, NewUuidV7Datum(), false);
	org_id = ResolveOrganization(writer, values[TO_FLOW_EXECUTION_ID],
								 values[TO_ORGANIZATION_ID], isnull[TO_ORGANIZATION_ID]);
	ReplaceColumn(&repl, TO_ORGANIZATION_ID, org_id, false);
	if (isnull[TO_CREATED_AT])
		ReplaceColumn(&repl, TO_CREATED_AT,
					  TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), false);
	CheckRows(values, isnull);

	if (trusted_load)
	{
		/* taken as it was written; only what is missing is filled in */
		CheckActorColumn(values[TO_LAST_MODIFIED_BY], isnull[TO_LAST_MODIFIED_BY]);
		if (isnull[TO_UPDATED_AT])
			ReplaceColumn(&repl, TO_UPDATED_AT,
						  TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), false);
		if (status != OUTPUT_DELETED)
			ReplaceColumn(&repl, OUT_STATUS_BEFORE_DELETE, (Datum) 0, true);
		return ReplaceColumns(newtuple, tupdesc, &repl);
	}

	Stamp(&repl, writer, (Datum) 0, true);
	if (status == OUTPUT_COMPLETED)
		(void) LockFlowExecutionOnce(writer, org_id, values[TO_FLOW_EXECUTION_ID]);
	return ReplaceColumns(newtuple, tupdesc, &repl);
}

/*
 * CheckRestore
 *		A change of status away from "deleted": only back to the status the
 *		output had before (PT409 otherwise, as for any transition the rules
 *		do not allow), only by an administrator (42501), and the restore
 *		changes nothing else.
 */
static void
CheckRestore(TupleDesc tupdesc, OutputStatus to, bool writer_is_admin,
			 Datum *old_values, bool *old_isnull, Datum *values, bool *isnull)
{
	Oid			status_type = TupleDescAttr(tupdesc, TO_STATUS)->atttypid;
	OutputStatus previous;
	int			column;

	if (old_isnull[OUT_STATUS_BEFORE_DELETE])
		ReportTransitionRejected(OUTPUT_DELETED, to,
								 "This task output was recorded as deleted and has no earlier status to restore.");
	previous = StatusFromDatum(status_type, old_values[OUT_STATUS_BEFORE_DELETE]);
	if (previous != to)
		ReportTransitionRejected(OUTPUT_DELETED, to,
								 psprintf("A deleted task output can only be restored to the status it had before: \"%s\".",
										  StatusName(previous)));
	if (!writer_is_admin)
		ReportPermissionDenied(psprintf("restore task output \"%s\"",
										UuidToCString(DatumGetUUIDP(old_values[TO_ID]))),
							   "task_outputs_admin");
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
 * BeforeUpdate
 *		The row an UPDATE writes, checked against the old one and stamped.
 */
static HeapTuple
BeforeUpdate(TriggerData *trigdata)
{
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	HeapTuple	newtuple = trigdata->tg_newtuple;
	Oid			status_type = TupleDescAttr(tupdesc, TO_STATUS)->atttypid;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	Datum		old_values[OUTPUTS_NATTS];
	bool		old_isnull[OUTPUTS_NATTS];
	ColumnReplacements repl = {0};
	Principal  *writer = palloc(sizeof(Principal));
	OutputStatus old_status;
	OutputStatus status;
	Datum		before_delete = (Datum) 0;
	bool		before_delete_isnull = true;

	heap_deform_tuple(newtuple, tupdesc, values, isnull);
	heap_deform_tuple(trigdata->tg_trigtuple, tupdesc, old_values, old_isnull);
	CheckUnchanged(tupdesc, TO_ID, old_values, old_isnull, values, isnull, "task output");
	CheckUnchanged(tupdesc, TO_ORGANIZATION_ID, old_values, old_isnull, values, isnull, "task output");
	CheckUnchanged(tupdesc, TO_FLOW_EXECUTION_ID, old_values, old_isnull, values, isnull, "task output");
	CheckUnchanged(tupdesc, TO_CREATED_AT, old_values, old_isnull, values, isnull, "task output");
	if (isnull[TO_STATUS])
		ReportNullColumn("status");

	GetRowWriterPrincipal(writer, DatumGetUUIDP(old_values[TO_ORGANIZATION_ID]));

	old_status = StatusFromDatum(status_type, old_values[TO_STATUS]);
	status = StatusFromDatum(status_type, values[TO_STATUS]);
	if (old_status == OUTPUT_DELETED)
	{
		if (status == OUTPUT_DELETED)
			ReportDeletedUnchangeable(old_values[TO_ID]);
		CheckRestore(tupdesc, status, writer->is_admin, old_values, old_isnull,
					 values, isnull);
	}
	else if (status != old_status)
	{
		if (!StatusTransitionAllowed(old_status, status))
			ReportTransitionRejected(old_status, status, NULL);
		if (status == OUTPUT_DELETED)
		{
			before_delete = old_values[TO_STATUS];
			before_delete_isnull = false;
		}
	}
	CheckRows(values, isnull);

	Stamp(&repl, writer, before_delete, before_delete_isnull);
	if (status == OUTPUT_COMPLETED && old_status != OUTPUT_COMPLETED)
		(void) LockFlowExecutionOnce(writer, old_values[TO_ORGANIZATION_ID],
									 old_values[TO_FLOW_EXECUTION_ID]);
	return ReplaceColumns(newtuple, tupdesc, &repl);
}

/*
 * outputs_before_write
 *		Trigger on task_outputs.outputs: BEFORE INSERT OR UPDATE FOR EACH ROW.
 */
Datum
outputs_before_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_before_write",
												 FIRED_BEFORE_ROW,
												 EVENT_BIT(TRIGGER_EVENT_INSERT) |
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "BEFORE INSERT OR UPDATE FOR EACH ROW",
												 OUTPUTS_NATTS);

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		return PointerGetDatum(BeforeInsert(trigdata));
	return PointerGetDatum(BeforeUpdate(trigdata));
}

/*
 * outputs_before_delete
 *		Trigger on task_outputs.outputs: BEFORE DELETE FOR EACH ROW.
 *
 * A DELETE never destroys a task output: the row is soft-deleted instead
 * (an UPDATE to "deleted", which the update trigger checks and stamps and
 * the audit trigger records) and the physical delete is skipped, so the
 * DELETE reports 0 rows.  A row that is already deleted is left as it is.
 * Only purge_task_outputs, while it runs in this backend, lets the delete
 * through.
 */
Datum
outputs_before_delete(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_before_delete",
												 FIRED_BEFORE_ROW,
												 EVENT_BIT(TRIGGER_EVENT_DELETE),
												 "BEFORE DELETE FOR EACH ROW",
												 OUTPUTS_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	HeapTuple	oldtuple = trigdata->tg_trigtuple;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	Principal	writer;
	StatementScope scope;
	Datum		args[2];
	int			rc;

	if (PurgeInProgress())
		return PointerGetDatum(oldtuple);

	heap_deform_tuple(oldtuple, tupdesc, values, isnull);
	if (StatusFromDatum(TupleDescAttr(tupdesc, TO_STATUS)->atttypid,
						values[TO_STATUS]) == OUTPUT_DELETED)
		return PointerGetDatum(NULL);

	GetRowWriterPrincipal(&writer, DatumGetUUIDP(values[TO_ORGANIZATION_ID]));
	/* the deleted row must pass the policies, whoever deletes it */
	InitScope(&scope, &writer, true);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = values[TO_ORGANIZATION_ID];
	args[1] = values[TO_ID];
	rc = RunQuery(&soft_delete_query, &scope, args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		ReportUnexpectedSPIResult("soft delete", rc);
	if (SPI_processed != 1)
		ReportTaskOutputNotFound("id", DatumGetUUIDP(values[TO_ID]));
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	return PointerGetDatum(NULL);
}

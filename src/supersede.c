/*-------------------------------------------------------------------------
 *
 * supersede.c
 *		Supersession: a new "completed" output of an (organization, flow
 *		execution, task name) turns the earlier completed outputs of that
 *		task stale, before it is written.
 *
 * It must hold when two sessions record a completed output of one task at
 * once.  Each takes the row lock of the flow execution (FOR NO KEY UPDATE,
 * which foreign key checks do not wait for; flow_executions.c) before it
 * looks, so that the writers of a flow execution's completions follow each
 * other, and each looks at the latest state: the second sees the first's
 * committed row and turns it stale.  A row lock costs no slot in the shared
 * lock table, so a bulk INSERT ... SELECT may complete outputs of any
 * number of flow executions in one transaction, and transactions wait for
 * each other only when they complete outputs of the same flow execution.
 * The lock is held to the end of the transaction, so it is taken once per
 * transaction and flow execution, not once per row.
 *
 * Usually a task has no current output yet, so the look comes first and is
 * cheap: a probe of the unique partial index of completed outputs,
 * outputs_current_idx (which also makes "one current output per task" a
 * constraint), with SnapshotSelf, which sees every committed row and this
 * transaction's own, including the rows written so far by the current
 * statement.  It is a direct index probe rather than a query because it
 * runs for every completed output written: executor startup would cost
 * more than the rest of the trigger.  It reads only rows of the flow
 * execution the writer has just been found to see, so it reveals nothing.
 * Only when it finds a current output does the UPDATE run, through SPI as
 * the invoking user on the latest snapshot (in REPEATABLE READ, changing an
 * output that the transaction cannot see is then a serialization failure
 * rather than a silent miss); the rows it changes go through the row
 * triggers like any UPDATE (completed -> stale, stamped and audited).
 *
 * src/supersede.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "flow_executions.h"
#include "query.h"
#include "supersede.h"
#include "task_outputs.h"

#define CURRENT_OUTPUT_INDEX "outputs_current_idx"

static PreparedQuery supersede_query = {
	"UPDATE task_outputs.outputs"
	" SET status = 'stale'::task_outputs.task_output_status"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND flow_execution_id OPERATOR(pg_catalog.=) $2"
	" AND task_name OPERATOR(pg_catalog.=) $3"
	" AND status OPERATOR(pg_catalog.=) 'completed'::task_outputs.task_output_status",
	3, {UUIDOID, UUIDOID, TEXTOID}, NULL, true
};

/*
 * OpenCurrentOutputIndex
 *		outputs_current_idx of the outputs table, checked to be the index
 *		the probe expects: on (organization_id, flow_execution_id,
 *		task_name) of that table.
 */
static Relation
OpenCurrentOutputIndex(Relation outputs)
{
	Oid			indexoid = get_relname_relid(CURRENT_OUTPUT_INDEX,
											 RelationGetNamespace(outputs));
	Relation	index;
	Form_pg_index form;

	if (!OidIsValid(indexoid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" of table \"%s\" is missing",
						CURRENT_OUTPUT_INDEX, RelationGetRelationName(outputs)),
				 errhint("Reinstall the task_outputs extension, or run ALTER EXTENSION task_outputs UPDATE.")));
	index = index_open(indexoid, AccessShareLock);
	form = index->rd_index;
	if (form->indrelid != RelationGetRelid(outputs) ||
		IndexRelationGetNumberOfKeyAttributes(index) != 3 ||
		form->indkey.values[0] != TO_ORGANIZATION_ID + 1 ||
		form->indkey.values[1] != TO_FLOW_EXECUTION_ID + 1 ||
		form->indkey.values[2] != TO_TASK_NAME + 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" is not the index this version of the task_outputs library expects",
						CURRENT_OUTPUT_INDEX),
				 errhint("Run ALTER EXTENSION task_outputs UPDATE, or install the library that matches the extension's version.")));
	return index;
}

/*
 * CurrentOutputExists
 *		Whether (org_id, flow_execution_id, task_name) has a completed
 *		output, committed or written by this transaction: see the file
 *		header.
 */
static bool
CurrentOutputExists(Relation outputs, Datum org_id, Datum flow_execution_id,
					Datum task_name)
{
	Relation	index = OpenCurrentOutputIndex(outputs);
	ScanKeyData keys[3];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found;

	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[0], F_UUID_EQ, org_id);
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[1], F_UUID_EQ, flow_execution_id);
	ScanKeyEntryInitialize(&keys[2], 0, 3, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[2], F_TEXTEQ, task_name);

	slot = table_slot_create(outputs, NULL);
	scan = CompatIndexBeginscan(outputs, index, SnapshotSelf, 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	return found;
}

/*
 * SupersedeCompleted
 *		Turn the completed outputs of (org_id, flow_execution_id, task_name)
 *		stale, before a new completed one of that task is written to
 *		outputs.
 */
void
SupersedeCompleted(Relation outputs, Datum org_id, Datum flow_execution_id,
				   Datum task_name)
{
	Datum		args[3];
	int			rc;

	(void) LockFlowExecutionOnce(org_id, flow_execution_id);
	if (!CurrentOutputExists(outputs, org_id, flow_execution_id, task_name))
		return;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = org_id;
	args[1] = flow_execution_id;
	args[2] = PointerGetDatum(DatumGetTextPP(task_name));
	rc = ExecutePreparedQueryLatest(&supersede_query, args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		ReportUnexpectedSPIResult("supersession", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
}

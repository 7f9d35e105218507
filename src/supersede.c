/*-------------------------------------------------------------------------
 *
 * supersede.c
 *		Supersession: once a new "completed" output of an (organization,
 *		flow execution, task name) is written, the earlier completed
 *		outputs of that task turn stale.
 *
 * It happens after the row is written, never before: a BEFORE trigger
 * cannot know that its row will be written (INSERT ... ON CONFLICT DO
 * NOTHING skips it), and a change it makes to another row that the same
 * statement then updates is an error (27000).  So an AFTER ROW trigger,
 * outputs_completed (fired for rows inserted completed, or updated to
 * completed), records the output, and an AFTER STATEMENT trigger,
 * outputs_supersede, which fires once the statement's rows are all
 * written, turns the other completed outputs of each recorded task stale.
 * Within one statement the last row written for a task stays current.
 * Recordings are kept in the transaction's memory, tagged with their
 * subtransaction, and dropped when it aborts.
 *
 * It must hold when two sessions record a completed output of one task at
 * once.  The BEFORE trigger of each takes the row lock of the flow
 * execution (FOR NO KEY UPDATE, which foreign key checks do not wait for;
 * flow_executions.c), so the writers of a flow execution's completions
 * follow each other, and the second, on the latest snapshot, sees the
 * first's committed row and turns it stale.  A row lock costs no slot in
 * the shared lock table, and transactions wait for each other only when
 * they complete outputs of the same flow execution.  "One current output
 * per task" is kept by these triggers; outputs_current_idx, the partial
 * index of completed outputs, is what they look in.
 *
 * Usually a task has no other current output, so the look comes first and
 * is cheap: a probe of that index with SnapshotSelf, which sees every
 * committed row and this transaction's own.  It is a direct index probe
 * rather than a query because it runs for every completed output written,
 * where executor startup would cost more than the rest of the trigger; it
 * reads only rows of the flow execution the writer was found to see.  The
 * index is found among the indexes of the relation the trigger fires for,
 * by its definition, not by name.  Only when the probe finds another
 * current output does the UPDATE run, in the writer's scope on the latest
 * snapshot (in REPEATABLE READ, changing an output that the transaction
 * cannot see is then a serialization failure rather than a silent miss;
 * on a distributed install, where Citus runs the UPDATE on the shard
 * without that crosscheck, the probe checks what it found against the
 * transaction's snapshot itself); the rows it changes go through the row
 * triggers like any UPDATE (completed -> stale, stamped and audited).
 *
 * src/supersede.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "distribution.h"
#include "errors.h"
#include "query.h"
#include "status.h"
#include "task_output.h"
#include "triggers.h"

PG_FUNCTION_INFO_V1(outputs_completed);
PG_FUNCTION_INFO_V1(outputs_supersede);

/* An output written completed, waiting for its statement's end */
typedef struct Completion
{
	pg_uuid_t	org_id;
	pg_uuid_t	flow_execution_id;
	pg_uuid_t	id;
	text	   *task_name;
	Principal	writer;
	SubTransactionId subid;		/* recorded in this subtransaction */
} Completion;

/*
 * A task's last completion in a statement.  The hash key is the first
 * completion of the task, compared by (organization, flow execution, task
 * name).
 */
typedef struct TaskCompletion
{
	Completion *key;			/* hash key: must be first */
	Completion *last;
} TaskCompletion;

static MemoryContext completions_context = NULL;
static List *completions = NIL;
static bool callbacks_registered = false;

/* the partial index of completed outputs of a relation, once found */
static Oid	current_index_relid = InvalidOid;
static Oid	current_index = InvalidOid;

static PreparedQuery supersede_query = {
	NULL,						/* built on first use: see SupersedeQuery */
	4, {UUIDOID, UUIDOID, TEXTOID, UUIDOID},
	.index_scan = true
};

static void
ForgetCompletions(XactEvent event, void *arg)
{
	/* the context is a child of the transaction's, which goes with it */
	completions_context = NULL;
	completions = NIL;
}

/*
 * ForgetSubCompletions
 *		At the abort of subtransaction mySubid, drop what it recorded: the
 *		tail of the list, from its first recording on (later ones belong to
 *		its children, whose ids are larger).
 */
static void
ForgetSubCompletions(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	ListCell   *cell;
	int			keep = 0;

	if (event != SUBXACT_EVENT_ABORT_SUB || completions == NIL)
		return;
	foreach(cell, completions)
	{
		if (((Completion *) lfirst(cell))->subid >= mySubid)
			break;
		keep++;
	}
	completions = list_truncate(completions, keep);
}

static void
ForgetCurrentIndex(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == current_index_relid)
		current_index_relid = InvalidOid;
}

static void
RegisterCallbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(ForgetCompletions, NULL);
	RegisterSubXactCallback(ForgetSubCompletions, NULL);
	CacheRegisterRelcacheCallback(ForgetCurrentIndex, (Datum) 0);
	callbacks_registered = true;
}

/*
 * outputs_completed
 *		Trigger on task_outputs.outputs: AFTER INSERT OR UPDATE FOR EACH ROW
 *		WHEN the row is written completed (an UPDATE: becomes completed).
 *		Records it for outputs_supersede.
 */
Datum
outputs_completed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_completed",
												 FIRED_AFTER_ROW,
												 EVENT_BIT(TRIGGER_EVENT_INSERT) |
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "AFTER INSERT OR UPDATE FOR EACH ROW",
												 OUTPUTS_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	HeapTuple	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	MemoryContext oldcontext;
	Completion *completion;
	Principal	writer;

	heap_deform_tuple(tuple, tupdesc, values, isnull);
	if (StatusFromDatum(TupleDescAttr(tupdesc, TO_STATUS)->atttypid,
						values[TO_STATUS]) != OUTPUT_COMPLETED)
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		/* a superuser with no tenant: a trusted load supersedes nothing */
		if (!GetWriterPrincipal(&writer))
			return PointerGetDatum(NULL);
	}
	else
		GetRowWriterPrincipal(&writer, DatumGetUUIDP(values[TO_ORGANIZATION_ID]));

	RegisterCallbacks();
	if (completions_context == NULL)
		completions_context = AllocSetContextCreate(TopTransactionContext,
													"task_outputs completions",
													ALLOCSET_DEFAULT_SIZES);
	oldcontext = MemoryContextSwitchTo(completions_context);
	completion = palloc(sizeof(Completion));
	completion->org_id = *DatumGetUUIDP(values[TO_ORGANIZATION_ID]);
	completion->flow_execution_id = *DatumGetUUIDP(values[TO_FLOW_EXECUTION_ID]);
	completion->id = *DatumGetUUIDP(values[TO_ID]);
	completion->task_name = DatumGetTextPCopy(values[TO_TASK_NAME]);
	completion->writer = writer;
	completion->subid = GetCurrentSubTransactionId();
	completions = lappend(completions, completion);
	MemoryContextSwitchTo(oldcontext);
	return PointerGetDatum(NULL);
}

/*
 * CurrentOutputsIndex
 *		The partial index of outputs on (organization_id, flow_execution_id,
 *		task_name) among the indexes of outputs, by its definition.
 */
static Oid
CurrentOutputsIndex(Relation outputs)
{
	List	   *indexes;
	ListCell   *cell;
	Oid			found = InvalidOid;

	if (current_index_relid == RelationGetRelid(outputs))
		return current_index;

	indexes = RelationGetIndexList(outputs);
	foreach(cell, indexes)
	{
		Relation	index = index_open(lfirst_oid(cell), AccessShareLock);
		Form_pg_index form = index->rd_index;

		if (IndexRelationGetNumberOfKeyAttributes(index) == 3 &&
			form->indkey.values[0] == TO_ORGANIZATION_ID + 1 &&
			form->indkey.values[1] == TO_FLOW_EXECUTION_ID + 1 &&
			form->indkey.values[2] == TO_TASK_NAME + 1 &&
			!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
			found = RelationGetRelid(index);
		index_close(index, AccessShareLock);
		if (OidIsValid(found))
			break;
	}
	list_free(indexes);
	if (!OidIsValid(found))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no index of its completed outputs",
						RelationGetRelationName(outputs)),
				 errhint("Run ALTER EXTENSION task_outputs UPDATE, or reinstall the extension.")));
	current_index_relid = RelationGetRelid(outputs);
	current_index = found;
	return found;
}

/*
 * ReportSupersedeSerializationFailure
 *		40001 for a completed output that a REPEATABLE READ or SERIALIZABLE
 *		writer would have to turn stale without seeing it.  On one node the
 *		UPDATE's crosscheck snapshot raises it; on a distributed install
 *		Citus runs the UPDATE on the shard without a crosscheck, so the
 *		probe checks the row against the transaction's snapshot itself, and
 *		says what PostgreSQL says.
 */
pg_noreturn static void
ReportSupersedeSerializationFailure(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize access due to concurrent update")));
}

/*
 * OtherCurrentOutputExists
 *		Whether the task of completion has a completed output other than
 *		completion's own, committed or written by this transaction: see the
 *		file header.
 */
static bool
OtherCurrentOutputExists(Relation outputs, Completion *completion)
{
	Relation	index = index_open(CurrentOutputsIndex(outputs), AccessShareLock);
	ScanKeyData keys[3];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found = false;

	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[0], F_UUID_EQ,
						   UUIDPGetDatum(&completion->org_id));
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[1], F_UUID_EQ,
						   UUIDPGetDatum(&completion->flow_execution_id));
	ScanKeyEntryInitialize(&keys[2], 0, 3, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[2], F_TEXTEQ,
						   PointerGetDatum(completion->task_name));

	slot = table_slot_create(outputs, NULL);
	scan = CompatIndexBeginscan(outputs, index, SnapshotSelf, 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	while (!found && index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		id = slot_getattr(slot, TO_ID + 1, &isnull);

		found = !isnull &&
			memcmp(DatumGetUUIDP(id), &completion->id, sizeof(pg_uuid_t)) != 0;
		if (found && IsolationUsesXactSnapshot() && DistributedInstall() &&
			!table_tuple_satisfies_snapshot(outputs, slot, GetTransactionSnapshot()))
			ReportSupersedeSerializationFailure();
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	return found;
}

/*
 * SupersedeQuery
 *		The UPDATE that turns the other completed outputs of a task stale,
 *		its statuses taken from the status machine.
 */
static PreparedQuery *
SupersedeQuery(void)
{
	if (supersede_query.sql == NULL)
		supersede_query.sql = MemoryContextStrdup(TopMemoryContext,
												  psprintf("UPDATE task_outputs.outputs"
														   " SET status = %s"
														   " WHERE organization_id OPERATOR(pg_catalog.=) $1"
														   " AND flow_execution_id OPERATOR(pg_catalog.=) $2"
														   " AND task_name OPERATOR(pg_catalog.=) $3"
														   " AND status OPERATOR(pg_catalog.=) %s"
														   " AND id OPERATOR(pg_catalog.<>) $4",
														   StatusLiteral(OUTPUT_STALE),
														   StatusLiteral(OUTPUT_COMPLETED)));
	return &supersede_query;
}

/*
 * Supersede
 *		Turn the other completed outputs of completion's task stale.
 */
static void
Supersede(Relation outputs, Completion *completion)
{
	StatementScope scope;
	Datum		args[4];
	int			rc;

	if (!OtherCurrentOutputExists(outputs, completion))
		return;
	InitScope(&scope, &completion->writer, false);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = UUIDPGetDatum(&completion->org_id);
	args[1] = UUIDPGetDatum(&completion->flow_execution_id);
	args[2] = PointerGetDatum(completion->task_name);
	args[3] = UUIDPGetDatum(&completion->id);
	rc = RunQueryOnLatestSnapshot(SupersedeQuery(), &scope, args, NULL);
	if (rc != SPI_OK_UPDATE)
		ReportUnexpectedSPIResult("supersession", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
}

static uint32
TaskHash(const void *key, Size keysize)
{
	const Completion *completion = *(Completion *const *) key;

	return hash_combine(hash_bytes((const unsigned char *) &completion->flow_execution_id,
								   sizeof(pg_uuid_t)),
						hash_bytes((const unsigned char *) VARDATA_ANY(completion->task_name),
								   VARSIZE_ANY_EXHDR(completion->task_name)));
}

static int
TaskCompare(const void *key1, const void *key2, Size keysize)
{
	const Completion *a = *(Completion *const *) key1;
	const Completion *b = *(Completion *const *) key2;

	if (memcmp(&a->flow_execution_id, &b->flow_execution_id, sizeof(pg_uuid_t)) != 0 ||
		memcmp(&a->org_id, &b->org_id, sizeof(pg_uuid_t)) != 0 ||
		VARSIZE_ANY_EXHDR(a->task_name) != VARSIZE_ANY_EXHDR(b->task_name))
		return 1;
	return memcmp(VARDATA_ANY(a->task_name), VARDATA_ANY(b->task_name),
				  VARSIZE_ANY_EXHDR(a->task_name));
}

/*
 * LastCompletions
 *		Each task's last completion among pending.
 */
static HTAB *
LastCompletions(List *pending)
{
	HASHCTL		ctl;
	HTAB	   *last;
	ListCell   *cell;

	ctl.keysize = sizeof(Completion *);
	ctl.entrysize = sizeof(TaskCompletion);
	ctl.hash = TaskHash;
	ctl.match = TaskCompare;
	ctl.hcxt = CurrentMemoryContext;
	last = hash_create("task_outputs last completions",
					   Max(list_length(pending), 16), &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	foreach(cell, pending)
	{
		Completion *completion = lfirst(cell);
		TaskCompletion *task;

		task = hash_search(last, &completion, HASH_ENTER, NULL);
		task->last = completion;
	}
	return last;
}

/*
 * outputs_supersede
 *		Trigger on task_outputs.outputs: AFTER INSERT OR UPDATE FOR EACH
 *		STATEMENT.  Supersedes for every task its statement completed.
 */
Datum
outputs_supersede(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_supersede",
												 FIRED_AFTER_STATEMENT,
												 EVENT_BIT(TRIGGER_EVENT_INSERT) |
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "AFTER INSERT OR UPDATE FOR EACH STATEMENT",
												 OUTPUTS_NATTS);
	List	   *pending = completions;
	HTAB	   *last;
	HASH_SEQ_STATUS seq;
	TaskCompletion *task;

	if (pending == NIL)
		return PointerGetDatum(NULL);
	/* taken: the statements run below fire this trigger too */
	completions = NIL;

	last = LastCompletions(pending);
	hash_seq_init(&seq, last);
	while ((task = hash_seq_search(&seq)) != NULL)
		Supersede(trigdata->tg_relation, task->last);
	hash_destroy(last);
	return PointerGetDatum(NULL);
}

/*-------------------------------------------------------------------------
 *
 * flow_executions.c
 *		Flow executions: their trigger, and what the write path asks of
 *		them: whether the writer can see one, and its row lock, which
 *		serializes the supersession of its tasks' outputs.
 *
 * Both questions are asked by the extension's statements (query.c) in the
 * writer's scope, so row-level security decides what is visible: another
 * tenant's flow execution is exactly like an unknown one.  They are asked
 * for every output written, so the answers are remembered for the rest of
 * the transaction: a bulk INSERT into a few flow executions pays for a few
 * lookups and a few locks, not one per row.  A hash table holds them; an
 * entry counts only while its generation is the current one, and the
 * generation moves on at the end of every transaction and at the abort of
 * every subtransaction (which also releases the row locks the
 * subtransaction took).  Only positive answers are remembered, per
 * organization and flow execution (the writer's organization is the row's
 * or the answer is no); the foreign key still checks every row, the
 * remembered answer only chooses the error.
 *
 * The BEFORE INSERT OR UPDATE trigger of flow_executions fills the id, the
 * organization (the writer's) and created_at, refuses changes to the
 * immutable columns, and checks the name.
 *
 * src/flow_executions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "errors.h"
#include "flow_executions.h"
#include "query.h"
#include "rules.h"
#include "task_output.h"
#include "triggers.h"
#include "uuid7.h"

PG_FUNCTION_INFO_V1(flow_executions_before_write);

static PreparedQuery flow_execution_visible_query = {
	"SELECT FROM task_outputs.flow_executions"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID}
};

/*
 * FOR NO KEY UPDATE: the foreign key checks of other writers' outputs take
 * FOR KEY SHARE, which does not wait for it.
 */
static PreparedQuery flow_execution_lock_query = {
	"SELECT FROM task_outputs.flow_executions"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2"
	" FOR NO KEY UPDATE",
	2, {UUIDOID, UUIDOID}
};

/*
 * Entries of earlier transactions stay in the table until they are looked
 * up again (and found out of date) or the table grows past this many
 * entries, when it is emptied.
 */
#define REMEMBERED_MAX 65536

typedef struct RememberedKey
{
	pg_uuid_t	org_id;
	pg_uuid_t	id;
} RememberedKey;

typedef struct RememberedFlowExecution
{
	RememberedKey key;			/* hash key: must be first */
	uint64		generation;		/* the answer holds while it is current */
	bool		locked;			/* this transaction holds its row lock */
} RememberedFlowExecution;

static HTAB *remembered = NULL;
static uint64 current_generation = 1;

static void
ForgetFlowExecutions(XactEvent event, void *arg)
{
	current_generation++;
}

static void
ForgetFlowExecutionsSub(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		current_generation++;
}

/*
 * RunFlowExecutionQuery
 *		Run query for flow execution id of organization org_id in writer's
 *		scope; whether it found the row.
 */
static bool
RunFlowExecutionQuery(PreparedQuery *query, const Principal *writer,
					  Datum org_id, Datum id)
{
	StatementScope scope;
	Datum		args[2];
	int			rc;
	bool		found;

	InitScope(&scope, writer, false);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = org_id;
	args[1] = id;
	rc = RunQuery(query, &scope, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("flow execution lookup", rc);
	found = (SPI_processed > 0);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	return found;
}

/*
 * FlowExecutionVisible
 *		Whether flow execution id of organization org_id is visible to the
 *		writer, asked now (nothing remembered).  Only the writer's own
 *		organization's are.
 */
bool
FlowExecutionVisible(const Principal *writer, Datum org_id, Datum id)
{
	if (memcmp(DatumGetUUIDP(org_id), &writer->org_id, sizeof(pg_uuid_t)) != 0)
		return false;
	return RunFlowExecutionQuery(&flow_execution_visible_query, writer, org_id, id);
}

/*
 * RememberedEntry
 *		The table's entry for (org_id, id), made if need be; whether it holds
 *		a current answer is for the caller to check.
 */
static RememberedFlowExecution *
RememberedEntry(Datum org_id, Datum id)
{
	RememberedKey key;
	RememberedFlowExecution *entry;
	bool		found;

	if (remembered == NULL || hash_get_num_entries(remembered) >= REMEMBERED_MAX)
	{
		HASHCTL		ctl;

		if (remembered == NULL)
		{
			RegisterXactCallback(ForgetFlowExecutions, NULL);
			RegisterSubXactCallback(ForgetFlowExecutionsSub, NULL);
		}
		else
			hash_destroy(remembered);
		ctl.keysize = sizeof(RememberedKey);
		ctl.entrysize = sizeof(RememberedFlowExecution);
		remembered = hash_create("task_outputs flow executions", 1024, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	}

	memset(&key, 0, sizeof(key));
	memcpy(&key.org_id, DatumGetUUIDP(org_id), sizeof(pg_uuid_t));
	memcpy(&key.id, DatumGetUUIDP(id), sizeof(pg_uuid_t));
	entry = hash_search(remembered, &key, HASH_ENTER, &found);
	if (!found || entry->generation != current_generation)
	{
		entry->generation = 0;
		entry->locked = false;
	}
	return entry;
}

/*
 * FlowExecutionVisibleOnce
 *		FlowExecutionVisible, asked once per transaction.
 */
bool
FlowExecutionVisibleOnce(const Principal *writer, Datum org_id, Datum id)
{
	RememberedFlowExecution *entry;

	if (memcmp(DatumGetUUIDP(org_id), &writer->org_id, sizeof(pg_uuid_t)) != 0)
		return false;
	if (RememberedEntry(org_id, id)->generation == current_generation)
		return true;
	if (!FlowExecutionVisible(writer, org_id, id))
		return false;
	/* looked up again: the query may have changed the table */
	entry = RememberedEntry(org_id, id);
	entry->generation = current_generation;
	return true;
}

/*
 * LockFlowExecutionOnce
 *		Take the row lock of flow execution id of organization org_id, once
 *		per transaction; whether the writer can see it (an invisible one is
 *		not locked).
 */
bool
LockFlowExecutionOnce(const Principal *writer, Datum org_id, Datum id)
{
	RememberedFlowExecution *entry;

	if (memcmp(DatumGetUUIDP(org_id), &writer->org_id, sizeof(pg_uuid_t)) != 0)
		return false;
	entry = RememberedEntry(org_id, id);
	if (entry->generation == current_generation && entry->locked)
		return true;
	if (!RunFlowExecutionQuery(&flow_execution_lock_query, writer, org_id, id))
		return false;
	entry = RememberedEntry(org_id, id);
	entry->generation = current_generation;
	entry->locked = true;
	return true;
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
												 FIRED_BEFORE_ROW,
												 EVENT_BIT(TRIGGER_EVENT_INSERT) |
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "BEFORE INSERT OR UPDATE FOR EACH ROW",
												 FLOW_EXECUTION_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	bool		is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	HeapTuple	newtuple = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	Datum		values[FLOW_EXECUTION_NATTS];
	bool		isnull[FLOW_EXECUTION_NATTS];
	ColumnReplacements repl = {0};

	heap_deform_tuple(newtuple, tupdesc, values, isnull);

	if (is_insert)
	{
		if (isnull[FE_ID])
			ReplaceColumn(&repl, FE_ID, NewUuidV7Datum(), false);
		if (isnull[FE_ORGANIZATION_ID])
		{
			Principal  *writer = palloc(sizeof(Principal));

			if (!GetWriterPrincipal(writer))
				ReportNoTenant();
			ReplaceColumn(&repl, FE_ORGANIZATION_ID, UUIDPGetDatum(&writer->org_id), false);
		}
		if (isnull[FE_CREATED_AT])
			ReplaceColumn(&repl, FE_CREATED_AT,
						  TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
						  false);
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
	return PointerGetDatum(ReplaceColumns(newtuple, tupdesc, &repl));
}

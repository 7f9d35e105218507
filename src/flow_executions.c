/*-------------------------------------------------------------------------
 *
 * flow_executions.c
 *		What the write path asks of the flow execution of a task output:
 *		whether the current user can see it, and its row lock, which
 *		serializes the supersession of its tasks' outputs.
 *
 * Both questions are asked through SPI as the invoking user, so row-level
 * security decides what is visible: another tenant's flow execution is
 * exactly like an unknown one.
 *
 * They are asked for every output written, so the answers are remembered
 * for the rest of the transaction: a bulk INSERT into a few flow
 * executions pays for a few lookups and a few locks, not one per row.  A
 * hash table holds them; an entry counts only while its generation is the
 * current one, and the generation moves on at the end of every transaction
 * and at the abort of every subtransaction (which also releases the row
 * locks the subtransaction took).  Only positive answers
 * are remembered, per user, organization and flow execution; the foreign
 * key still checks every row, the remembered answer only chooses the error.
 *
 * src/flow_executions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/uuid.h"

#include "flow_executions.h"
#include "query.h"
#include "task_outputs.h"

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
	Oid			userid;
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
 *		Run query for flow execution id of organization org_id; whether it
 *		found the row.
 */
static bool
RunFlowExecutionQuery(PreparedQuery *query, Datum org_id, Datum id)
{
	Datum		args[2];
	int			rc;
	bool		found;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = org_id;
	args[1] = id;
	rc = ExecutePreparedQuery(query, args, NULL, false, 1);
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
 *		current user, asked now (nothing remembered).
 */
bool
FlowExecutionVisible(Datum org_id, Datum id)
{
	return RunFlowExecutionQuery(&flow_execution_visible_query, org_id, id);
}

/*
 * RememberedEntry
 *		The table's entry for (current user, org_id, id), made if need be;
 *		whether it holds a current answer is for the caller to check.
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
	key.userid = GetUserId();
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
FlowExecutionVisibleOnce(Datum org_id, Datum id)
{
	RememberedFlowExecution *entry;

	if (RememberedEntry(org_id, id)->generation == current_generation)
		return true;
	if (!FlowExecutionVisible(org_id, id))
		return false;
	/* looked up again: the query may have changed the table */
	entry = RememberedEntry(org_id, id);
	entry->generation = current_generation;
	return true;
}

/*
 * LockFlowExecutionOnce
 *		Take the row lock of flow execution id of organization org_id, once
 *		per transaction; whether the current user can see it (an invisible
 *		one is not locked).
 */
bool
LockFlowExecutionOnce(Datum org_id, Datum id)
{
	RememberedFlowExecution *entry = RememberedEntry(org_id, id);

	if (entry->generation == current_generation && entry->locked)
		return true;
	if (!RunFlowExecutionQuery(&flow_execution_lock_query, org_id, id))
		return false;
	entry = RememberedEntry(org_id, id);
	entry->generation = current_generation;
	entry->locked = true;
	return true;
}

/*-------------------------------------------------------------------------
 *
 * audit.c
 *		The audit trail of task outputs: every change of status, soft delete
 *		and restore, and the administrators' view of it.
 *
 * Entries are appended by outputs_audit, an AFTER UPDATE row trigger that
 * fires only when the status changed (its WHEN clause), so an entry exists
 * only for a change that was really made: a rejected write never reaches
 * it, and an entry shares the fate of its change (both commit or neither).
 * The entry's actor is the row's last_modified_by stamp.  Its time is the
 * moment the change was made (the clock when the entry is written), not the
 * row's updated_at, which is the transaction's start like now(): an
 * output's changes are serialized by its row lock, and a change made by a
 * transaction that began before the previous change's transaction (in READ
 * COMMITTED it sees that change once committed) would otherwise carry an
 * earlier time and sort before it in the trail.
 *
 * Nobody but this trigger writes the trail: not the tenant roles, not the
 * service role.  So the trigger is SECURITY DEFINER (search_path pinned to
 * pg_catalog, pg_temp) and as narrow as it can be: it runs only as a
 * trigger of the extension's outputs table, identified by OID (or of a
 * shard of it on a distributed install, identified by the catalog:
 * distribution.c), and only inserts the entry describing the row change
 * it was fired for.  Rows leave the trail only with their output, through
 * the foreign key's cascade, when purge_task_outputs deletes it.
 *
 * task_output_history reads the trail in the administrator's scope, so
 * row-level security keeps it to the current organization.
 *
 * src/audit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "authorization.h"
#include "catalog.h"
#include "delegation.h"
#include "distribution.h"
#include "errors.h"
#include "query.h"
#include "status.h"
#include "task_output.h"
#include "triggers.h"
#include "uuid7.h"

PG_FUNCTION_INFO_V1(outputs_audit);
PG_FUNCTION_INFO_V1(task_output_history);

/* the statuses travel as text, cast in SQL: see query.h */
static PreparedQuery audit_insert_query = {
	"INSERT INTO task_outputs.audit_trail"
	" (id, organization_id, task_output_id, from_status, to_status, actor, changed_at)"
	" VALUES ($1, $2, $3, $4::task_outputs.task_output_status,"
	" $5::task_outputs.task_output_status, $6, $7)",
	7, {UUIDOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID},
	.as_caller = true
};

/*
 * The history of one output, oldest first; no row when the output is not
 * visible.  The trail's subquery names the output by the parameters, not
 * by the outer row: so on a distributed install Citus finds every table of
 * the statement on one shard group and runs it there whole.  Entries with
 * the same changed_at (one microsecond) are ordered by their id, a UUIDv7
 * that is monotonic within a session.  Each entry is rendered as to_json
 * renders its record: {"id", "task_output_id", "from_status", "to_status",
 * "actor", "changed_at"}.
 */
static PreparedQuery history_query = {
	"SELECT (SELECT COALESCE(pg_catalog.json_agg(h ORDER BY h.changed_at, h.id),"
	"  '[]'::pg_catalog.json)"
	"  FROM (SELECT a.id, a.task_output_id, a.from_status, a.to_status, a.actor, a.changed_at"
	"   FROM task_outputs.audit_trail a"
	"   WHERE a.organization_id OPERATOR(pg_catalog.=) $1"
	"   AND a.task_output_id OPERATOR(pg_catalog.=) $2) h)"
	" FROM task_outputs.outputs o"
	" WHERE o.organization_id OPERATOR(pg_catalog.=) $1"
	" AND o.id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID},
	.reader = true
};

/*
 * outputs_audit
 *		Trigger on task_outputs.outputs: AFTER UPDATE FOR EACH ROW WHEN the
 *		status changed.  Appends one entry to the audit trail.
 */
Datum
outputs_audit(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = CheckTriggerProtocol(fcinfo, "outputs_audit",
												 FIRED_AFTER_ROW,
												 EVENT_BIT(TRIGGER_EVENT_UPDATE),
												 "AFTER UPDATE FOR EACH ROW",
												 OUTPUTS_NATTS);
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	Oid			status_type = TupleDescAttr(tupdesc, TO_STATUS)->atttypid;
	Datum		old_values[OUTPUTS_NATTS];
	bool		old_isnull[OUTPUTS_NATTS];
	Datum		values[OUTPUTS_NATTS];
	bool		isnull[OUTPUTS_NATTS];
	OutputStatus from;
	OutputStatus to;
	pg_uuid_t	entry_id;
	Datum		args[7];
	int			rc;

	if (!IsTableOrShard(trigdata->tg_relation, ExtensionRelation("outputs")))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired for task_outputs.outputs", "outputs_audit")));

	heap_deform_tuple(trigdata->tg_trigtuple, tupdesc, old_values, old_isnull);
	heap_deform_tuple(trigdata->tg_newtuple, tupdesc, values, isnull);
	from = StatusFromDatum(status_type, old_values[TO_STATUS]);
	to = StatusFromDatum(status_type, values[TO_STATUS]);
	if (from == to)
		return PointerGetDatum(NULL);

	GenerateUuidV7(&entry_id);
	args[0] = UUIDPGetDatum(&entry_id);
	args[1] = values[TO_ORGANIZATION_ID];
	args[2] = values[TO_ID];
	args[3] = CStringGetTextDatum(StatusName(from));
	args[4] = CStringGetTextDatum(StatusName(to));
	args[5] = values[TO_LAST_MODIFIED_BY];
	args[6] = TimestampTzGetDatum(GetCurrentTimestamp());

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = RunQuery(&audit_insert_query, NULL, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT || SPI_processed != 1)
		ReportUnexpectedSPIResult("audit trail insert", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	return PointerGetDatum(NULL);
}

/*
 * task_output_history
 *		SQL: the audit trail of one task output of the current organization,
 *		oldest first, as a JSON array of {id, task_output_id, from_status,
 *		to_status, actor, changed_at}; PT404 when the output is not visible.
 */
Datum
task_output_history(PG_FUNCTION_ARGS)
{
	Principal	principal;
	StatementScope scope;
	ParamListInfo params;
	Datum		result;

	RequirePrincipal(&principal);
	RequireAdmin("read the audit trail");
	RequireArgument(fcinfo, 0, "id");
	if (ShouldDelegate())
		return DelegateCall(fcinfo, &principal);

	InitScope(&scope, &principal, true);
	params = MakeParams(2);
	SetParam(params, 1, UUIDOID, UUIDPGetDatum(&principal.org_id), false);
	SetParam(params, 2, UUIDOID, PG_GETARG_DATUM(0), false);
	if (!RunReaderForValue(&history_query, &scope, params, &result))
		ReportTaskOutputNotFound("id", PG_GETARG_UUID_P(0));
	PG_RETURN_DATUM(result);
}

/*-------------------------------------------------------------------------
 *
 * status.c
 *		The task output status machine: which status may follow which.
 *
 * The transition table is the spec's, written once here; the update
 * trigger asks it about every change of status, whichever way the change
 * arrives, and the statements that move many outputs at once (mark_stale,
 * supersession, purge) build their status conditions from it
 * (StatusLiteral, StatusesLeadingTo) rather than restating it.  Leaving
 * "deleted" is not in the table: only an administrator may do that, and
 * only back to the status the output had before, which the trigger checks
 * itself.  A status that does not change is not a transition.
 *
 * The enum's values are OIDs that differ from one installation to the
 * next, so the six OIDs are looked up in the catalog once per backend and
 * cached in static memory, keyed by the OID of the enum type; a new type
 * (the extension dropped and created again) refreshes the cache.
 *
 * src/status.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_enum.h"
#include "lib/stringinfo.h"
#include "utils/syscache.h"

#include "errors.h"
#include "status.h"

static const char *const status_names[OUTPUT_NSTATUSES] = {
	"queued", "running", "completed", "failed", "deleted", "stale"
};

/*
 * allowed[from][to]: the transitions of the spec.  Nothing leaves deleted
 * here; see the file header.
 */
static const bool allowed[OUTPUT_NSTATUSES][OUTPUT_NSTATUSES] = {
	/* queued    -> running | failed | deleted */
	[OUTPUT_QUEUED] = {
		[OUTPUT_RUNNING] = true,
		[OUTPUT_FAILED] = true,
		[OUTPUT_DELETED] = true,
	},
	/* running   -> completed | failed | deleted */
	[OUTPUT_RUNNING] = {
		[OUTPUT_COMPLETED] = true,
		[OUTPUT_FAILED] = true,
		[OUTPUT_DELETED] = true,
	},
	/* completed -> stale | deleted */
	[OUTPUT_COMPLETED] = {
		[OUTPUT_STALE] = true,
		[OUTPUT_DELETED] = true,
	},
	/* failed    -> queued (retry) | stale | deleted */
	[OUTPUT_FAILED] = {
		[OUTPUT_QUEUED] = true,
		[OUTPUT_STALE] = true,
		[OUTPUT_DELETED] = true,
	},
	/* deleted   -> (terminal) */
	[OUTPUT_DELETED] = {0},
	/* stale     -> completed (refreshed) | deleted */
	[OUTPUT_STALE] = {
		[OUTPUT_COMPLETED] = true,
		[OUTPUT_DELETED] = true,
	},
};

/* the enum's OIDs, by OutputStatus, for enum type status_type */
static Oid	status_type = InvalidOid;
static Oid	status_oids[OUTPUT_NSTATUSES];

/*
 * LoadStatusOids
 *		Look up the OIDs of the labels of enum type enumtypid.
 */
static void
LoadStatusOids(Oid enumtypid)
{
	Oid			oids[OUTPUT_NSTATUSES];
	int			i;

	for (i = 0; i < OUTPUT_NSTATUSES; i++)
	{
		oids[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
								  ObjectIdGetDatum(enumtypid),
								  CStringGetDatum(status_names[i]));
		if (!OidIsValid(oids[i]))
			ReportLibraryMismatch("type task_output_status");
	}
	memcpy(status_oids, oids, sizeof(oids));
	status_type = enumtypid;
}

/*
 * StatusFromDatum
 *		The OutputStatus of a value of enum type enumtypid.
 */
OutputStatus
StatusFromDatum(Oid enumtypid, Datum value)
{
	Oid			oid = DatumGetObjectId(value);
	int			i;

	if (enumtypid != status_type)
		LoadStatusOids(enumtypid);
	for (i = 0; i < OUTPUT_NSTATUSES; i++)
	{
		if (status_oids[i] == oid)
			return (OutputStatus) i;
	}
	elog(ERROR, "unrecognized task_output_status value %u", oid);
	pg_unreachable();
}

const char *
StatusName(OutputStatus status)
{
	return status_names[status];
}

/*
 * StatusTransitionAllowed
 *		Whether the spec lets status from change to status to.
 */
bool
StatusTransitionAllowed(OutputStatus from, OutputStatus to)
{
	return allowed[from][to];
}

/*
 * StatusLiteral
 *		'<label>'::task_outputs.task_output_status, palloc'd.
 */
char *
StatusLiteral(OutputStatus status)
{
	return psprintf("'%s'::" STATUS_TYPE, status_names[status]);
}

/*
 * StatusesLeadingTo
 *		An array literal of the statuses from which the table allows a
 *		change to "to": '{completed,failed}'::...[] for stale.  palloc'd.
 */
char *
StatusesLeadingTo(OutputStatus to)
{
	StringInfoData buf;
	bool		first = true;
	int			from;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "'{");
	for (from = 0; from < OUTPUT_NSTATUSES; from++)
	{
		if (!allowed[from][to])
			continue;
		appendStringInfo(&buf, "%s%s", first ? "" : ",", status_names[from]);
		first = false;
	}
	appendStringInfoString(&buf, "}'::" STATUS_TYPE "[]");
	return buf.data;
}

/*
 * ReportTransitionRejected
 *		PT409 for a change of status that the rules do not allow; hint may be
 *		NULL.
 */
void
ReportTransitionRejected(OutputStatus from, OutputStatus to, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("invalid status transition for a task output"),
			 errdetail("A task output cannot go from \"%s\" to \"%s\".",
					   status_names[from], status_names[to]),
			 hint ? errhint("%s", hint) : 0));
}

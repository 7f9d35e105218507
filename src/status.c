/*-------------------------------------------------------------------------
 *
 * status.c
 *		The task output status machine: which status may follow which.
 *
 * The transition table is the spec's, written once here; the BEFORE UPDATE
 * trigger asks it about every change of status, whichever way the change
 * arrives.  Leaving "deleted" is not in the table: only an administrator
 * may do that, and only back to the status the output had before, which
 * the trigger checks itself.  A status that does not change is not a
 * transition and is not asked about.
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

#include "catalog/pg_authid.h"
#include "catalog/pg_enum.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/syscache.h"

#include "status.h"
#include "task_outputs.h"

#define ADMIN_ROLE "task_outputs_admin"

static const char *const status_names[STATUS_COUNT] = {
	"queued", "running", "completed", "failed", "deleted", "stale"
};

/*
 * allowed[from][to]: the transitions of the spec.  Nothing leaves deleted
 * here; see the file header.
 */
static const bool allowed[STATUS_COUNT][STATUS_COUNT] = {
	/* queued    -> running | failed | deleted */
	[STATUS_QUEUED] = {[STATUS_RUNNING] = true, [STATUS_FAILED] = true, [STATUS_DELETED] = true},
	/* running   -> completed | failed | deleted */
	[STATUS_RUNNING] = {[STATUS_COMPLETED] = true, [STATUS_FAILED] = true, [STATUS_DELETED] = true},
	/* completed -> stale | deleted */
	[STATUS_COMPLETED] = {[STATUS_STALE] = true, [STATUS_DELETED] = true},
	/* failed    -> queued (retry) | stale | deleted */
	[STATUS_FAILED] = {[STATUS_QUEUED] = true, [STATUS_STALE] = true, [STATUS_DELETED] = true},
	/* deleted   -> (terminal) */
	[STATUS_DELETED] = {0},
	/* stale     -> completed (refreshed) | deleted */
	[STATUS_STALE] = {[STATUS_COMPLETED] = true, [STATUS_DELETED] = true},
};

/* the enum's OIDs, by TaskOutputStatus, for enum type status_type */
static Oid	status_type = InvalidOid;
static Oid	status_oids[STATUS_COUNT];

/*
 * LoadStatusOids
 *		Look up the OIDs of the labels of enum type enumtypid.
 */
static void
LoadStatusOids(Oid enumtypid)
{
	Oid			oids[STATUS_COUNT];
	int			i;

	for (i = 0; i < STATUS_COUNT; i++)
	{
		oids[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
								  ObjectIdGetDatum(enumtypid),
								  CStringGetDatum(status_names[i]));
		if (!OidIsValid(oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("task_output_status does not have the labels this version of the task_outputs library expects"),
					 errhint("Run ALTER EXTENSION task_outputs UPDATE, or install the library that matches the extension's version.")));
	}
	memcpy(status_oids, oids, sizeof(oids));
	status_type = enumtypid;
}

/*
 * StatusFromDatum
 *		The TaskOutputStatus of a value of enum type enumtypid.
 */
TaskOutputStatus
StatusFromDatum(Oid enumtypid, Datum value)
{
	Oid			oid = DatumGetObjectId(value);
	int			i;

	if (enumtypid != status_type)
		LoadStatusOids(enumtypid);
	for (i = 0; i < STATUS_COUNT; i++)
	{
		if (status_oids[i] == oid)
			return (TaskOutputStatus) i;
	}
	elog(ERROR, "unrecognized task_output_status value %u", oid);
	pg_unreachable();
}

/*
 * StatusGetDatum
 *		The value of enum type enumtypid for status.
 */
Datum
StatusGetDatum(Oid enumtypid, TaskOutputStatus status)
{
	if (enumtypid != status_type)
		LoadStatusOids(enumtypid);
	return ObjectIdGetDatum(status_oids[status]);
}

const char *
StatusName(TaskOutputStatus status)
{
	return status_names[status];
}

/*
 * StatusTransitionAllowed
 *		Whether the spec lets status from change to status to.
 */
bool
StatusTransitionAllowed(TaskOutputStatus from, TaskOutputStatus to)
{
	return allowed[from][to];
}

/*
 * ReportTransitionRejected
 *		PT409 for a change of status that the rules do not allow; hint may be
 *		NULL.
 */
void
ReportTransitionRejected(TaskOutputStatus from, TaskOutputStatus to, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("invalid status transition for a task output"),
			 errdetail("A task output cannot go from \"%s\" to \"%s\".",
					   status_names[from], status_names[to]),
			 hint ? errhint("%s", hint) : 0));
}

/*
 * CurrentUserIsAdmin
 *		Whether the current user has the privileges of task_outputs_admin
 *		(superusers have every role's).  Looked up by name each time: roles
 *		come and go independently of this library.
 */
bool
CurrentUserIsAdmin(void)
{
	Oid			admin = get_role_oid(ADMIN_ROLE, true);

	return OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
}

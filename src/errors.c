/*-------------------------------------------------------------------------
 *
 * errors.c
 *		The error reports of the API, each message text written once.
 *
 * SQLSTATEs follow the spec's table: PTnnn codes answer HTTP nnn behind
 * PostgREST, 42501 is a missing or refused tenant.  Not-found reports are
 * the same for an unknown id and another tenant's id, so an error never
 * tells a caller that a row exists elsewhere.
 *
 * src/errors.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "task_outputs.h"

/*
 * UuidToCString
 *		The canonical text of a UUID, palloc'd.
 */
char *
UuidToCString(pg_uuid_t *uuid)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(uuid)));
}

void
ReportNoTenant(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("no organization is set for this session"),
			 errhint("Set task_outputs.org_id to the organization's UUID, or call through a gateway that passes a JWT with an \"%s\" claim.",
					 task_outputs_jwt_org_claim)));
}

/*
 * ReportOrganizationNotGranted
 *		42501 for an organization in force that the current role may not act
 *		for.  The same for every such organization, existing or not.
 */
void
ReportOrganizationNotGranted(const pg_uuid_t *org_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to act for organization \"%s\"",
					UuidToCString((pg_uuid_t *) org_id)),
			 errdetail("Role \"%s\" has not been granted this organization and is not a member of task_outputs_gateway.",
					   GetUserNameFromId(GetUserId(), false)),
			 errhint("An administrator grants it with task_outputs.grant_organization(), or the call comes through a gateway role.")));
}

/*
 * ReportInvalidArgument
 *		PT400 for a value that breaks a rule; detail is a full sentence that
 *		names the rule and the offending value (or its size, when the value
 *		itself could be large).
 */
void
ReportInvalidArgument(const char *argument, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
			 errmsg("invalid %s", argument),
			 errdetail_internal("%s", detail)));
}

void
ReportFlowExecutionNotFound(pg_uuid_t *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_NOT_FOUND),
			 errmsg("flow execution not found"),
			 errdetail("No flow execution with id \"%s\" is visible to the current organization.",
					   UuidToCString(id))));
}

/*
 * ReportTaskOutputNotFound
 *		PT404 for a task output id (passed as argument) that the caller
 *		cannot see: unknown, another tenant's, or hidden.
 */
void
ReportTaskOutputNotFound(const char *argument, pg_uuid_t *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_NOT_FOUND),
			 errmsg("task output not found"),
			 errdetail("%s \"%s\" is not the id of a task output visible to the current organization.",
					   argument, UuidToCString(id))));
}

void
ReportUnexpectedSPIResult(const char *what, int rc)
{
	elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
}

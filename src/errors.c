/*-------------------------------------------------------------------------
 *
 * errors.c
 *		Error reports shared by the modules of the API, each text written
 *		once.
 *
 * SQLSTATEs follow the spec's table: PTnnn codes answer HTTP nnn behind
 * PostgREST, 42501 is a missing, refused or insufficient role.  Not-found
 * reports are the same for an unknown id, another tenant's id and an
 * output the caller may not see (soft-deleted), so an error never tells a
 * caller that a row exists elsewhere.
 *
 * src/errors.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "distribution.h"
#include "errors.h"
#include "tenant.h"

/*
 * UuidToCString
 *		The canonical text of a UUID, palloc'd.
 */
char *
UuidToCString(const pg_uuid_t *uuid)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out,
											   UUIDPGetDatum((pg_uuid_t *) uuid)));
}

void
ReportNoTenant(void)
{
	if (SentByAnotherNode())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("no organization is set for this session"),
				 errdetail("The statement came from another node of the distributed install, which did not pass on the organization."),
				 errhint("Call the API functions, or set \"task_outputs.org_id\" with SET LOCAL in a transaction whose \"citus.propagate_set_commands\" is \"local\".")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("no organization is set for this session"),
			 errhint("Set \"task_outputs.org_id\" to the organization's UUID, or call through a gateway that passes a JWT with an \"%s\" claim.",
					 JwtOrgClaimName())));
}

/*
 * ReportOrganizationNotGranted
 *		42501 for an organization in force that the current role may not act
 *		for: the same for every such organization, existing or not.
 */
void
ReportOrganizationNotGranted(const pg_uuid_t *org_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to act for organization \"%s\"",
					UuidToCString(org_id)),
			 errdetail("Role \"%s\" has not been granted this organization and is not acting for a gateway.",
					   GetUserNameFromId(GetUserId(), false)),
			 errhint("An administrator grants it with \"task_outputs.grant_organization()\", or the call comes through a gateway role.")));
}

/*
 * ReportPermissionDenied
 *		42501 for an action that needs a role the current role lacks;
 *		action completes "permission denied to ...".
 */
void
ReportPermissionDenied(const char *action, const char *role)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to %s", action),
			 errdetail("Only members of \"%s\" may do this.", role)));
}

void
ReportNullArgument(const char *argument)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
			 errmsg("invalid %s", argument),
			 errdetail("Argument \"%s\" must not be null.", argument)));
}

/*
 * RequireArgument
 *		PT400 when argument number argno, named argument, is null.
 */
void
RequireArgument(FunctionCallInfo fcinfo, int argno, const char *argument)
{
	if (PG_ARGISNULL(argno))
		ReportNullArgument(argument);
}

void
ReportFlowExecutionNotFound(const pg_uuid_t *id)
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
 *		cannot see: unknown, another tenant's, or soft-deleted.
 */
void
ReportTaskOutputNotFound(const char *argument, const pg_uuid_t *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_NOT_FOUND),
			 errmsg("task output not found"),
			 errdetail("Argument \"%s\" (\"%s\") is not the id of a task output visible to the current organization.",
					   argument, UuidToCString(id))));
}

/*
 * ReportLibraryMismatch
 *		The SQL objects and the loaded library disagree about object.
 */
void
ReportLibraryMismatch(const char *object)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s does not match this version of the task_outputs library", object),
			 errhint("Run ALTER EXTENSION task_outputs UPDATE, or install the library that matches the extension's version.")));
}

void
ReportUnexpectedSPIResult(const char *what, int rc)
{
	elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
}

/*-------------------------------------------------------------------------
 *
 * errors.h
 *		The SQLSTATEs of the API and the error reports shared by its
 *		modules.
 *
 * A report that belongs to one rule lives with that rule (rules.c,
 * filters.c, status.c); the reports here are the ones several modules
 * raise: not found, no tenant, permission, a bad argument, internal SPI
 * failures.
 *
 * src/errors.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_ERRORS_H
#define TASK_OUTPUTS_ERRORS_H

#include "fmgr.h"
#include "utils/uuid.h"

#include "compat.h"

/* SQLSTATEs of the API: PTnnn answers HTTP nnn behind PostgREST */
#define ERRCODE_TASK_OUTPUTS_BAD_REQUEST	MAKE_SQLSTATE('P','T','4','0','0')
#define ERRCODE_TASK_OUTPUTS_NOT_FOUND		MAKE_SQLSTATE('P','T','4','0','4')
#define ERRCODE_TASK_OUTPUTS_CONFLICT		MAKE_SQLSTATE('P','T','4','0','9')
#define ERRCODE_TASK_OUTPUTS_TOO_LARGE		MAKE_SQLSTATE('P','T','4','1','3')

extern char *UuidToCString(const pg_uuid_t *uuid);

pg_noreturn extern void ReportNoTenant(void);
pg_noreturn extern void ReportOrganizationNotGranted(const pg_uuid_t *org_id);
pg_noreturn extern void ReportPermissionDenied(const char *action,
											   const char *role);
pg_noreturn extern void ReportNullArgument(const char *argument);
pg_noreturn extern void ReportFlowExecutionNotFound(const pg_uuid_t *id);
pg_noreturn extern void ReportTaskOutputNotFound(const char *argument,
												 const pg_uuid_t *id);
pg_noreturn extern void ReportLibraryMismatch(const char *object);
pg_noreturn extern void ReportUnexpectedSPIResult(const char *what, int rc);

extern void RequireArgument(FunctionCallInfo fcinfo, int argno,
							const char *argument);

#endif							/* TASK_OUTPUTS_ERRORS_H */

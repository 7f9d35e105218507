/*-------------------------------------------------------------------------
 *
 * task_outputs.h
 *		Declarations shared by the task_outputs C sources.
 *
 * The API's record, task_output, has TASK_OUTPUT_NATTS columns in the order
 * of the TaskOutputColumn enum; every query that feeds the renderer or
 * builds a task_output selects exactly those columns in that order, and the
 * code checks the descriptor it is handed against it.
 *
 * src/task_outputs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_H
#define TASK_OUTPUTS_H

#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/uuid.h"

#include "compat.h"

/* SQLSTATEs of the API: PTnnn answers HTTP nnn behind PostgREST */
#define ERRCODE_TASK_OUTPUTS_BAD_REQUEST	MAKE_SQLSTATE('P','T','4','0','0')
#define ERRCODE_TASK_OUTPUTS_NOT_FOUND		MAKE_SQLSTATE('P','T','4','0','4')
#define ERRCODE_TASK_OUTPUTS_CONFLICT		MAKE_SQLSTATE('P','T','4','0','9')
#define ERRCODE_TASK_OUTPUTS_TOO_LARGE		MAKE_SQLSTATE('P','T','4','1','3')

/* Columns of the task_output type, in order */
typedef enum TaskOutputColumn
{
	TO_ID,
	TO_FLOW_EXECUTION_ID,
	TO_ORGANIZATION_ID,
	TO_TASK_NAME,
	TO_STATUS,
	TO_SUMMARY,
	TO_OUTPUT,
	TO_TAGS,
	TO_LAST_MODIFIED_BY,
	TO_CREATED_AT,
	TO_UPDATED_AT,
	TASK_OUTPUT_NATTS
} TaskOutputColumn;

/* The select list that yields a task_output, for SQL text built in C */
#define TASK_OUTPUT_COLUMNS \
	"id, flow_execution_id, organization_id, task_name, status, summary, " \
	"output, tags, last_modified_by, created_at, updated_at"

/* task_outputs.c: settings */
extern char *task_outputs_org_id;
extern char *task_outputs_jwt_org_claim;
extern char *task_outputs_actor;
extern int	task_outputs_max_output_bytes;
extern int	task_outputs_warn_output_bytes;
extern int	task_outputs_max_result_bytes;

/* tenant.c: who is asking */
extern bool GetCurrentOrgId(pg_uuid_t *org_id);
extern bool GetAuthorizedOrgId(pg_uuid_t *org_id);
extern void RequireAuthorizedOrgId(pg_uuid_t *org_id);
extern const char *GetCurrentActor(void);
extern bool ParseUuid(const char *str, pg_uuid_t *uuid);
extern bool IsValidActor(const char *actor);

/* grants.c: which organizations a role may act for */
extern bool RoleMayActFor(const pg_uuid_t *org_id);

/* uuid7.c */
extern void GenerateUuidV7(pg_uuid_t *uuid);

/* render.c: task_output rows as JSON */
extern void CheckTaskOutputDescriptor(TupleDesc tupdesc);

/* errors.c: each message of the API, once */
pg_noreturn extern void ReportNoTenant(void);
pg_noreturn extern void ReportOrganizationNotGranted(const pg_uuid_t *org_id);
pg_noreturn extern void ReportInvalidArgument(const char *argument,
											  const char *detail);
pg_noreturn extern void ReportFlowExecutionNotFound(pg_uuid_t *id);
pg_noreturn extern void ReportTaskOutputNotFound(const char *argument,
												 pg_uuid_t *id);
pg_noreturn extern void ReportUnexpectedSPIResult(const char *what, int rc);
extern char *UuidToCString(pg_uuid_t *uuid);

#endif							/* TASK_OUTPUTS_H */

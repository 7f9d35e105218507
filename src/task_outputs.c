/*-------------------------------------------------------------------------
 *
 * task_outputs.c
 *		Module entry point: PG_MODULE_MAGIC and the task_outputs.* settings.
 *
 * The settings are defined once, when the library is loaded into a backend,
 * and the task_outputs prefix is reserved so that a misspelt setting is an
 * error rather than a silently ignored placeholder.  The organization id is
 * validated when it is set, so a bad value never reaches a query.
 *
 * src/task_outputs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "task_outputs.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

char	   *task_outputs_org_id = NULL;
char	   *task_outputs_jwt_org_claim = NULL;
char	   *task_outputs_actor = NULL;
int			task_outputs_max_output_bytes = 16 * 1024 * 1024;
int			task_outputs_warn_output_bytes = 0;
int			task_outputs_max_result_bytes = 1024 * 1024 * 1024;

/*
 * CheckOrgId
 *		GUC check hook: an organization id is empty (unset) or a UUID.
 */
static bool
CheckOrgId(char **newval, void **extra, GucSource source)
{
	pg_uuid_t	uuid;

	if (*newval == NULL || (*newval)[0] == '\0' || ParseUuid(*newval, &uuid))
		return true;
	GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
	GUC_check_errdetail("\"%s\" is not a UUID.", *newval);
	return false;
}

/*
 * CheckActor
 *		GUC check hook: an actor is empty (unset) or a valid last_modified_by.
 */
static bool
CheckActor(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' || IsValidActor(*newval))
		return true;
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errdetail("An actor is \"system\", a UUID, or an identifier matching ^[a-z][a-z0-9_-]{0,62}$.");
	return false;
}

/*
 * CheckClaimName
 *		GUC check hook: a JWT claim name is a non-empty identifier, since it
 *		is also the last part of PostGraphile's jwt.claims.<name> setting.
 */
static bool
CheckClaimName(char **newval, void **extra, GucSource source)
{
	const char *p;

	if (*newval == NULL || (*newval)[0] == '\0')
	{
		GUC_check_errdetail("The claim name must not be empty.");
		return false;
	}
	for (p = *newval; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
		{
			GUC_check_errdetail("A claim name consists of letters, digits, \"_\" and \"-\".");
			return false;
		}
	}
	return true;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("task_outputs.org_id",
							   "The organization this session acts for.",
							   "Empty means: take it from the JWT claims of the gateway.",
							   &task_outputs_org_id,
							   "",
							   PGC_USERSET,
							   0,
							   CheckOrgId, NULL, NULL);

	DefineCustomStringVariable("task_outputs.jwt_org_claim",
							   "The JWT claim that holds the organization id.",
							   "Read from PostgREST's request.jwt.claims and PostGraphile's jwt.claims.<claim>.",
							   &task_outputs_jwt_org_claim,
							   "org_id",
							   PGC_SUSET,
							   0,
							   CheckClaimName, NULL, NULL);

	DefineCustomStringVariable("task_outputs.actor",
							   "Who is making changes, stamped into last_modified_by.",
							   "Empty means: the JWT sub claim, else \"system\".",
							   &task_outputs_actor,
							   "",
							   PGC_USERSET,
							   0,
							   CheckActor, NULL, NULL);

	DefineCustomIntVariable("task_outputs.max_output_bytes",
							"Largest summary plus output of one task output.",
							"Larger writes fail with SQLSTATE PT413.",
							&task_outputs_max_output_bytes,
							16 * 1024 * 1024,
							1024,
							128 * 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("task_outputs.warn_output_bytes",
							"Summary plus output size above which a write raises a warning.",
							"0 turns the warning off.  The data is never truncated.",
							&task_outputs_warn_output_bytes,
							0,
							0,
							128 * 1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("task_outputs.max_result_bytes",
							"Largest JSON result of one list call.",
							"Larger results fail with SQLSTATE PT413; export_task_outputs has no limit.  "
							"Never more than one json value can hold (1GB).",
							&task_outputs_max_result_bytes,
							1024 * 1024 * 1024,
							1024,
							1024 * 1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("task_outputs");
}

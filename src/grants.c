/*-------------------------------------------------------------------------
 *
 * grants.c
 *		Organization grants: grant_organization and revoke_organization,
 *		and the trigger that makes every backend forget its cached
 *		decisions when the grants change.
 *
 * An administrator delegates: it may grant or revoke only an organization
 * it may act for itself (authorization.c: as a superuser, for a gateway,
 * or granted it), so an administrator of one organization cannot give
 * itself or anyone another.  The grants table is not readable or writable
 * by any tenant role; the change runs as its owner, through a fixed
 * statement, in a security-restricted operation, once the caller has been
 * checked.  Grants are by role name (they survive dump and restore); the
 * role must exist now.
 *
 * src/grants.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "authorization.h"
#include "errors.h"
#include "query.h"

PG_FUNCTION_INFO_V1(grant_organization);
PG_FUNCTION_INFO_V1(revoke_organization);
PG_FUNCTION_INFO_V1(organization_grants_changed);

static PreparedQuery grant_query = {
	"INSERT INTO task_outputs.organization_grants (organization_id, role_name, granted_by)"
	" VALUES ($1, $2, $3)"
	" ON CONFLICT (organization_id, role_name) DO NOTHING",
	3, {UUIDOID, NAMEOID, NAMEOID},
	.as_caller = true
};

static PreparedQuery revoke_query = {
	"DELETE FROM task_outputs.organization_grants"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND role_name OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, NAMEOID},
	.as_caller = true
};

/*
 * ChangeOrganizationGrant
 *		Run the grant or revoke statement for the arguments of fcinfo; verb
 *		says which, for messages.
 */
static void
ChangeOrganizationGrant(FunctionCallInfo fcinfo, PreparedQuery *query,
						const char *verb)
{
	pg_uuid_t  *org_id;
	Oid			roleid;
	char	   *rolename;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	Datum		args[3];
	int			rc;

	RequireAdmin(psprintf("%s organizations", verb));
	RequireArgument(fcinfo, 0, "role");
	RequireArgument(fcinfo, 1, "organization_id");
	roleid = PG_GETARG_OID(0);
	org_id = PG_GETARG_UUID_P(1);
	rolename = OidIsValid(roleid) ? GetUserNameFromId(roleid, true) : NULL;
	if (rolename == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid role"),
				 errdetail("Role with OID %u does not exist.", roleid)));
	if (!MayActFor(org_id))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s organization \"%s\"", verb,
						UuidToCString(org_id)),
				 errdetail("Role \"%s\" may not act for this organization itself.",
						   GetUserNameFromId(GetUserId(), false)),
				 errhint("An administrator may %s only organizations it may act for.",
						 verb)));

	owner = GrantsTableOwner(NULL);
	if (!OidIsValid(owner))
		ReportLibraryMismatch("table organization_grants");
	args[0] = UUIDPGetDatum(org_id);
	args[1] = DirectFunctionCall1(namein, CStringGetDatum(rolename));
	args[2] = DirectFunctionCall1(namein,
								  CStringGetDatum(GetUserNameFromId(GetUserId(), false)));

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = RunQuery(query, NULL, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT && rc != SPI_OK_DELETE)
		ReportUnexpectedSPIResult("organization grant change", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	ForgetAuthorizationDecisions();
}

/*
 * grant_organization
 *		SQL: let role act for organization_id.  Granting again is a no-op.
 */
Datum
grant_organization(PG_FUNCTION_ARGS)
{
	ChangeOrganizationGrant(fcinfo, &grant_query, "grant");
	PG_RETURN_VOID();
}

/*
 * revoke_organization
 *		SQL: take organization_id back from role.  Revoking what was not
 *		granted is a no-op, as with REVOKE.
 */
Datum
revoke_organization(PG_FUNCTION_ARGS)
{
	ChangeOrganizationGrant(fcinfo, &revoke_query, "revoke");
	PG_RETURN_VOID();
}

/*
 * organization_grants_changed
 *		Trigger on task_outputs.organization_grants: AFTER INSERT OR UPDATE
 *		OR DELETE OR TRUNCATE FOR EACH STATEMENT.
 *
 * However the table changes (the functions above, a superuser's statement,
 * a restore), every backend of the database forgets its cached decision:
 * the relcache invalidation is delivered when this transaction commits,
 * and processed locally at once.  On a distributed install the table is a
 * reference table and the trigger fires for its placement on each node,
 * another relation: the invalidation names the table too, which is what
 * the backends of that node remember.
 */
Datum
organization_grants_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			grants_relid;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						"organization_grants_changed")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired %s",
						"organization_grants_changed", "AFTER ... FOR EACH STATEMENT")));

	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	/* on a distributed install it fires for a placement of the table */
	(void) GrantsTableOwner(&grants_relid);
	if (OidIsValid(grants_relid) && grants_relid != RelationGetRelid(trigdata->tg_relation))
		CacheInvalidateRelcacheByRelid(grants_relid);
	ForgetAuthorizationDecisions();
	return PointerGetDatum(NULL);
}

/*-------------------------------------------------------------------------
 *
 * grants.c
 *		Organization grants: which organizations a role that is not a
 *		gateway may act for, and the decision whether the current role may
 *		act for the organization in force.
 *
 * The trust boundary.  A superuser, and a role that is a member of
 * task_outputs_gateway (as the current user, or as the session user, which
 * is the login role of the connection and cannot be changed by SET ROLE:
 * PostgREST and PostGraphile log in as an authenticator and then SET ROLE
 * to a role without privileges of its own), take the organization from the
 * session, as a gateway does after verifying a JWT.  Any other current
 * role may act only for organizations granted to it, or to a role whose
 * privileges it has (has_privs_of_role, as for table privileges).
 * Membership in the gateway role is tested without the superuser shortcut
 * and regardless of INHERIT, since authenticators are usually NOINHERIT.
 *
 * Grants are kept by role name, not OID, so that pg_dump and restore into
 * another cluster keep them; a role that is renamed or dropped loses them.
 * Tenants have no privileges on the grants table, so the lookup runs as the
 * table's owner (the way referential integrity checks do), through one
 * fixed, schema-qualified prepared query, in a security-restricted
 * operation; the caller's identity is restored by transaction abort if the
 * query fails.
 *
 * The last decision is cached, keyed by the current user, the session user
 * and the organization, for the rest of the transaction at most: a query's
 * row-level security and the API function that runs it ask the same
 * question, and the answer is snapshot-dependent, so it is never carried
 * into another transaction.  Within the transaction it is forgotten when
 * any role or membership changes (syscache callbacks) and when the grants
 * table changes (a statement trigger on it sends a relcache invalidation,
 * which reaches every backend of the database).
 *
 * src/grants.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "query.h"
#include "task_outputs.h"

PG_FUNCTION_INFO_V1(grant_organization);
PG_FUNCTION_INFO_V1(revoke_organization);
PG_FUNCTION_INFO_V1(organization_grants_changed);

#define EXTENSION_SCHEMA	"task_outputs"
#define GRANTS_TABLE		"organization_grants"
#define GATEWAY_ROLE		"task_outputs_gateway"

static PreparedQuery grantees_query = {
	"SELECT role_name FROM task_outputs.organization_grants"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1",
	1, {UUIDOID}
};

static PreparedQuery grant_query = {
	"INSERT INTO task_outputs.organization_grants (organization_id, role_name)"
	" VALUES ($1, $2)"
	" ON CONFLICT (organization_id, role_name) DO NOTHING",
	2, {UUIDOID, NAMEOID}
};

static PreparedQuery revoke_query = {
	"DELETE FROM task_outputs.organization_grants"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND role_name OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, NAMEOID}
};

/* The last authorization decision of this transaction */
typedef struct AuthorizationCache
{
	bool		valid;
	Oid			userid;
	Oid			session_userid;
	pg_uuid_t	org_id;
	bool		allowed;
} AuthorizationCache;

static AuthorizationCache authorization_cache;
static Oid	grants_relid = InvalidOid;
static bool callbacks_registered = false;

static void
ForgetAuthorization(void)
{
	authorization_cache.valid = false;
}

static void
AuthorizationSyscacheCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	ForgetAuthorization();
}

static void
AuthorizationRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == grants_relid)
		ForgetAuthorization();
}

static void
AuthorizationXactCallback(XactEvent event, void *arg)
{
	ForgetAuthorization();
}

/*
 * RegisterAuthorizationCallbacks
 *		Once per backend, on first use: forget the cached decision at the
 *		end of every transaction and whenever roles, memberships or grants
 *		change.
 */
static void
RegisterAuthorizationCallbacks(void)
{
	if (callbacks_registered)
		return;
	CacheRegisterSyscacheCallback(AUTHOID, AuthorizationSyscacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMMEMROLE, AuthorizationSyscacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, AuthorizationSyscacheCallback, (Datum) 0);
	CacheRegisterRelcacheCallback(AuthorizationRelcacheCallback, (Datum) 0);
	RegisterXactCallback(AuthorizationXactCallback, NULL);
	callbacks_registered = true;
}

/*
 * IsGatewayMember
 *		True when roleid is a member of task_outputs_gateway, directly or
 *		through other roles, with or without INHERIT.  Superusers are not
 *		members merely by being superusers: a superuser session that SET
 *		ROLEs to a tenant's role is bound like that role.
 */
static bool
IsGatewayMember(Oid roleid)
{
	Oid			gateway = get_role_oid(GATEWAY_ROLE, true);

	return OidIsValid(gateway) && is_member_of_role_nosuper(roleid, gateway);
}

/*
 * GrantsTableOwner
 *		The owner of the grants table, or InvalidOid when the extension's
 *		table is not there (which grants nothing).  Sets grants_relid.
 */
static Oid
GrantsTableOwner(void)
{
	Oid			namespace = get_namespace_oid(EXTENSION_SCHEMA, true);
	HeapTuple	tuple;
	Oid			owner;

	grants_relid = OidIsValid(namespace) ?
		get_relname_relid(GRANTS_TABLE, namespace) : InvalidOid;
	if (!OidIsValid(grants_relid))
		return InvalidOid;
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(grants_relid));
	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * OrganizationGranted
 *		True when org_id is granted to roleid or to a role whose privileges
 *		roleid has.
 *
 * Runs the lookup as the owner of the grants table, which tenants cannot
 * read, with SECURITY_NOFORCE_RLS so the owner is not bound by the table's
 * forced row-level security (as referential integrity checks do).
 */
static bool
OrganizationGranted(Oid roleid, const pg_uuid_t *org_id)
{
	Oid			owner = GrantsTableOwner();
	Oid			save_userid;
	int			save_sec_context;
	Datum		args[1];
	bool		granted = false;
	uint64		i;
	int			rc;

	if (!OidIsValid(owner))
		return false;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = UUIDPGetDatum(org_id);
	rc = ExecutePreparedQuery(&grantees_query, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("organization grants lookup", rc);

	for (i = 0; i < SPI_processed && !granted; i++)
	{
		bool		isnull;
		Datum		name = SPI_getbinval(SPI_tuptable->vals[i],
										 SPI_tuptable->tupdesc, 1, &isnull);
		Oid			grantee;

		if (isnull)
			continue;
		grantee = get_role_oid(NameStr(*DatumGetName(name)), true);
		granted = OidIsValid(grantee) && has_privs_of_role(roleid, grantee);
	}

	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return granted;
}

/*
 * RoleMayActFor
 *		True when the current role may act for org_id: it is a superuser, a
 *		gateway (as current or session user), or has been granted org_id.
 */
bool
RoleMayActFor(const pg_uuid_t *org_id)
{
	Oid			userid = GetUserId();
	Oid			session_userid = GetSessionUserId();
	bool		allowed;

	RegisterAuthorizationCallbacks();
	if (authorization_cache.valid &&
		authorization_cache.userid == userid &&
		authorization_cache.session_userid == session_userid &&
		memcmp(&authorization_cache.org_id, org_id, sizeof(pg_uuid_t)) == 0)
		return authorization_cache.allowed;

	allowed = superuser_arg(userid) ||
		IsGatewayMember(userid) ||
		IsGatewayMember(session_userid) ||
		OrganizationGranted(userid, org_id);

	authorization_cache.userid = userid;
	authorization_cache.session_userid = session_userid;
	memcpy(&authorization_cache.org_id, org_id, sizeof(pg_uuid_t));
	authorization_cache.allowed = allowed;
	authorization_cache.valid = true;
	return allowed;
}

/*
 * ChangeOrganizationGrant
 *		Run the grant or revoke statement for the arguments of fcinfo.
 *
 * The statement runs as the caller, so the grants table's privileges and
 * row-level security decide who may change it (task_outputs_admin).  Grants
 * are by role name; the role must exist now.
 */
static void
ChangeOrganizationGrant(FunctionCallInfo fcinfo, PreparedQuery *query)
{
	Oid			roleid;
	char	   *rolename;
	Datum		args[2];
	int			rc;

	if (PG_ARGISNULL(0))
		ReportInvalidArgument("role", "role must not be null.");
	if (PG_ARGISNULL(1))
		ReportInvalidArgument("organization_id", "organization_id must not be null.");
	roleid = PG_GETARG_OID(0);
	rolename = OidIsValid(roleid) ? GetUserNameFromId(roleid, true) : NULL;
	if (rolename == NULL)
		ReportInvalidArgument("role",
							  psprintf("Role with OID %u does not exist.", roleid));

	args[0] = PG_GETARG_DATUM(1);
	args[1] = DirectFunctionCall1(namein, CStringGetDatum(rolename));

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	rc = ExecutePreparedQuery(query, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT && rc != SPI_OK_DELETE)
		ReportUnexpectedSPIResult("organization grant change", rc);
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);
	ForgetAuthorization();
}

/*
 * grant_organization
 *		SQL: let role act for organization_id.  Granting again is a no-op.
 */
Datum
grant_organization(PG_FUNCTION_ARGS)
{
	ChangeOrganizationGrant(fcinfo, &grant_query);
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
	ChangeOrganizationGrant(fcinfo, &revoke_query);
	PG_RETURN_VOID();
}

/*
 * organization_grants_changed
 *		Trigger on task_outputs.organization_grants: AFTER INSERT OR UPDATE
 *		OR DELETE OR TRUNCATE FOR EACH STATEMENT.
 *
 * However the table changes (the functions above, a direct statement, a
 * restore), every backend of the database forgets its cached decision:
 * the relcache invalidation is delivered when this transaction commits,
 * and processed locally at once.
 */
Datum
organization_grants_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "organization_grants_changed: not called by trigger manager");
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		elog(ERROR, "organization_grants_changed: must be fired after statement");

	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	ForgetAuthorization();
	return PointerGetDatum(NULL);
}

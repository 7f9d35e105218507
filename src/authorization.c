/*-------------------------------------------------------------------------
 *
 * authorization.c
 *		Who may act for which organization, who is an administrator, and
 *		what the extension's own statements may see.
 *
 * The trust boundary.  The current role may act for the organization in
 * force when
 *	- it is a superuser;
 *	- it acts for a gateway: it, or the session user (the login role of
 *	  the connection, which SET ROLE does not change: PostgREST and
 *	  PostGraphile log in as an authenticator and SET ROLE to a web role
 *	  without privileges of its own), is a member of task_outputs_gateway,
 *	  and the current role is the session's own role, not one PostgreSQL
 *	  switched to for code that someone else wrote and the gateway merely
 *	  set off: the owner of a SECURITY DEFINER function being run
 *	  (InLocalUserIdChange), or the owner of a table whose index
 *	  expressions, materialized view query or statistics PostgreSQL
 *	  evaluates during ANALYZE, VACUUM, CREATE INDEX, REINDEX, CLUSTER or
 *	  REFRESH MATERIALIZED VIEW (a security-restricted operation; so is
 *	  autovacuum's, run by a superuser);
 *	- or that organization was granted to it, or to a role whose
 *	  privileges it has, with grant_organization.
 * Membership in the gateway role is tested without the superuser shortcut
 * and regardless of INHERIT, since authenticators are usually NOINHERIT.
 *
 * Grants are kept by role name (so that dump and restore keep them), in a
 * table that no tenant role may read: the lookup runs as the table's owner
 * (as referential integrity checks do), through one fixed prepared query,
 * in a security-restricted operation.  The last decision is cached,
 * keyed by the current user, the session's own roles, the security context
 * and the organization, for the rest of the transaction at
 * most; it is forgotten when any role or membership changes (syscache
 * callbacks) and when the grants table changes (a statement trigger on it
 * sends a relcache invalidation, which reaches every backend).
 *
 * On a distributed install the decision is taken where a call arrives,
 * and the call then runs on the node of its organization for the caller
 * so decided (internal.c): there, while the call runs, the caller the
 * call carries is the principal, its administrator flag and its actor.
 * A lookup of the grants from inside a query that Citus sends to a shard
 * (plain SQL on a distributed table, whose row-level security asks
 * authorized_org_id() on the worker) reads the grants' local placement
 * (distribution.c, AllowNestedLookup).
 *
 * The extension's own statements run as the service role (query.c), which
 * no one logs in as.  Row-level security applies to it like to anyone:
 * while a statement runs, query.c keeps a StatementScope saying which
 * organization it acts for (the caller's, already authorized here),
 * whether the caller is an administrator and whether the statement may
 * read soft-deleted rows; authorized_org_id() and deleted_visible(), which
 * the policies call, answer from it.  Outside a scope the service role
 * sees nothing.
 *
 * src/authorization.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "authorization.h"
#include "catalog.h"
#include "distribution.h"
#include "errors.h"
#include "internal.h"
#include "query.h"
#include "tenant.h"

PG_FUNCTION_INFO_V1(authorized_org_id);
PG_FUNCTION_INFO_V1(deleted_visible);

#define GRANTS_TABLE "organization_grants"

static PreparedQuery grantees_query = {
	"SELECT role_name FROM task_outputs.organization_grants"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1",
	1, {UUIDOID},
	.as_caller = true
};

/* The last authorization decision of this transaction */
typedef struct AuthorizationCache
{
	bool		valid;
	Oid			userid;
	Oid			outer_userid;
	Oid			session_userid;
	int			sec_context;
	pg_uuid_t	org_id;
	bool		allowed;
} AuthorizationCache;

static AuthorizationCache authorization_cache;
static Oid	grants_relid = InvalidOid;
static bool callbacks_registered = false;

void
ForgetAuthorizationDecisions(void)
{
	authorization_cache.valid = false;
}

static void
AuthorizationSyscacheCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	ForgetAuthorizationDecisions();
}

static void
AuthorizationRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == grants_relid)
		ForgetAuthorizationDecisions();
}

static void
AuthorizationXactCallback(XactEvent event, void *arg)
{
	ForgetAuthorizationDecisions();
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
 *		The owner of the extension's grants table, and its OID in
 *		*grants_relid_out; InvalidOid when there is no such table (which
 *		grants nothing).
 */
Oid
GrantsTableOwner(Oid *grants_relid_out)
{
	HeapTuple	tuple;
	Oid			owner;

	grants_relid = ExtensionRelation(GRANTS_TABLE);
	if (grants_relid_out != NULL)
		*grants_relid_out = grants_relid;
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
 * Runs the lookup as the owner of the grants table, with
 * SECURITY_NOFORCE_RLS so the owner is not bound by the table's forced
 * row-level security (as referential integrity checks do).  The caller's
 * identity is restored here, or by the transaction's abort on error.
 */
static bool
OrganizationGranted(Oid roleid, const pg_uuid_t *org_id)
{
	Oid			owner = GrantsTableOwner(NULL);
	Oid			save_userid;
	int			save_sec_context;
	Datum		args[1];
	bool		granted = false;
	uint64		i;
	int			rc;
	int			nestlevel;

	if (!OidIsValid(owner))
		return false;

	nestlevel = AllowNestedLookup();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	args[0] = UUIDPGetDatum(org_id);
	rc = RunQuery(&grantees_query, NULL, args, NULL, true, 0);
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
	EndNestedLookup(nestlevel);
	return granted;
}

/*
 * ActsAsItself
 *		Whether the current role is the session's own (its login role, or
 *		the role it SET ROLE to), not one PostgreSQL switched to in order to
 *		run code of that role's: a SECURITY DEFINER function, or a table
 *		owner's expressions during maintenance.
 */
static bool
ActsAsItself(Oid userid, Oid outer_userid, int sec_context)
{
	return userid == outer_userid &&
		(sec_context & (SECURITY_LOCAL_USERID_CHANGE |
						SECURITY_RESTRICTED_OPERATION)) == 0;
}

/*
 * MayActFor
 *		True when the current role may act for org_id: see the file header.
 */
bool
MayActFor(const pg_uuid_t *org_id)
{
	Oid			userid;
	Oid			outer_userid = GetOuterUserId();
	Oid			session_userid = GetSessionUserId();
	int			sec_context;
	bool		allowed;

	GetUserIdAndSecContext(&userid, &sec_context);
	RegisterAuthorizationCallbacks();
	if (authorization_cache.valid &&
		authorization_cache.userid == userid &&
		authorization_cache.outer_userid == outer_userid &&
		authorization_cache.session_userid == session_userid &&
		authorization_cache.sec_context == sec_context &&
		memcmp(&authorization_cache.org_id, org_id, sizeof(pg_uuid_t)) == 0)
		return authorization_cache.allowed;

	allowed = superuser_arg(userid) ||
		(ActsAsItself(userid, outer_userid, sec_context) &&
		 (IsGatewayMember(userid) || IsGatewayMember(session_userid))) ||
		OrganizationGranted(userid, org_id);

	authorization_cache.userid = userid;
	authorization_cache.outer_userid = outer_userid;
	authorization_cache.session_userid = session_userid;
	authorization_cache.sec_context = sec_context;
	memcpy(&authorization_cache.org_id, org_id, sizeof(pg_uuid_t));
	authorization_cache.allowed = allowed;
	authorization_cache.valid = true;
	return allowed;
}

/*
 * CurrentRoleIsAdmin
 *		Whether the current role has the privileges of task_outputs_admin
 *		(superusers have every role's).  Looked up by name each time: roles
 *		come and go independently of this library.
 */
bool
CurrentRoleIsAdmin(void)
{
	Oid			admin = get_role_oid(ADMIN_ROLE, true);
	const Principal *delegated = DelegatedPrincipal();

	if (delegated != NULL)
		return delegated->is_admin;

	return OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
}

/*
 * RequireAdmin
 *		42501 unless the current role is an administrator; action completes
 *		"permission denied to ...".
 */
void
RequireAdmin(const char *action)
{
	if (!CurrentRoleIsAdmin())
		ReportPermissionDenied(action, ADMIN_ROLE);
}

/*
 * RequirePrincipal
 *		The caller of an API function, checked: 42501 with a hint when no
 *		organization is in force or the current role may not act for it.
 *		Every API entry point calls this before anything else.
 */
void
RequirePrincipal(Principal *principal)
{
	const Principal *delegated = DelegatedPrincipal();

	if (delegated != NULL)
	{
		*principal = *delegated;
		return;
	}
	if (!GetCurrentOrgId(&principal->org_id))
		ReportNoTenant();
	if (!MayActFor(&principal->org_id))
		ReportOrganizationNotGranted(&principal->org_id);
	principal->is_admin = CurrentRoleIsAdmin();
	principal->actor[0] = '\0';
}

/*
 * ResolveActor
 *		Who the principal is, for what it writes (tenant.c says how): the
 *		write API resolves it once, before its statements, and the tables'
 *		triggers stamp it from the statement's scope.
 */
void
ResolveActor(Principal *principal)
{
	const Principal *delegated = DelegatedPrincipal();

	strlcpy(principal->actor, delegated != NULL ? delegated->actor : GetCurrentActor(),
			ACTOR_BYTES);
}

/*
 * GetWriterPrincipal
 *		Who is writing, for the tables' triggers: the API's caller when the
 *		write is one of the extension's statements (the active scope), else
 *		the current role acting for the organization in force (42501 when it
 *		may not), with its actor.  False when no organization is in force at
 *		all; the trigger decides what that means.
 */
bool
GetWriterPrincipal(Principal *principal)
{
	const StatementScope *scope = ActiveScope();

	memset(principal, 0, sizeof(*principal));
	if (scope != NULL)
	{
		principal->org_id = scope->org_id;
		principal->is_admin = scope->is_admin;
		strlcpy(principal->actor, scope->actor, ACTOR_BYTES);
		if (principal->actor[0] == '\0')
			ResolveActor(principal);
		return true;
	}
	if (!GetCurrentOrgId(&principal->org_id))
		return false;
	if (!MayActFor(&principal->org_id))
		ReportOrganizationNotGranted(&principal->org_id);
	principal->is_admin = CurrentRoleIsAdmin();
	ResolveActor(principal);
	return true;
}

/*
 * GetRowWriterPrincipal
 *		Who writes an existing row of organization row_org_id, for the
 *		tables' UPDATE and DELETE triggers: the writer GetWriterPrincipal
 *		finds, acting for the row's organization.  A superuser with no
 *		organization in force writes for the row's; a role that reached a
 *		row of another organization than the one in force (which row-level
 *		security lets only superusers and roles exempt from it do) must be
 *		allowed to act for the row's (42501 otherwise), and writes for it.
 */
void
GetRowWriterPrincipal(Principal *principal, const pg_uuid_t *row_org_id)
{
	if (!GetWriterPrincipal(principal))
	{
		if (!superuser())
			ReportNoTenant();
		principal->org_id = *row_org_id;
		principal->is_admin = true;
		ResolveActor(principal);
		return;
	}
	if (memcmp(&principal->org_id, row_org_id, sizeof(pg_uuid_t)) == 0)
		return;
	if (!MayActFor(row_org_id))
		ReportOrganizationNotGranted(row_org_id);
	principal->org_id = *row_org_id;
	principal->is_admin = CurrentRoleIsAdmin();
}

/*
 * authorized_org_id
 *		SQL: the organization in force when the current role may act for it,
 *		else NULL; for the service role, its statement's scope.  The
 *		row-level security policies are keyed on it, so it never raises for
 *		a refused organization: a refused role sees no rows.  One case is an
 *		error: a statement that another node of a distributed install sent
 *		here without the organization its session set (Citus carries only
 *		SET LOCAL settings, and only when asked to), which would otherwise
 *		read nothing, silently.
 */
Datum
authorized_org_id(PG_FUNCTION_ARGS)
{
	const StatementScope *scope = ActiveScope();
	pg_uuid_t  *org_id = palloc(sizeof(pg_uuid_t));

	if (scope != NULL)
	{
		*org_id = scope->org_id;
		PG_RETURN_UUID_P(org_id);
	}
	if (IsServiceRole(GetUserId()))
		PG_RETURN_NULL();
	if (!GetCurrentOrgId(org_id))
	{
		/* plain SQL that reached a worker without its organization */
		if (SentByAnotherNode())
			ReportNoTenant();
		PG_RETURN_NULL();
	}
	if (!MayActFor(org_id))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(org_id);
}

/*
 * deleted_visible
 *		SQL: whether the current role may read soft-deleted task outputs:
 *		an administrator, or one of the extension's statements that needs to
 *		(its scope says so).  The row-level security policies call it.
 */
Datum
deleted_visible(PG_FUNCTION_ARGS)
{
	const StatementScope *scope = ActiveScope();

	if (scope != NULL)
		PG_RETURN_BOOL(scope->sees_deleted);
	if (IsServiceRole(GetUserId()))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(CurrentRoleIsAdmin());
}

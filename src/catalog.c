/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		The extension's own objects, found through the catalog: its schema,
 *		its tables and the role its statements run as.
 *
 * Nothing security-relevant is trusted because of its name alone.  The
 * schema is the one pg_extension records for task_outputs (the install
 * script refuses a schema it does not own, so only superusers can change
 * what is in it); the SQL text of the extension's statements names
 * "task_outputs.<table>", and RequireExtensionSchema checks, when a
 * statement is prepared, that this name resolves to that schema.  Tables
 * are looked up in that schema only.
 *
 * The service role, task_outputs_service, is the role the extension's own
 * statements run as (query.c).  Roles are cluster-wide and only superusers
 * and CREATEROLE roles make them; the role is found by name and checked,
 * each time it is used, to be unable to log in, not a superuser and not
 * exempt from row-level security (the install script also refuses one
 * with members).
 *
 * The schema's OID and the extension's owner are remembered until the end
 * of the transaction (DROP and CREATE EXTENSION change them, and
 * pg_extension has no cache invalidation); the role's OID until a role
 * changes.
 *
 * src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_extension.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "errors.h"

static Oid	extension_schema = InvalidOid;
static Oid	extension_owner = InvalidOid;
static Oid	service_role = InvalidOid;
static bool callbacks_registered = false;

static void
ForgetExtensionSchema(XactEvent event, void *arg)
{
	extension_schema = InvalidOid;
	extension_owner = InvalidOid;
}

static void
ForgetServiceRole(Datum arg, int cacheid, uint32 hashvalue)
{
	service_role = InvalidOid;
}

static void
RegisterCatalogCallbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(ForgetExtensionSchema, NULL);
	CacheRegisterSyscacheCallback(AUTHOID, ForgetServiceRole, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, ForgetServiceRole, (Datum) 0);
	callbacks_registered = true;
}

/*
 * The versions of the extension's SQL objects that this library does not
 * serve: their C functions are still exported (their scripts name them),
 * but the objects around them are not what this library's statements
 * expect.
 */
static const char *const versions_not_served[] = {"0.1.0"};

static void
CheckExtensionVersion(HeapTuple tuple, Relation rel)
{
	bool		isnull;
	Datum		version = heap_getattr(tuple, Anum_pg_extension_extversion,
									   RelationGetDescr(rel), &isnull);
	char	   *version_text;
	int			i;

	if (isnull)
		return;
	version_text = TextDatumGetCString(version);
	for (i = 0; i < lengthof(versions_not_served); i++)
		if (strcmp(version_text, versions_not_served[i]) == 0)
			ReportLibraryMismatch(psprintf("extension \"%s\" version %s",
										   EXTENSION_NAME, version_text));
	pfree(version_text);
}

/*
 * ExtensionSchema
 *		The schema pg_extension records for task_outputs.
 */
Oid
ExtensionSchema(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			schema = InvalidOid;
	Oid			owner = InvalidOid;

	RegisterCatalogCallbacks();
	if (OidIsValid(extension_schema))
		return extension_schema;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		schema = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
		CheckExtensionVersion(tuple, rel);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!OidIsValid(schema))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"%s\" is not installed in this database",
						EXTENSION_NAME),
				 errhint("Run CREATE EXTENSION %s.", EXTENSION_NAME)));
	extension_schema = schema;
	extension_owner = owner;
	return schema;
}

/*
 * ExtensionOwner
 *		The role pg_extension records as the owner of task_outputs.
 */
Oid
ExtensionOwner(void)
{
	(void) ExtensionSchema();
	return extension_owner;
}

/*
 * RequireExtensionSchema
 *		Fail unless the schema named task_outputs is the extension's: the
 *		extension's statements name their tables through it.
 */
void
RequireExtensionSchema(void)
{
	if (get_namespace_oid(EXTENSION_SCHEMA, true) != ExtensionSchema())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schema \"%s\" is not the schema of extension \"%s\"",
						EXTENSION_SCHEMA, EXTENSION_NAME),
				 errhint("The extension's schema was renamed; rename it back.")));
}

/*
 * ExtensionRelation
 *		The OID of the extension's table relname, InvalidOid if it has none.
 */
Oid
ExtensionRelation(const char *relname)
{
	return get_relname_relid(relname, ExtensionSchema());
}

/*
 * HasMembers
 *		Whether any role is a member of roleid.
 */
static bool
HasMembers(Oid roleid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	rel = table_open(AuthMemRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_auth_members_roleid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(roleid));
	scan = systable_beginscan(rel, AuthMemRoleMemIndexId, true, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * ServiceRole
 *		The role the extension's statements run as, checked to be safe to
 *		switch to: no login, no superuser, bound by row-level security, no
 *		members (a member would hold the tables' privileges: it could lock
 *		them and see the planner's estimates over every tenant's rows).
 */
Oid
ServiceRole(void)
{
	HeapTuple	tuple;
	Form_pg_authid form;
	Oid			roleid;

	RegisterCatalogCallbacks();
	if (OidIsValid(service_role))
		return service_role;

	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(SERVICE_ROLE));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("role \"%s\" does not exist", SERVICE_ROLE),
				 errhint("Run ALTER EXTENSION task_outputs UPDATE, or install the library that matches the extension's version.")));
	form = (Form_pg_authid) GETSTRUCT(tuple);
	roleid = form->oid;
	if (form->rolcanlogin || form->rolsuper || form->rolbypassrls)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("role \"%s\" must not be able to log in, be a superuser or bypass row-level security",
						SERVICE_ROLE),
				 errhint("A superuser runs ALTER ROLE %s NOLOGIN NOSUPERUSER NOBYPASSRLS.",
						 SERVICE_ROLE)));
	ReleaseSysCache(tuple);
	if (HasMembers(roleid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("role \"%s\" must not have members", SERVICE_ROLE),
				 errdetail("Only the extension's own code may act as \"%s\".", SERVICE_ROLE),
				 errhint("A superuser revokes \"%s\" from every role.", SERVICE_ROLE)));
	service_role = roleid;
	return roleid;
}

/*
 * IsServiceRole
 *		Whether roleid is the service role (false when there is none).
 */
bool
IsServiceRole(Oid roleid)
{
	if (OidIsValid(service_role))
		return roleid == service_role;
	return OidIsValid(get_role_oid(SERVICE_ROLE, true)) && roleid == ServiceRole();
}

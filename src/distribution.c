/*-------------------------------------------------------------------------
 *
 * distribution.c
 *		Whether this install is distributed on Citus, and what a distributed
 *		install needs of the rest of the code.
 *
 * The extension keeps no record of its own about distribution:
 * task_outputs.distribute() asks Citus to distribute the tables, and
 * Citus's metadata (pg_dist_partition, present on every node that has
 * metadata) is the only record.  The library asks it whether the outputs
 * table is distributed, once, and remembers the answer until the table's
 * relation cache entry is invalidated: Citus invalidates it whenever it
 * changes the table's metadata (distributing it, undistributing it), on
 * every node, and dropping the extension drops the table.  So an API call
 * on a single node, with or without Citus installed, costs one test of a
 * remembered boolean more than before, and behaves exactly as before.
 * This file links nothing of Citus: its catalog is read by name in
 * pg_catalog, where only superusers create objects.
 *
 * What a distributed install needs besides:
 *	- the role calls are delegated as (DelegationRole): the extension's
 *	  owner, a superuser, which Citus already uses between nodes, since
 *	  Citus connects to another node as the current user and the roles of
 *	  tenants and gateways' web roles need not be able to log in;
 *	- the identity of a shard of one of the extension's tables
 *	  (IsTableOrShard): a trigger fires for the shard, a relation of its
 *	  own, whose name Citus derives from the table's; it is recognized by
 *	  the catalog, never by its name;
 *	- lookups of the grants from inside a query on a shard
 *	  (AllowNestedLookup): see there;
 *	- whether a statement came from another node (SentByAnotherNode):
 *	  plain SQL whose organization did not travel with it is an error
 *	  there, never an empty result.
 *
 * src/distribution.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"
#include "distribution.h"
#include "local_shards.h"

/* Citus's catalog of distributed tables, and its first column */
#define CITUS_PARTITION_CATALOG "pg_dist_partition"
#define CITUS_PARTITION_LOGICALRELID 1

#define NESTED_EXECUTION_SETTING "citus.allow_nested_distributed_execution"

/* how Citus names the connections it opens to other nodes */
#define CITUS_INTERNAL_APPLICATION "citus_internal"


static bool distributed_known = false;
static bool distributed = false;
static Oid	distributed_relid = InvalidOid;
static bool callbacks_registered = false;

/*
 * ForgetDistribution
 *		The relation cache callback of distribution: for the outputs table,
 *		whether it is distributed; for local_shards.c, where the shards of
 *		the tenant tables are.  One callback for both: a backend has only
 *		ten, and Citus and PostgreSQL take most of them.
 */
static void
ForgetDistribution(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == distributed_relid)
		distributed_known = false;
	ForgetLocalShards(relid);
}

/*
 * CitusDistributes
 *		Whether Citus's metadata lists relid as a distributed (or reference)
 *		table; false when Citus is not installed in this database.
 */
static bool
CitusDistributes(Oid relid)
{
	Oid			catalog = get_relname_relid(CITUS_PARTITION_CATALOG, PG_CATALOG_NAMESPACE);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	if (!OidIsValid(catalog) || !OidIsValid(relid))
		return false;
	rel = table_open(catalog, AccessShareLock);
	ScanKeyInit(&key, CITUS_PARTITION_LOGICALRELID, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * DistributedInstall
 *		Whether the extension's tables are distributed on Citus (the outputs
 *		table stands for all of them: distribute() distributes them in one
 *		transaction).
 */
bool
DistributedInstall(void)
{
	if (distributed_known)
		return distributed;
	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(ForgetDistribution, (Datum) 0);
		callbacks_registered = true;
	}
	distributed_relid = ExtensionRelation("outputs");
	distributed = CitusDistributes(distributed_relid);
	distributed_known = true;
	return distributed;
}

/*
 * DelegationRole
 *		The role a call is delegated as: the extension's owner, which must
 *		still be a superuser (the delegated functions trust their caller's
 *		word about who is calling, and refuse anyone else).
 */
Oid
DelegationRole(void)
{
	Oid			owner = ExtensionOwner();

	if (!superuser_arg(owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("owner of extension \"%s\" must be a superuser on a distributed install",
						EXTENSION_NAME),
				 errdetail("Calls run on the node of their organization as role \"%s\", which is not a superuser.",
						   GetUserNameFromId(owner, false)),
				 errhint("Make the owner of the extension a superuser again.")));
	return owner;
}

/*
 * SameColumns
 *		Whether the two relations have the same columns, in the same order,
 *		with the same names and types (dropped columns aside: a shard is
 *		created from the table's definition, without them).
 */
static bool
SameColumns(TupleDesc a, TupleDesc b)
{
	int			i = 0;
	int			j = 0;

	for (;;)
	{
		Form_pg_attribute attr_a;
		Form_pg_attribute attr_b;

		while (i < a->natts && TupleDescAttr(a, i)->attisdropped)
			i++;
		while (j < b->natts && TupleDescAttr(b, j)->attisdropped)
			j++;
		if (i == a->natts || j == b->natts)
			return i == a->natts && j == b->natts;
		attr_a = TupleDescAttr(a, i);
		attr_b = TupleDescAttr(b, j);
		if (strcmp(NameStr(attr_a->attname), NameStr(attr_b->attname)) != 0 ||
			attr_a->atttypid != attr_b->atttypid ||
			attr_a->atttypmod != attr_b->atttypmod)
			return false;
		i++;
		j++;
	}
}

/*
 * IsTableOrShard
 *		Whether rel is the extension's table table or, on a distributed
 *		install, one of its shards: a plain table in the same schema (the
 *		extension's, where only its owner creates objects), with the same
 *		owner and the same columns.
 */
bool
IsTableOrShard(Relation rel, Oid table)
{
	Relation	table_rel;
	bool		same;

	if (RelationGetRelid(rel) == table)
		return true;
	if (!OidIsValid(table) || !DistributedInstall())
		return false;
	if (rel->rd_rel->relkind != RELKIND_RELATION ||
		RelationGetNamespace(rel) != ExtensionSchema())
		return false;
	table_rel = table_open(table, AccessShareLock);
	same = RelationGetNamespace(table_rel) == RelationGetNamespace(rel) &&
		table_rel->rd_rel->relowner == rel->rd_rel->relowner &&
		SameColumns(RelationGetDescr(table_rel), RelationGetDescr(rel));
	table_close(table_rel, AccessShareLock);
	return same;
}

/*
 * SentByAnotherNode
 *		Whether this backend runs statements that another node of a
 *		distributed install sent: Citus names its own connections so
 *		(application_name "citus_internal ..."), as it recognizes them
 *		itself.  Only used to choose an error over an empty result and to
 *		word a hint; anyone may set the name, and gains nothing by it.
 */
bool
SentByAnotherNode(void)
{
	return application_name != NULL &&
		strncmp(application_name, CITUS_INTERNAL_APPLICATION,
				strlen(CITUS_INTERNAL_APPLICATION)) == 0 &&
		DistributedInstall();
}

/*
 * AllowNestedLookup
 *		On a distributed install, let the next statement read a reference
 *		table (the grants) from inside a query on a shard; returns the
 *		setting's nesting level for EndNestedLookup, or -1 when nothing was
 *		changed.
 *
 * Row-level security on a shard asks authorized_org_id() for plain SQL
 * that the coordinator sends to a worker, and deciding needs the grants.
 * Citus refuses a query on a distributed table from inside a query on a
 * shard ("nested distributed execution"), unless
 * citus.allow_nested_distributed_execution is on, as it is here for the
 * one fixed statement of the lookup and nothing else.  It is safe for
 * that statement: the grants are a reference table, with a placement on
 * every node, so Citus reads the local one (no connection, no other
 * node); and they change only through the coordinator, which writes every
 * placement in one distributed transaction.  Reading the placement
 * directly instead would mean finding it by its name.
 */
int
AllowNestedLookup(void)
{
	int			nestlevel;

	if (!DistributedInstall())
		return -1;
	nestlevel = NewGUCNestLevel();
	(void) set_config_option(NESTED_EXECUTION_SETTING, "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
EndNestedLookup(int nestlevel)
{
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

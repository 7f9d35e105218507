/*-------------------------------------------------------------------------
 *
 * local_shards.c
 *		On the node of an organization, the statements of a delegated call
 *		run on that organization's shards directly.
 *
 * A twin (internal.c) runs on the node that holds its caller's
 * organization: Citus routed the call there by the organization.  The
 * extension's statements name its tables, and on a distributed install
 * Citus would plan each of them again to find, each time, the same local
 * shards: a distributed plan, a query text for the shard, a local plan of
 * that text, the rows gathered into a tuplestore before the first one is
 * returned.  That costs a third of a millisecond a statement here, more
 * than the statement itself, and it is why nothing streams through
 * Citus.  So while a twin runs for an organization whose shards of the
 * outputs, flow executions and audit trail are all on this node, each of
 * the extension's statements runs as a copy of itself whose text names
 * those shards instead of the tables (query.c asks LocalShardQuery): a
 * plain PostgreSQL statement on plain tables, planned and kept as on one
 * node, under the same row-level security (Citus gives each shard the
 * table's policies and privileges) and the same triggers, which fire for
 * the shards.  Nothing else changes: the statements' other tables (the
 * grants) and any statement of a call whose shards are not all here go
 * through Citus as before.
 *
 * Which shards: Citus's metadata, asked once per organization
 * (get_shard_id_for_distribution_column, pg_dist_placement,
 * pg_dist_local_group) and remembered until Citus invalidates one of the
 * tables' relation cache entries, which it does whenever their shards or
 * placements change (a move, a split, an isolated tenant): distribution.c's
 * callback tells (a backend has ten such callbacks in all, which Citus and
 * PostgreSQL use most of).  Each shard is
 * then found in the extension's schema by the name Citus gives it and
 * checked by the catalog to be a shard of its table (distribution.c).
 * The copies of the statements are kept per statement and shard, and
 * planned once, generically, like the statements of one node.
 *
 * src/local_shards.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "catalog.h"
#include "distribution.h"
#include "errors.h"
#include "local_shards.h"

/* The distributed tables of a tenant, as the statements name them */
#define NUM_TENANT_TABLES 3
static const char *const tenant_tables[NUM_TENANT_TABLES] = {
	"outputs", "flow_executions", "audit_trail"
};

/* copies of statements kept at most; then they are all made anew */
#define MAX_SHARD_QUERIES 8192

struct LocalShards
{
	pg_uuid_t	org_id;			/* hash key: must be first */
	bool		local;			/* all its shards are on this node */
	uint64		shardid[NUM_TENANT_TABLES];
};

typedef struct ShardQueryKey
{
	PreparedQuery *query;
	uint64		shardid;		/* of the outputs: the shard group */
} ShardQueryKey;

typedef struct ShardQuery
{
	ShardQueryKey key;			/* hash key: must be first */
	PreparedQuery *copy;		/* the query itself when it names no table */
} ShardQuery;

static HTAB *organizations = NULL;
static bool organizations_stale = false;
static HTAB *shard_queries = NULL;
static LocalShards *active = NULL;
static Oid	table_relids[NUM_TENANT_TABLES];
static SPIPlanPtr shards_plan = NULL;

/* the shard of each table for organization $1, and whether it is here */
static const char *const shards_sql =
"SELECT pg_catalog.get_shard_id_for_distribution_column(u.t, $1),"
" EXISTS (SELECT FROM pg_catalog.pg_dist_placement p"
"  WHERE p.shardid OPERATOR(pg_catalog.=) pg_catalog.get_shard_id_for_distribution_column(u.t, $1)"
"  AND p.groupid OPERATOR(pg_catalog.=) (SELECT l.groupid FROM pg_catalog.pg_dist_local_group l))"
" FROM pg_catalog.unnest($2::pg_catalog.regclass[]) WITH ORDINALITY u(t, i)"
" ORDER BY u.i";

/*
 * ForgetLocalShards
 *		Called by distribution.c's relation cache callback (a backend has
 *		few of those to share): the shards of the organizations are to be
 *		asked again when relid is one of the tables, or any relation.
 */
void
ForgetLocalShards(Oid relid)
{
	int			i;

	if (relid == InvalidOid)
		organizations_stale = true;
	for (i = 0; i < NUM_TENANT_TABLES; i++)
		if (relid == table_relids[i])
			organizations_stale = true;
}

/*
 * ShardsOfOrganization
 *		Fill group with the shards of org_id's rows, and whether they are
 *		all here, from Citus's metadata.
 */
static void
ShardsOfOrganization(LocalShards *group)
{
	Datum		args[2];
	Datum		relids[NUM_TENANT_TABLES];
	int			rc;
	int			i;

	group->local = false;
	for (i = 0; i < NUM_TENANT_TABLES; i++)
	{
		table_relids[i] = ExtensionRelation(tenant_tables[i]);
		relids[i] = ObjectIdGetDatum(table_relids[i]);
	}

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		ReportUnexpectedSPIResult("SPI_connect", rc);
	if (shards_plan == NULL)
	{
		Oid			argtypes[2] = {UUIDOID, OIDARRAYOID};
		SPIPlanPtr	plan = SPI_prepare(shards_sql, 2, argtypes);

		if (plan == NULL)
			ReportUnexpectedSPIResult("SPI_prepare", SPI_result);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		shards_plan = plan;
	}
	args[0] = UUIDPGetDatum(&group->org_id);
	args[1] = PointerGetDatum(construct_array(relids, NUM_TENANT_TABLES, OIDOID,
											  sizeof(Oid), true, TYPALIGN_INT));
	rc = SPI_execute_plan(shards_plan, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != NUM_TENANT_TABLES)
		ReportUnexpectedSPIResult("shards of an organization", rc);
	group->local = true;
	for (i = 0; i < NUM_TENANT_TABLES; i++)
	{
		bool		isnull;
		HeapTuple	tuple = SPI_tuptable->vals[i];
		Datum		shardid = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull);
		Datum		here = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull);

		group->shardid[i] = isnull ? 0 : DatumGetInt64(shardid);
		if (isnull || !DatumGetBool(here))
			group->local = false;
	}
	if ((rc = SPI_finish()) != SPI_OK_FINISH)
		ReportUnexpectedSPIResult("SPI_finish", rc);

	/* each shard by the name Citus gives it, checked by the catalog */
	for (i = 0; i < NUM_TENANT_TABLES && group->local; i++)
	{
		char	   *name = psprintf("%s_" UINT64_FORMAT, tenant_tables[i], group->shardid[i]);
		Oid			relid = get_relname_relid(name, ExtensionSchema());
		Relation	rel;

		if (!OidIsValid(relid))
		{
			group->local = false;
			break;
		}
		rel = table_open(relid, AccessShareLock);
		group->local = IsTableOrShard(rel, table_relids[i]) && relid != table_relids[i];
		table_close(rel, AccessShareLock);
	}
}

/*
 * EnterLocalShards
 *		Until LeaveLocalShards, run the extension's statements on org_id's
 *		shards when they are all here; returns what to restore.
 */
LocalShards *
EnterLocalShards(const pg_uuid_t *org_id)
{
	LocalShards *outer = active;
	LocalShards *group;
	bool		found;

	if (!DistributedInstall())
		return outer;
	if (organizations == NULL || (organizations_stale && active == NULL))
	{
		HASHCTL		ctl;

		if (organizations != NULL)
			hash_destroy(organizations);
		ctl.keysize = sizeof(pg_uuid_t);
		ctl.entrysize = sizeof(LocalShards);
		organizations = hash_create("task_outputs local shards", 256, &ctl,
									HASH_ELEM | HASH_BLOBS);
		organizations_stale = false;
	}
	group = hash_search(organizations, org_id, HASH_ENTER, &found);
	if (!found)
	{
		PG_TRY();
		{
			ShardsOfOrganization(group);
		}
		PG_CATCH();
		{
			hash_search(organizations, org_id, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	active = group->local ? group : NULL;
	return outer;
}

void
LeaveLocalShards(LocalShards *outer)
{
	active = outer;
}

/*
 * RewriteForShards
 *		sql with each tenant table it names ("task_outputs.<table>", not
 *		followed by more of an identifier) replaced by the group's shard;
 *		NULL when it names none.
 */
static char *
RewriteForShards(const char *sql, const LocalShards *group)
{
	StringInfoData out;
	const char *p = sql;
	bool		changed = false;

	initStringInfo(&out);
	while (*p)
	{
		int			i;
		bool		replaced = false;

		for (i = 0; i < NUM_TENANT_TABLES && !replaced; i++)
		{
			char		name[NAMEDATALEN * 2];
			size_t		len;

			snprintf(name, sizeof(name), EXTENSION_SCHEMA ".%s", tenant_tables[i]);
			len = strlen(name);
			if (strncmp(p, name, len) == 0 &&
				!(isalnum((unsigned char) p[len]) || p[len] == '_'))
			{
				appendStringInfo(&out, "%s_" UINT64_FORMAT, name, group->shardid[i]);
				p += len;
				replaced = changed = true;
			}
		}
		if (!replaced)
			appendStringInfoChar(&out, *p++);
	}
	if (!changed)
	{
		pfree(out.data);
		return NULL;
	}
	return out.data;
}

/*
 * LocalShardQuery
 *		The statement to run for query: its copy on the local shards of the
 *		organization of the running twin, or query itself.
 */
PreparedQuery *
LocalShardQuery(PreparedQuery *query)
{
	ShardQueryKey key;
	ShardQuery *entry;
	bool		found;

	if (active == NULL)
		return query;
	if (shard_queries == NULL || hash_get_num_entries(shard_queries) >= MAX_SHARD_QUERIES)
	{
		HASHCTL		ctl;

		if (shard_queries != NULL)
		{
			HASH_SEQ_STATUS status;

			hash_seq_init(&status, shard_queries);
			while ((entry = hash_seq_search(&status)) != NULL)
			{
				if (entry->copy == entry->key.query)
					continue;
				if (entry->copy->plan != NULL)
					SPI_freeplan(entry->copy->plan);
				pfree((char *) entry->copy->sql);
				pfree(entry->copy);
			}
			hash_destroy(shard_queries);
		}
		ctl.keysize = sizeof(ShardQueryKey);
		ctl.entrysize = sizeof(ShardQuery);
		shard_queries = hash_create("task_outputs shard statements", 256, &ctl,
									HASH_ELEM | HASH_BLOBS);
	}
	memset(&key, 0, sizeof(key));
	key.query = query;
	key.shardid = active->shardid[0];
	entry = hash_search(shard_queries, &key, HASH_ENTER, &found);
	if (!found)
	{
		char	   *sql = RewriteForShards(query->sql, active);

		if (sql == NULL)
			entry->copy = query;
		else
		{
			PreparedQuery *copy = MemoryContextAlloc(TopMemoryContext, sizeof(PreparedQuery));

			*copy = *query;
			copy->sql = MemoryContextStrdup(TopMemoryContext, sql);
			copy->plan = NULL;
			copy->on_local_shards = true;
			entry->copy = copy;
			pfree(sql);
		}
	}
	return entry->copy;
}

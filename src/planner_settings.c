/*-------------------------------------------------------------------------
 *
 * planner_settings.c
 *		The planner settings the extension's statements are planned under:
 *		PostgreSQL's built-in values, whatever the session that happens to
 *		plan them has set.
 *
 * A statement of the extension is planned once per backend and its plan
 * kept for every later call in that backend, whoever makes it (query.c);
 * it is planned again only after an invalidation (an index made, ANALYZE,
 * a changed search_path).  The planner reads the settings of the session
 * that plans: a session that turned index scans off, made random reads
 * cheap or work_mem large for a query of its own would leave its plan to
 * every later caller of the API in that backend -- another tenant's
 * requests on a pooled connection among them.  So while a kept plan is
 * built, the settings that steer the planner hold their built-in values,
 * in a GUC nest level the caller undoes right after: the plan depends on
 * the statement and the data only.  The built-in values, not the
 * installation's defaults: those include what ALTER DATABASE and ALTER
 * ROLE ... SET say, which a database owner or the caller may set.
 *
 * Settings a server version does not have are skipped.
 *
 * src/planner_settings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "planner_settings.h"

typedef struct PlannerSetting
{
	const char *name;
	const char *value;			/* PostgreSQL's built-in value */
} PlannerSetting;

static const PlannerSetting planner_settings[] = {
	/* planner method configuration */
	{"enable_async_append", "on"},
	{"enable_bitmapscan", "on"},
	{"enable_distinct_reordering", "on"},
	{"enable_eager_aggregate", "on"},
	{"enable_gathermerge", "on"},
	{"enable_group_by_reordering", "on"},
	{"enable_hashagg", "on"},
	{"enable_hashjoin", "on"},
	{"enable_incremental_sort", "on"},
	{"enable_indexonlyscan", "on"},
	{"enable_indexscan", "on"},
	{"enable_material", "on"},
	{"enable_memoize", "on"},
	{"enable_mergejoin", "on"},
	{"enable_nestloop", "on"},
	{"enable_parallel_append", "on"},
	{"enable_parallel_hash", "on"},
	{"enable_partition_pruning", "on"},
	{"enable_partitionwise_aggregate", "off"},
	{"enable_partitionwise_join", "off"},
	{"enable_presorted_aggregate", "on"},
	{"enable_self_join_elimination", "on"},
	{"enable_sort", "on"},
	{"enable_tidscan", "on"},
	/* cost constants */
	{"seq_page_cost", "1"},
	{"random_page_cost", "4"},
	{"cpu_tuple_cost", "0.01"},
	{"cpu_index_tuple_cost", "0.005"},
	{"cpu_operator_cost", "0.0025"},
	{"effective_cache_size", "4GB"},
	{"work_mem", "4MB"},
	{"hash_mem_multiplier", "2"},
	/* other planner options */
	{"constraint_exclusion", "partition"},
	{"cursor_tuple_fraction", "0.1"},
	{"from_collapse_limit", "8"},
	{"join_collapse_limit", "8"},
	{"geqo", "on"},
	{"plan_cache_mode", "auto"},
	{"jit", "off"},
};

/*
 * PinPlannerSettings
 *		Set the planner's settings to their built-in values, for a plan
 *		about to be built, in the GUC nest level the caller opened; with
 *		index_scan, sequential scans are off (query.h says for which
 *		statements).  JIT is off: the extension's statements do a few
 *		microseconds of work per row, which never pays for compiling.
 */
void
PinPlannerSettings(bool index_scan)
{
	int			i;

	for (i = 0; i < lengthof(planner_settings); i++)
	{
		if (GetConfigOption(planner_settings[i].name, true, false) == NULL)
			continue;
		(void) set_config_option(planner_settings[i].name, planner_settings[i].value,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	}
	(void) set_config_option("enable_seqscan", index_scan ? "off" : "on",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

/*-------------------------------------------------------------------------
 *
 * filters.c
 *		The filters of the read API, and the queries they make.
 *
 * Every reader takes the same filters with the same names, types and
 * defaults; a NULL argument means the filter's default.  The arguments are
 * validated here (PT400 for a bad value, 42501 for include_deleted without
 * the admin role) before anything is read.
 *
 * The query text depends only on which filters are present, never on their
 * values, which always travel as out-of-line parameters at fixed positions.
 * Each combination is prepared on first use and kept, so a reader's filters
 * cost one plan per backend, and each plan names only the conditions it
 * needs, so the planner sees no "$n IS NULL OR ..." and can use the index
 * that fits.  Every query names the tenant explicitly as well as passing
 * row-level security: the tenant index is always used, and a distributed
 * engine can route the query to one node.
 *
 * Statuses travel as task_output_status[], whose type OID changes when the
 * extension is dropped and created again; the kept plans are forgotten when
 * that OID is no longer the one they were prepared with.
 *
 * Keyset pagination: starting_after is the id of the last row of the
 * previous page; its (created_at, id) is looked up first (PT404 when the
 * tenant has no such row: another tenant's id is reported exactly like an
 * unknown one) and the query continues strictly after it in list order,
 * ROW(created_at, id) < ROW(…) being an index condition.  A row of the
 * previous page that was soft-deleted since still marks its place.
 *
 * src/filters.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "filters.h"
#include "query.h"
#include "task_outputs.h"

/* Parameter positions (1-based, as in the SQL text) */
#define P_ORG_ID			1
#define P_FLOW_EXECUTION_ID	2
#define P_TASK_NAME			3
#define P_STATUSES			4
#define P_TAGS				5
#define P_SUMMARY			6
#define P_CREATED_AFTER		7
#define P_CREATED_BEFORE	8
#define P_CURSOR_CREATED_AT	9
#define P_CURSOR_ID			10
#define P_LIMIT				11
#define P_ID				12
#define NPARAMS				12

/* Which conditions a query has: the key of its kept plan */
#define F_FLOW_EXECUTION_ID	0x0001
#define F_TASK_NAME			0x0002
#define F_STATUSES			0x0004
#define F_TAGS				0x0008
#define F_SUMMARY			0x0010
#define F_CREATED_AFTER		0x0020
#define F_CREATED_BEFORE	0x0040
#define F_INCLUDE_DELETED	0x0080
#define F_CURSOR			0x0100
#define F_LIMIT				0x0200
#define F_ID				0x0400
#define F_COMBINATIONS		0x0800

static PreparedQuery *filter_queries[FILTER_QUERY_KINDS][F_COMBINATIONS];
static Oid	filter_queries_status_array_type = InvalidOid;

static PreparedQuery cursor_query = {
	"SELECT created_at FROM task_outputs.outputs"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID}
};

/*
 * InitFilters
 *		No filter: every visible output of the tenant, with its output.
 */
void
InitFilters(TaskOutputFilters *filters)
{
	memset(filters, 0, sizeof(*filters));
	filters->include_output = true;
}

/*
 * CheckFilterArray
 *		PT400 unless array is one-dimensional (or empty) without nulls.
 */
static void
CheckFilterArray(const char *argument, ArrayType *array)
{
	if (ARR_NDIM(array) > 1)
		ReportInvalidArgument(argument,
							  psprintf("%s must be a one-dimensional array; it has %d dimensions.",
									   argument, ARR_NDIM(array)));
	if (array_contains_nulls(array))
		ReportInvalidArgument(argument,
							  psprintf("%s must not contain nulls.", argument));
}

/*
 * RequireAdminForDeleted
 *		42501 unless soft-deleted rows are asked for by an admin.
 */
void
RequireAdminForDeleted(const TaskOutputFilters *filters)
{
	Oid			admin = get_role_oid("task_outputs_admin", true);

	if (filters->include_deleted &&
		(!OidIsValid(admin) || !has_privs_of_role(GetUserId(), admin)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read deleted task outputs"),
				 errdetail("include_deleted => true is for members of task_outputs_admin."),
				 errhint("Leave include_deleted unset to read the outputs that are not deleted.")));
}

/*
 * ReadFilterArguments
 *		Fill filters from the arguments of a read function, at the positions
 *		given, and validate them.  The tenant must be in force.
 */
void
ReadFilterArguments(FunctionCallInfo fcinfo, const FilterArguments *positions,
					TaskOutputFilters *filters)
{
	int			arg = positions->first_common;

	InitFilters(filters);
	RequireAuthorizedOrgId(&filters->org_id);

	if (positions->flow_execution_id >= 0 && !PG_ARGISNULL(positions->flow_execution_id))
		filters->flow_execution_id = PG_GETARG_UUID_P(positions->flow_execution_id);
	if (!PG_ARGISNULL(arg))
		filters->task_name = PG_GETARG_TEXT_PP(arg);
	arg++;
	if (!PG_ARGISNULL(arg))
	{
		filters->statuses = PG_GETARG_ARRAYTYPE_P(arg);
		CheckFilterArray("status", filters->statuses);
	}
	arg++;
	if (!PG_ARGISNULL(arg))
	{
		filters->tags = PG_GETARG_ARRAYTYPE_P(arg);
		CheckFilterArray("tags", filters->tags);
	}
	arg++;
	if (!PG_ARGISNULL(arg))
		filters->summary_contains = PG_GETARG_JSONB_P(arg);
	arg++;
	if (!PG_ARGISNULL(arg))
	{
		filters->has_created_after = true;
		filters->created_after = PG_GETARG_TIMESTAMPTZ(arg);
	}
	arg++;
	if (!PG_ARGISNULL(arg))
	{
		filters->has_created_before = true;
		filters->created_before = PG_GETARG_TIMESTAMPTZ(arg);
	}
	arg++;
	if (!PG_ARGISNULL(arg))
		filters->include_output = PG_GETARG_BOOL(arg);
	arg++;
	if (!PG_ARGISNULL(arg))
		filters->include_deleted = PG_GETARG_BOOL(arg);

	if (filters->has_created_after && filters->has_created_before &&
		filters->created_after >= filters->created_before)
		ReportInvalidArgument("created_after",
							  psprintf("created_after (%s) must be earlier than created_before (%s); both bounds are exclusive.",
									   pstrdup(timestamptz_to_str(filters->created_after)),
									   pstrdup(timestamptz_to_str(filters->created_before))));

	if (positions->limit >= 0 && !PG_ARGISNULL(positions->limit))
	{
		int32		limit = PG_GETARG_INT32(positions->limit);

		if (limit < 1 || limit > MAX_LIMIT)
			ReportInvalidArgument("limit",
								  psprintf("limit must be between 1 and %d; it is %d.",
										   MAX_LIMIT, limit));
		filters->limit = limit;
	}
	if (positions->starting_after >= 0 && !PG_ARGISNULL(positions->starting_after))
		filters->starting_after = PG_GETARG_UUID_P(positions->starting_after);

	RequireAdminForDeleted(filters);
}

/*
 * StatusArrayType
 *		The OID of task_outputs.task_output_status[] as it is now.
 */
static Oid
StatusArrayType(void)
{
	Oid			namespace = get_namespace_oid("task_outputs", false);
	Oid			status_type;

	status_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								  CStringGetDatum("task_output_status"),
								  ObjectIdGetDatum(namespace));
	if (!OidIsValid(status_type))
		elog(ERROR, "type task_outputs.task_output_status does not exist");
	return get_array_type(status_type);
}

/*
 * ForgetStaleFilterQueries
 *		Free the kept plans when the status type is not the one they were
 *		prepared with (the extension was dropped and created again).
 */
static Oid
ForgetStaleFilterQueries(void)
{
	Oid			status_array_type = StatusArrayType();
	int			kind,
				mask;

	if (status_array_type == filter_queries_status_array_type)
		return status_array_type;
	for (kind = 0; kind < FILTER_QUERY_KINDS; kind++)
		for (mask = 0; mask < F_COMBINATIONS; mask++)
			if (filter_queries[kind][mask] != NULL)
				ForgetPreparedQuery(filter_queries[kind][mask]);
	filter_queries_status_array_type = status_array_type;
	return status_array_type;
}

/*
 * FilterQuery
 *		The query of kind for the conditions in mask, built on first use.
 */
static PreparedQuery *
FilterQuery(FilterQueryKind kind, int mask, Oid status_array_type)
{
	PreparedQuery *query = filter_queries[kind][mask];
	StringInfoData sql;
	MemoryContext oldcontext;

	if (query != NULL)
	{
		query->argtypes[P_STATUSES - 1] = status_array_type;
		return query;
	}

	oldcontext = MemoryContextSwitchTo(TopMemoryContext);
	initStringInfo(&sql);
	appendStringInfoString(&sql, kind == FILTER_QUERY_ROWS
						   ? "SELECT " TASK_OUTPUT_COLUMNS
						   : "SELECT pg_catalog.count(*)");
	appendStringInfoString(&sql, " FROM task_outputs.outputs"
						   " WHERE organization_id OPERATOR(pg_catalog.=) $1");
	if (mask & F_ID)
		appendStringInfoString(&sql, " AND id OPERATOR(pg_catalog.=) $12");
	if (!(mask & F_INCLUDE_DELETED))
		appendStringInfoString(&sql, " AND status OPERATOR(pg_catalog.<>)"
							   " 'deleted'::task_outputs.task_output_status");
	if (mask & F_FLOW_EXECUTION_ID)
		appendStringInfoString(&sql, " AND flow_execution_id OPERATOR(pg_catalog.=) $2");
	if (mask & F_TASK_NAME)
		appendStringInfoString(&sql, " AND task_name OPERATOR(pg_catalog.=) $3");
	if (mask & F_STATUSES)
		appendStringInfoString(&sql, " AND status OPERATOR(pg_catalog.=) ANY ($4)");
	if (mask & F_TAGS)
		appendStringInfoString(&sql, " AND tags OPERATOR(pg_catalog.@>) $5");
	if (mask & F_SUMMARY)
		appendStringInfoString(&sql, " AND summary OPERATOR(pg_catalog.@>) $6");
	if (mask & F_CREATED_AFTER)
		appendStringInfoString(&sql, " AND created_at OPERATOR(pg_catalog.>) $7");
	if (mask & F_CREATED_BEFORE)
		appendStringInfoString(&sql, " AND created_at OPERATOR(pg_catalog.<) $8");
	if (mask & F_CURSOR)
		appendStringInfoString(&sql, " AND ROW(created_at, id) OPERATOR(pg_catalog.<) ROW($9, $10)");
	if (kind == FILTER_QUERY_ROWS)
	{
		appendStringInfoString(&sql, " ORDER BY created_at DESC, id DESC");
		if (mask & F_LIMIT)
			appendStringInfoString(&sql, " LIMIT $11");
	}

	query = palloc0(sizeof(PreparedQuery));
	query->sql = sql.data;
	query->nargs = NPARAMS;
	query->argtypes[P_ORG_ID - 1] = UUIDOID;
	query->argtypes[P_FLOW_EXECUTION_ID - 1] = UUIDOID;
	query->argtypes[P_TASK_NAME - 1] = TEXTOID;
	query->argtypes[P_STATUSES - 1] = status_array_type;
	query->argtypes[P_TAGS - 1] = TEXTARRAYOID;
	query->argtypes[P_SUMMARY - 1] = JSONBOID;
	query->argtypes[P_CREATED_AFTER - 1] = TIMESTAMPTZOID;
	query->argtypes[P_CREATED_BEFORE - 1] = TIMESTAMPTZOID;
	query->argtypes[P_CURSOR_CREATED_AT - 1] = TIMESTAMPTZOID;
	query->argtypes[P_CURSOR_ID - 1] = UUIDOID;
	query->argtypes[P_LIMIT - 1] = INT8OID;
	query->argtypes[P_ID - 1] = UUIDOID;
	MemoryContextSwitchTo(oldcontext);

	filter_queries[kind][mask] = query;
	return query;
}

/*
 * CursorCreatedAt
 *		created_at of the tenant's output id, the keyset cursor; PT404 when
 *		the tenant has no such output.
 */
static TimestampTz
CursorCreatedAt(TaskOutputFilters *filters)
{
	Datum		args[2];
	bool		isnull;
	int			rc;

	args[0] = UUIDPGetDatum(&filters->org_id);
	args[1] = UUIDPGetDatum(filters->starting_after);
	rc = ExecutePreparedQuery(&cursor_query, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		ReportUnexpectedSPIResult("cursor lookup", rc);
	if (SPI_processed == 0)
		ReportTaskOutputNotFound("starting_after", filters->starting_after);
	return DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1, &isnull));
}

static void
SetParam(ParamListInfo params, int position, Oid type, Datum value, bool isnull)
{
	ParamExternData *param = &params->params[position - 1];

	param->ptype = type;
	param->pflags = PARAM_FLAG_CONST;
	param->value = value;
	param->isnull = isnull;
}

/*
 * BindFilterQuery
 *		The kept query of kind for filters, and its parameters; limit_rows
 *		overrides filters->limit for the LIMIT clause (a page asks for one
 *		more row than it shows, to know whether there are more).
 */
static PreparedQuery *
BindFilterQuery(FilterQueryKind kind, TaskOutputFilters *filters,
				int64 limit_rows, ParamListInfo *bound_params)
{
	Oid			status_array_type = ForgetStaleFilterQueries();
	ParamListInfo params = makeParamList(NPARAMS);
	int			mask = 0;
	TimestampTz cursor_created_at = 0;

	if (filters->starting_after != NULL)
		cursor_created_at = CursorCreatedAt(filters);

	params->numParams = NPARAMS;
	SetParam(params, P_ORG_ID, UUIDOID, UUIDPGetDatum(&filters->org_id), false);
	SetParam(params, P_FLOW_EXECUTION_ID, UUIDOID,
			 UUIDPGetDatum(filters->flow_execution_id), filters->flow_execution_id == NULL);
	SetParam(params, P_TASK_NAME, TEXTOID,
			 PointerGetDatum(filters->task_name), filters->task_name == NULL);
	SetParam(params, P_STATUSES, status_array_type,
			 PointerGetDatum(filters->statuses), filters->statuses == NULL);
	SetParam(params, P_TAGS, TEXTARRAYOID,
			 PointerGetDatum(filters->tags), filters->tags == NULL);
	SetParam(params, P_SUMMARY, JSONBOID,
			 PointerGetDatum(filters->summary_contains), filters->summary_contains == NULL);
	SetParam(params, P_CREATED_AFTER, TIMESTAMPTZOID,
			 TimestampTzGetDatum(filters->created_after), !filters->has_created_after);
	SetParam(params, P_CREATED_BEFORE, TIMESTAMPTZOID,
			 TimestampTzGetDatum(filters->created_before), !filters->has_created_before);
	SetParam(params, P_CURSOR_CREATED_AT, TIMESTAMPTZOID,
			 TimestampTzGetDatum(cursor_created_at), filters->starting_after == NULL);
	SetParam(params, P_CURSOR_ID, UUIDOID,
			 UUIDPGetDatum(filters->starting_after), filters->starting_after == NULL);
	SetParam(params, P_LIMIT, INT8OID, Int64GetDatum(limit_rows), limit_rows <= 0);
	SetParam(params, P_ID, UUIDOID, UUIDPGetDatum(filters->id), filters->id == NULL);

	if (filters->flow_execution_id != NULL)
		mask |= F_FLOW_EXECUTION_ID;
	if (filters->task_name != NULL)
		mask |= F_TASK_NAME;
	if (filters->statuses != NULL)
		mask |= F_STATUSES;
	if (filters->tags != NULL)
		mask |= F_TAGS;
	if (filters->summary_contains != NULL)
		mask |= F_SUMMARY;
	if (filters->has_created_after)
		mask |= F_CREATED_AFTER;
	if (filters->has_created_before)
		mask |= F_CREATED_BEFORE;
	if (filters->include_deleted)
		mask |= F_INCLUDE_DELETED;
	if (filters->starting_after != NULL)
		mask |= F_CURSOR;
	if (limit_rows > 0)
		mask |= F_LIMIT;
	if (filters->id != NULL)
		mask |= F_ID;

	*bound_params = params;
	return FilterQuery(kind, mask, status_array_type);
}

/*
 * ExecuteFilterQuery
 *		Run the query of kind for filters (the caller is connected to SPI):
 *		rows go to dest, or into SPI_tuptable when dest is NULL.  limit_rows
 *		as for BindFilterQuery.
 */
int
ExecuteFilterQuery(FilterQueryKind kind, TaskOutputFilters *filters,
				   int64 limit_rows, DestReceiver *dest)
{
	ParamListInfo params;
	PreparedQuery *query = BindFilterQuery(kind, filters, limit_rows, &params);

	return ExecutePreparedQueryWithParams(query, params, true, dest);
}

/*
 * OpenFilterCursor
 *		Open a cursor over the rows that match filters, in list order (the
 *		caller is connected to SPI).  It lives until it is closed or the
 *		transaction ends, across SPI connections.
 */
Portal
OpenFilterCursor(TaskOutputFilters *filters)
{
	ParamListInfo params;
	PreparedQuery *query = BindFilterQuery(FILTER_QUERY_ROWS, filters,
										   filters->limit, &params);

	return SPI_cursor_open_with_paramlist(NULL, PreparedQueryPlan(query),
										  params, true);
}

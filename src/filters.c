/*-------------------------------------------------------------------------
 *
 * filters.c
 *		What a read asks for: the read API's filters and options, read from
 *		a function's arguments by name, and the statement that answers it.
 *
 * Every reader takes the same filters with the same names, types and
 * defaults; a NULL argument means the filter's default.  Each filter is one
 * row of filter_table: its argument's name, the statement parameter it
 * becomes, the SQL condition it adds, and what checks its value.  A new
 * filter is a new row (and the argument in the SQL signatures, at the
 * end).  Arguments are found by name in the calling function's pg_proc
 * entry, once per function and backend, and only among the arguments the
 * call has (PG_NARGS): a library newer than the SQL definitions reads what
 * they have and defaults the rest, and readers without some filter
 * (count_task_outputs has no include_output) simply lack it.  A reader's
 * tenant-first twin (internal.c) runs the same code with the call's
 * arguments after the caller's: positions count from the first argument
 * the code is given.  The options
 * (include_output, include_deleted, limit, starting_after, id) are found
 * the same way.  Values are validated here (PT400 for a bad value, 42501
 * for include_deleted without the admin role) before anything is read.
 *
 * The statement's text depends only on which filters and options are
 * present, never on their values, which always travel as out-of-line
 * parameters: $1 the tenant, then one per filter in table order, then the
 * keyset cursor, the limit and the id.  Each combination is prepared on
 * first use and kept, and names only the conditions it needs, so the
 * planner sees no "$n IS NULL OR ..." and can use the index that fits.
 * include_output => false selects NULL for the output column: the renderer
 * and the receivers never know.  Every statement names the tenant
 * explicitly as well as passing row-level security.  Statuses travel as
 * text[] (a built-in type, so a kept plan survives the extension being
 * dropped and created again) and become task_output_status[] once per
 * execution, in an InitPlan.
 *
 * Keyset pagination: starting_after is the id of the last row of the
 * previous page; its created_at is looked up first (PT404 when the tenant
 * has no such row: another tenant's id is reported exactly like an unknown
 * one) and the statement continues strictly after it in list order,
 * ROW(created_at, id) < ROW(...) being an index condition.  A row of the
 * previous page that was soft-deleted since still marks its place.
 *
 * src/filters.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "errors.h"
#include "filters.h"
#include "status.h"
#include "task_output.h"

/* One filter: an argument of every reader that adds one condition */
typedef struct FilterDef
{
	const char *name;			/* the argument's name */
	Oid			param_type;		/* the statement parameter's type */
	const char *condition;		/* SQL; %d is the parameter's number */
	Datum		(*prepare) (const char *name, Datum value); /* check, convert */
} FilterDef;

static Datum PrepareStatusFilter(const char *name, Datum value);
static Datum PrepareTagsFilter(const char *name, Datum value);

static const FilterDef filter_table[NUM_FILTERS] = {
	[FILTER_FLOW_EXECUTION_ID] = {"flow_execution_id", UUIDOID,
	"flow_execution_id OPERATOR(pg_catalog.=) $%d", NULL},
	[FILTER_TASK_NAME] = {"task_name", TEXTOID,
	"task_name OPERATOR(pg_catalog.=) $%d", NULL},
	[FILTER_STATUS] = {"status", TEXTARRAYOID,
		"status OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT pg_catalog.unnest($%d)::"
	STATUS_TYPE "))", PrepareStatusFilter},
	[FILTER_TAGS] = {"tags", TEXTARRAYOID,
	"tags OPERATOR(pg_catalog.@>) $%d", PrepareTagsFilter},
	[FILTER_SUMMARY_CONTAINS] = {"summary_contains", JSONBOID,
	"summary OPERATOR(pg_catalog.@>) $%d", NULL},
	[FILTER_CREATED_AFTER] = {"created_after", TIMESTAMPTZOID,
	"created_at OPERATOR(pg_catalog.>) $%d", NULL},
	[FILTER_CREATED_BEFORE] = {"created_before", TIMESTAMPTZOID,
	"created_at OPERATOR(pg_catalog.<) $%d", NULL},
};

/* The options every reader may have, by argument name */
typedef enum ReadOption
{
	OPTION_INCLUDE_OUTPUT,
	OPTION_INCLUDE_DELETED,
	OPTION_LIMIT,
	OPTION_STARTING_AFTER,
	OPTION_ID,
	NUM_OPTIONS
} ReadOption;

static const char *const option_names[NUM_OPTIONS] = {
	"include_output", "include_deleted", "limit", "starting_after", "id"
};

/* Parameter numbers, as in the SQL text */
#define P_ORG_ID			1
#define P_FIRST_FILTER		2
#define P_CURSOR_CREATED_AT	(P_FIRST_FILTER + NUM_FILTERS)
#define P_CURSOR_ID			(P_CURSOR_CREATED_AT + 1)
#define P_LIMIT				(P_CURSOR_ID + 1)
#define P_ID				(P_LIMIT + 1)
#define NPARAMS				P_ID

StaticAssertDecl(NPARAMS <= QUERY_MAX_ARGS, "too many read parameters");

/* Bits of a statement's key: which conditions and options it has */
#define KEY_FILTER(f)		(1 << (f))
#define KEY_INCLUDE_DELETED	(1 << NUM_FILTERS)
#define KEY_NO_OUTPUT		(1 << (NUM_FILTERS + 1))
#define KEY_CURSOR			(1 << (NUM_FILTERS + 2))
#define KEY_LIMIT			(1 << (NUM_FILTERS + 3))
#define KEY_ID				(1 << (NUM_FILTERS + 4))
#define NUM_KEYS			(1 << (NUM_FILTERS + 5))

static PreparedQuery *read_queries[NUM_READ_KINDS][NUM_KEYS];

/* Where each filter and option is among a reader's arguments (-1: absent) */
typedef struct ReadArguments
{
	Oid			fn_oid;			/* hash key */
	int			filter[NUM_FILTERS];
	int			option[NUM_OPTIONS];
} ReadArguments;

static HTAB *read_arguments = NULL;
static bool read_arguments_stale = false;

static PreparedQuery cursor_query = {
	"SELECT created_at FROM task_outputs.outputs"
	" WHERE organization_id OPERATOR(pg_catalog.=) $1"
	" AND id OPERATOR(pg_catalog.=) $2",
	2, {UUIDOID, UUIDOID},
	.reader = true
};

/*
 * A function changed: the map is dropped at its next use.  Not here: an
 * invalidation can arrive while the map is being searched or filled
 * (whenever a lock is taken).
 */
static void
ForgetReadArguments(Datum arg, int cacheid, uint32 hashvalue)
{
	read_arguments_stale = true;
}

/*
 * LookupReadArguments
 *		The positions of the filters and options among the arguments of the
 *		function fcinfo calls, from its pg_proc entry, into *args; kept per
 *		function until any function changes.
 */
static void
LookupReadArguments(FunctionCallInfo fcinfo, ReadArguments *args)
{
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	ReadArguments *entry;
	HeapTuple	tuple;
	Datum		names;
	bool		isnull;
	int			skipped;
	int			i;

	if (read_arguments != NULL && read_arguments_stale)
	{
		hash_destroy(read_arguments);
		read_arguments = NULL;
	}
	if (read_arguments == NULL)
	{
		HASHCTL		ctl;
		static bool callback_registered = false;

		if (!callback_registered)
		{
			CacheRegisterSyscacheCallback(PROCOID, ForgetReadArguments, (Datum) 0);
			callback_registered = true;
		}
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ReadArguments);
		read_arguments = hash_create("task_outputs read arguments", 16, &ctl,
									 HASH_ELEM | HASH_BLOBS);
		read_arguments_stale = false;
	}
	entry = hash_search(read_arguments, &fn_oid, HASH_FIND, NULL);
	if (entry != NULL)
	{
		*args = *entry;
		return;
	}

	/* built aside, entered once complete */
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	/* a twin's leading arguments are not passed on to the API code */
	skipped = ((Form_pg_proc) GETSTRUCT(tuple))->pronargs - PG_NARGS();
	names = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_proargnames, &isnull);
	args->fn_oid = fn_oid;
	for (i = 0; i < NUM_FILTERS; i++)
		args->filter[i] = -1;
	for (i = 0; i < NUM_OPTIONS; i++)
		args->option[i] = -1;
	if (!isnull)
	{
		Datum	   *elems;
		int			nelems;
		int			pos;

		deconstruct_array(DatumGetArrayTypeP(names), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, NULL, &nelems);
		for (pos = 0; pos < nelems; pos++)
		{
			char	   *name = TextDatumGetCString(elems[pos]);

			for (i = 0; i < NUM_FILTERS; i++)
				if (strcmp(name, filter_table[i].name) == 0)
					args->filter[i] = pos - skipped;
			for (i = 0; i < NUM_OPTIONS; i++)
				if (strcmp(name, option_names[i]) == 0)
					args->option[i] = pos - skipped;
		}
	}
	ReleaseSysCache(tuple);
	if (!read_arguments_stale)
	{
		entry = hash_search(read_arguments, &fn_oid, HASH_ENTER, NULL);
		*entry = *args;
	}
}

/*
 * ArgumentGiven
 *		Whether the call has argument position pos and it is not null.
 */
static inline bool
ArgumentGiven(FunctionCallInfo fcinfo, int pos)
{
	return pos >= 0 && pos < PG_NARGS() && !PG_ARGISNULL(pos);
}

/*
 * CheckFilterArray
 *		PT400 unless array is one-dimensional (or empty) without nulls.
 */
static void
CheckFilterArray(const char *name, ArrayType *array)
{
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid %s", name),
				 errdetail("Argument \"%s\" must be a one-dimensional array; it has %d dimensions.",
						   name, ARR_NDIM(array))));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid %s", name),
				 errdetail("Argument \"%s\" must not contain nulls.", name)));
}

/*
 * PrepareStatusFilter
 *		The task_output_status[] argument, checked, as text[].
 */
static Datum
PrepareStatusFilter(const char *name, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Datum	   *elems;
	int			nelems;
	int			i;

	CheckFilterArray(name, array);
	deconstruct_array(array, ARR_ELEMTYPE(array), sizeof(Oid), true,
					  TYPALIGN_INT, &elems, NULL, &nelems);
	for (i = 0; i < nelems; i++)
		elems[i] = CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(enum_out,
																		   elems[i])));
	return PointerGetDatum(construct_array(elems, nelems, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

static Datum
PrepareTagsFilter(const char *name, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);

	CheckFilterArray(name, array);
	return PointerGetDatum(array);
}

/*
 * CheckCreatedRange
 *		PT400 unless created_after is earlier than created_before.
 */
static void
CheckCreatedRange(ReadRequest *request)
{
	TimestampTz after;
	TimestampTz before;

	if (!request->filter_given[FILTER_CREATED_AFTER] ||
		!request->filter_given[FILTER_CREATED_BEFORE])
		return;
	after = DatumGetTimestampTz(request->filter_value[FILTER_CREATED_AFTER]);
	before = DatumGetTimestampTz(request->filter_value[FILTER_CREATED_BEFORE]);
	if (after >= before)
	{
		/* timestamptz_to_str returns a static buffer */
		char	   *after_text = pstrdup(timestamptz_to_str(after));
		char	   *before_text = pstrdup(timestamptz_to_str(before));

		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid created_after"),
				 errdetail("Argument \"created_after\" (%s) must be earlier than \"created_before\" (%s); both bounds are exclusive.",
						   after_text, before_text)));
	}
}

/*
 * CheckLimit
 *		PT400 unless limit is within 1..MAX_LIMIT.
 */
static void
CheckLimit(int32 limit)
{
	if (limit < 1 || limit > MAX_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid limit"),
				 errdetail("Argument \"limit\" must be between 1 and %d; it is %d.",
						   MAX_LIMIT, limit)));
}

/*
 * SetFilter
 *		Filter on value, given as the filter's argument would be.
 */
void
SetFilter(ReadRequest *request, FilterId filter, Datum value)
{
	const FilterDef *def = &filter_table[filter];

	request->filter_value[filter] = def->prepare ? def->prepare(def->name, value) : value;
	request->filter_given[filter] = true;
}

/*
 * ReadRequestFromArguments
 *		The caller, its filters and options, from the arguments of a reader;
 *		validated.  The caller must be allowed to act for the organization
 *		in force.
 */
void
ReadRequestFromArguments(FunctionCallInfo fcinfo, ReadRequest *request)
{
	ReadArguments args;
	int			pos;
	int			i;

	memset(request, 0, sizeof(*request));
	request->include_output = true;
	RequirePrincipal(&request->principal);
	LookupReadArguments(fcinfo, &args);

	for (i = 0; i < NUM_FILTERS; i++)
		if (ArgumentGiven(fcinfo, args.filter[i]))
			SetFilter(request, (FilterId) i, PG_GETARG_DATUM(args.filter[i]));
	CheckCreatedRange(request);

	pos = args.option[OPTION_INCLUDE_OUTPUT];
	if (ArgumentGiven(fcinfo, pos))
		request->include_output = PG_GETARG_BOOL(pos);
	pos = args.option[OPTION_INCLUDE_DELETED];
	if (ArgumentGiven(fcinfo, pos))
		request->include_deleted = PG_GETARG_BOOL(pos);
	pos = args.option[OPTION_LIMIT];
	if (ArgumentGiven(fcinfo, pos))
	{
		CheckLimit(PG_GETARG_INT32(pos));
		request->limit = PG_GETARG_INT32(pos);
	}
	pos = args.option[OPTION_STARTING_AFTER];
	if (ArgumentGiven(fcinfo, pos))
		request->starting_after = PG_GETARG_UUID_P(pos);
	pos = args.option[OPTION_ID];
	if (ArgumentGiven(fcinfo, pos))
		request->id = PG_GETARG_UUID_P(pos);

	if (request->include_deleted && !request->principal.is_admin)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read deleted task outputs"),
				 errdetail("Argument \"include_deleted\" => true is for members of \"task_outputs_admin\"."),
				 errhint("Leave \"include_deleted\" unset to read the outputs that are not deleted.")));
}

/*
 * ReadQuery
 *		The statement of kind for the conditions and options in key, built
 *		on first use.
 */
static PreparedQuery *
ReadQuery(ReadKind kind, int key)
{
	PreparedQuery *query = read_queries[kind][key];
	StringInfoData sql;
	MemoryContext oldcontext;
	int			i;

	if (query != NULL)
		return query;

	oldcontext = MemoryContextSwitchTo(TopMemoryContext);
	initStringInfo(&sql);
	if (kind == READ_COUNT)
		appendStringInfoString(&sql, "SELECT pg_catalog.count(*)");
	else if (key & KEY_NO_OUTPUT)
		appendStringInfoString(&sql,
							   "SELECT id, flow_execution_id, organization_id, task_name, status,"
							   " summary, NULL::pg_catalog.jsonb, tags, last_modified_by,"
							   " created_at, updated_at");
	else
		appendStringInfoString(&sql, "SELECT " TASK_OUTPUT_COLUMNS);
	appendStringInfo(&sql, " FROM task_outputs.outputs"
					 " WHERE organization_id OPERATOR(pg_catalog.=) $%d", P_ORG_ID);
	if (key & KEY_ID)
		appendStringInfo(&sql, " AND id OPERATOR(pg_catalog.=) $%d", P_ID);
	if (!(key & KEY_INCLUDE_DELETED))
		appendStringInfo(&sql, " AND status OPERATOR(pg_catalog.<>) %s",
						 StatusLiteral(OUTPUT_DELETED));
	for (i = 0; i < NUM_FILTERS; i++)
	{
		if (!(key & KEY_FILTER(i)))
			continue;
		appendStringInfoString(&sql, " AND ");
		appendStringInfo(&sql, filter_table[i].condition, P_FIRST_FILTER + i);
	}
	if (key & KEY_CURSOR)
		appendStringInfo(&sql, " AND ROW(created_at, id) OPERATOR(pg_catalog.<) ROW($%d, $%d)",
						 P_CURSOR_CREATED_AT, P_CURSOR_ID);
	if (kind == READ_ROWS)
	{
		appendStringInfoString(&sql, " ORDER BY created_at DESC, id DESC");
		if (key & KEY_LIMIT)
			appendStringInfo(&sql, " LIMIT $%d", P_LIMIT);
	}

	query = palloc0(sizeof(PreparedQuery));
	query->sql = sql.data;
	query->nargs = NPARAMS;
	query->reader = true;
	query->argtypes[P_ORG_ID - 1] = UUIDOID;
	for (i = 0; i < NUM_FILTERS; i++)
		query->argtypes[P_FIRST_FILTER + i - 1] = filter_table[i].param_type;
	query->argtypes[P_CURSOR_CREATED_AT - 1] = TIMESTAMPTZOID;
	query->argtypes[P_CURSOR_ID - 1] = UUIDOID;
	query->argtypes[P_LIMIT - 1] = INT8OID;
	query->argtypes[P_ID - 1] = UUIDOID;
	MemoryContextSwitchTo(oldcontext);

	read_queries[kind][key] = query;
	return query;
}

/*
 * CursorCreatedAt
 *		created_at of the tenant's output starting_after, the keyset cursor;
 *		PT404 when the tenant has no such output.  A soft-deleted one counts:
 *		it still marks its place in the list.
 */
static TimestampTz
CursorCreatedAt(ReadRequest *request)
{
	StatementScope scope;
	ParamListInfo params = MakeParams(2);
	Datum		value;

	InitScope(&scope, &request->principal, true);
	SetParam(params, 1, UUIDOID, UUIDPGetDatum(&request->principal.org_id), false);
	SetParam(params, 2, UUIDOID, UUIDPGetDatum(request->starting_after), false);
	if (!RunReaderForValue(&cursor_query, &scope, params, &value))
		ReportTaskOutputNotFound("starting_after", request->starting_after);
	return DatumGetTimestampTz(value);
}

/*
 * BindReadQuery
 *		The statement of kind for request, its parameters and its scope;
 *		limit_rows overrides request->limit for the LIMIT clause (a page asks
 *		for one more row than it shows, to know whether there are more).
 *		The parameters point into request, which must outlive the statement.
 */
PreparedQuery *
BindReadQuery(ReadKind kind, ReadRequest *request, int64 limit_rows,
			  ParamListInfo *params_out, StatementScope *scope)
{
	ParamListInfo params = MakeParams(NPARAMS);
	PreparedQuery *query;
	int			key = 0;
	int			i;

	InitScope(scope, &request->principal, request->include_deleted);
	SetParam(params, P_ORG_ID, UUIDOID, UUIDPGetDatum(&request->principal.org_id), false);
	for (i = 0; i < NUM_FILTERS; i++)
	{
		if (!request->filter_given[i])
			continue;
		SetParam(params, P_FIRST_FILTER + i, filter_table[i].param_type,
				 request->filter_value[i], false);
		key |= KEY_FILTER(i);
	}
	if (request->starting_after != NULL)
	{
		SetParam(params, P_CURSOR_CREATED_AT, TIMESTAMPTZOID,
				 TimestampTzGetDatum(CursorCreatedAt(request)), false);
		SetParam(params, P_CURSOR_ID, UUIDOID,
				 UUIDPGetDatum(request->starting_after), false);
		key |= KEY_CURSOR;
	}
	if (kind == READ_ROWS && limit_rows > 0)
	{
		SetParam(params, P_LIMIT, INT8OID, Int64GetDatum(limit_rows), false);
		key |= KEY_LIMIT;
	}
	if (request->id != NULL)
	{
		SetParam(params, P_ID, UUIDOID, UUIDPGetDatum(request->id), false);
		key |= KEY_ID;
	}
	if (request->include_deleted)
		key |= KEY_INCLUDE_DELETED;
	if (kind == READ_ROWS && !request->include_output)
		key |= KEY_NO_OUTPUT;

	query = ReadQuery(kind, key);
	for (i = 0; i < NPARAMS; i++)
		params->params[i].ptype = query->argtypes[i];
	*params_out = params;
	return query;
}

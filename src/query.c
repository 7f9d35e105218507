/*-------------------------------------------------------------------------
 *
 * query.c
 *		The extension's own SQL statements: prepared once, run as the
 *		service role in the scope of the API's caller.
 *
 * Every statement is fully schema-qualified (so the caller's search_path
 * cannot change its meaning), takes its values as out-of-line parameters,
 * and is prepared once per backend and kept with SPI_keepplan.
 *
 * The statements run as task_outputs_service (catalog.c), the role that
 * holds the tables' privileges: tenant roles hold none, so that they can
 * neither read the tables around the API, nor lock them, nor see the
 * planner's estimates over everyone's rows.  Row-level security applies to
 * the service role: for the length of each statement this file pushes a
 * StatementScope (authorization.c) with the caller's authorized
 * organization, which the policies read; the statements also name the
 * tenant explicitly, so RLS is defence in depth, and the plan cache, keyed
 * on the user for plans that depend on RLS, keeps one plan for all
 * callers.  The switch is a security-restricted operation and is undone
 * however the statement ends.
 *
 * Statements are planned once, generically, never in parallel, and under
 * the planner's built-in settings rather than those of the session that
 * happens to plan them (planner_settings.c), since the plan is kept for
 * every later caller of the backend; readers as cursors that should start
 * fast (they render rows as they come), and without JIT (a few
 * microseconds of work per row does not pay for compiling).  So a big
 * tenant's list is an index scan in the list's order, not a scan of
 * everyone's rows sorted, whatever share of the table the tenant holds and
 * whatever the caller set, and no call pays for planning.  On a distributed
 * install (distribution.c) Citus plans them, and routes a generic plan
 * only for the simplest shapes: there the plan cache chooses, as Citus
 * expects.  A plan made before the install was distributed is made again.
 * During a delegated call on the node of its organization, a statement
 * runs as its copy on that organization's shards there (local_shards.c),
 * planned as on one node.
 * They run through the executor directly, each row handed to a
 * DestReceiver as it is produced: no SPI tuple table, and a ReaderStream
 * keeps one running across calls (export_task_outputs) the way SQL
 * functions evaluate lazily: its executor state lives in the caller's
 * memory, its plan is pinned by the resource owner of the statement that
 * drives it (a cursor's portal, which outlives COMMIT of a holdable cursor
 * and ROLLBACK TO SAVEPOINT), under which its executor always runs, and it
 * produces one row per call.
 *
 * Statements that write run through SPI.  An error raised inside one (by
 * a trigger's rule, a key, row-level security) would carry a CONTEXT line
 * quoting the extension's internal SQL, which says nothing to the caller
 * of an API function; that line is removed before the error goes on.
 *
 * src/query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "jit/jit.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/inval.h"
#include "utils/plancache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "compat.h"
#include "distribution.h"
#include "errors.h"
#include "local_shards.h"
#include "planner_settings.h"
#include "query.h"

/* what running as the service role changed, to undo */
typedef struct ServiceSwitch
{
	Oid			save_userid;
	int			save_sec_context;
	int			guc_nestlevel;	/* -1: no setting changed */
	bool		scoped;			/* a scope was entered */
	StatementScope *save_scope; /* the scope in force before */
} ServiceSwitch;

/* the scope of the statement running */
static StatementScope *scope_top = NULL;
static bool callbacks_registered = false;

struct ReaderStream
{
	PreparedQuery *query;
	StatementScope scope;
	QueryDesc  *query_desc;
	CachedPlan *cplan;
	ResourceOwner owner;		/* the plan is pinned with it */
	bool		done;
};

/*
 * InitScope
 *		The scope of a statement run for principal; sees_deleted lets it read
 *		soft-deleted rows.
 */
void
InitScope(StatementScope *scope, const Principal *principal, bool sees_deleted)
{
	memset(scope, 0, sizeof(*scope));
	scope->org_id = principal->org_id;
	scope->is_admin = principal->is_admin;
	memcpy(scope->actor, principal->actor, ACTOR_BYTES);
	scope->sees_deleted = sees_deleted;
}

static void
ForgetScopes(XactEvent event, void *arg)
{
	/* every scope is left by now; an error unwound them all */
	scope_top = NULL;
}

/*
 * ActiveScope
 *		The scope of the statement running, when the current user is the
 *		service role; else NULL.  Only this file's C code switches to the
 *		service role, and only for its statements, in their scope.
 */
const StatementScope *
ActiveScope(void)
{
	if (scope_top == NULL || !IsServiceRole(GetUserId()))
		return NULL;
	return scope_top;
}

/*
 * PlanMayBeBuilt
 *		Whether running plan's statement now may plan it: never planned,
 *		invalidated, planned under another search_path or row_security
 *		(plancache.c's checks, made first with the invalidations that have
 *		arrived), or custom plans forced by the session.
 */
static bool
PlanMayBeBuilt(SPIPlanPtr plan)
{
	CachedPlanSource *plansource = linitial(SPI_plan_get_plan_sources(plan));

	AcceptInvalidationMessages();
	return plan_cache_mode == PLAN_CACHE_MODE_FORCE_CUSTOM_PLAN ||
		!plansource->is_valid ||
		plansource->gplan == NULL || !plansource->gplan->is_valid ||
		plansource->rewriteRowSecurity != row_security ||
		!CompatSearchPathMatches(plansource->search_path);
}

/*
 * EnterService
 *		Become the service role, in scope, for one statement of query (an
 *		as_caller query stays the current user, with no scope); plan is the
 *		statement's kept plan when it is about to run (NULL while it is
 *		prepared, or while a stream runs it).
 *
 * The plans depend on row-level security, which row_security = off would
 * turn into an error, so it is turned on for the statement.  When the
 * plan may be built, the planner's settings are pinned for it
 * (planner_settings.c).  Both in a GUC nest level that LeaveService
 * undoes.
 */
static void
EnterService(ServiceSwitch *sw, StatementScope *scope, PreparedQuery *query,
			 SPIPlanPtr plan)
{
	GetUserIdAndSecContext(&sw->save_userid, &sw->save_sec_context);
	sw->guc_nestlevel = -1;
	sw->scoped = false;
	if (!row_security)
	{
		sw->guc_nestlevel = NewGUCNestLevel();
		(void) set_config_option("row_security", "on", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	if (plan != NULL && PlanMayBeBuilt(plan))
	{
		if (sw->guc_nestlevel < 0)
			sw->guc_nestlevel = NewGUCNestLevel();
		PinPlannerSettings(query->index_scan);
	}
	if (query->as_caller)
		return;
	SetUserIdAndSecContext(ServiceRole(), sw->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (!callbacks_registered)
	{
		RegisterXactCallback(ForgetScopes, NULL);
		callbacks_registered = true;
	}
	sw->save_scope = scope_top;
	sw->scoped = true;
	scope_top = scope;
}

static void
LeaveService(ServiceSwitch *sw)
{
	if (sw->scoped)
		scope_top = sw->save_scope;
	SetUserIdAndSecContext(sw->save_userid, sw->save_sec_context);
	if (sw->guc_nestlevel >= 0)
		AtEOXact_GUC(true, sw->guc_nestlevel);
}

/*
 * PreparedQueryPlan
 *		The kept plan of query, prepared on first use, as the role it runs
 *		as (row-level security is applied when a statement is rewritten, for
 *		the current user).
 */
static SPIPlanPtr
PreparedQueryPlan(PreparedQuery *query, StatementScope *scope)
{
	ServiceSwitch sw;
	SPIPlanPtr	plan;
	bool		distributed = !query->on_local_shards && DistributedInstall();
	int			rc;

	if (query->plan != NULL && query->plan_distributed == distributed)
		return query->plan;
	if (query->plan != NULL)
	{
		SPI_freeplan(query->plan);
		query->plan = NULL;
	}

	RequireExtensionSchema();
	EnterService(&sw, scope, query, NULL);
	PG_TRY();
	{
		if ((rc = SPI_connect()) != SPI_OK_CONNECT)
			ReportUnexpectedSPIResult("SPI_connect", rc);

		/*
		 * No CURSOR_OPT_PARALLEL_OK: the rows are rendered by this backend.
		 * The plan is generic: the same whatever the tenant's share of the
		 * table, and not planned again at every call.  A reader's starts
		 * fast: its rows are rendered as they come.  Not generic on a
		 * distributed install, where Citus plans the statement and can route
		 * a generic plan only for the simplest shapes: the plan cache then
		 * chooses, as Citus expects.
		 */
		plan = SPI_prepare_cursor(query->sql, query->nargs, query->argtypes,
								  (distributed ? 0 : CURSOR_OPT_GENERIC_PLAN) |
								  (query->reader ? CURSOR_OPT_FAST_PLAN : 0));
		if (plan == NULL)
			ReportUnexpectedSPIResult("SPI_prepare", SPI_result);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if ((rc = SPI_finish()) != SPI_OK_FINISH)
			ReportUnexpectedSPIResult("SPI_finish", rc);
	}
	PG_CATCH();
	{
		LeaveService(&sw);
		PG_RE_THROW();
	}
	PG_END_TRY();
	LeaveService(&sw);
	query->plan = plan;
	query->plan_distributed = distributed;
	return plan;
}

/*
 * MakeParams
 *		A parameter list of nparams parameters, all null until set.
 */
ParamListInfo
MakeParams(int nparams)
{
	ParamListInfo params = makeParamList(nparams);
	int			i;

	params->numParams = nparams;
	for (i = 0; i < nparams; i++)
	{
		params->params[i].isnull = true;
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	return params;
}

void
SetParam(ParamListInfo params, int position, Oid type, Datum value, bool isnull)
{
	ParamExternData *param = &params->params[position - 1];

	param->ptype = type;
	param->pflags = PARAM_FLAG_CONST;
	param->value = value;
	param->isnull = isnull;
}

/*
 * RethrowWithoutStatementContext
 *		Re-throw the error being handled, without the context line that SPI
 *		added for the text sql of the extension's own statement (the first
 *		line, or a later one when the error came from another node, whose
 *		address comes first).  Called in a PG_CATCH block, after the service
 *		role has been left.
 */
void
RethrowWithoutStatementContext(const char *sql, MemoryContext context)
{
	ErrorData  *edata;
	char	   *own_line;
	size_t		own_len;
	char	   *line;

	MemoryContextSwitchTo(context);
	edata = CopyErrorData();
	FlushErrorState();

	own_line = psprintf("SQL statement \"%s\"", sql);
	own_len = strlen(own_line);
	for (line = edata->context; line != NULL; line = strchr(line, '\n'))
	{
		if (*line == '\n')
			line++;
		if (strncmp(line, own_line, own_len) == 0 &&
			(line[own_len] == '\0' || line[own_len] == '\n'))
		{
			StringInfoData rest;

			/* the lines before it (from another node: delegation.c), after it */
			initStringInfo(&rest);
			appendBinaryStringInfo(&rest, edata->context,
								   line > edata->context ? line - edata->context - 1 : 0);
			if (line[own_len] == '\n')
				appendStringInfo(&rest, "%s%s", rest.len > 0 ? "\n" : "",
								 line + own_len + 1);
			edata->context = rest.len > 0 ? rest.data : NULL;
			break;
		}
	}
	ReThrowError(edata);
}

/*
 * RunQuery
 *		SPI_execute_plan of query's kept plan, as the service role in scope;
 *		the caller is connected to SPI.
 */
int
RunQuery(PreparedQuery *requested, StatementScope *scope, Datum *values,
		 const char *nulls, bool read_only, long count)
{
	/* set once, before PG_TRY: the handler reads it after a longjmp */
	PreparedQuery *query = LocalShardQuery(requested);
	MemoryContext context = CurrentMemoryContext;
	SPIPlanPtr	plan = PreparedQueryPlan(query, scope);
	ServiceSwitch sw;
	int			rc = 0;

	EnterService(&sw, scope, query, plan);
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, read_only, count);
	}
	PG_CATCH();
	{
		LeaveService(&sw);
		RethrowWithoutStatementContext(query->sql, context);
	}
	PG_END_TRY();
	LeaveService(&sw);
	return rc;
}

/*
 * RunQueryOnLatestSnapshot
 *		RunQuery on the latest snapshot: the statement sees every row
 *		committed so far, even in a transaction whose own snapshot is older.
 *		In REPEATABLE READ and SERIALIZABLE the transaction's snapshot is the
 *		crosscheck, so changing a row that it cannot see is a serialization
 *		failure rather than a silent miss (as the foreign-key triggers do).
 */
int
RunQueryOnLatestSnapshot(PreparedQuery *requested, StatementScope *scope,
						 Datum *values, const char *nulls)
{
	/* set once, before PG_TRY: the handler reads it after a longjmp */
	PreparedQuery *query = LocalShardQuery(requested);
	MemoryContext context = CurrentMemoryContext;
	SPIPlanPtr	plan = PreparedQueryPlan(query, scope);
	Snapshot	crosscheck = IsolationUsesXactSnapshot() ? GetTransactionSnapshot()
		: InvalidSnapshot;
	ServiceSwitch sw;
	int			rc = 0;

	EnterService(&sw, scope, query, plan);
	PG_TRY();
	{
		rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(),
								  crosscheck, false, true, 0);
	}
	PG_CATCH();
	{
		LeaveService(&sw);
		RethrowWithoutStatementContext(query->sql, context);
	}
	PG_END_TRY();
	LeaveService(&sw);
	return rc;
}

/*
 * StartReader
 *		Get plan's generic plan (pinned with the current resource owner) and
 *		start its executor in the current memory context, rows going to
 *		dest.  The caller is the service role, in scope.
 */
static QueryDesc *
StartReader(SPIPlanPtr plan, ParamListInfo params, DestReceiver *dest,
			int eflags, CachedPlan **cplan_out)
{
	CachedPlanSource *plansource = linitial(SPI_plan_get_plan_sources(plan));
	CachedPlan *cplan;
	PlannedStmt *stmt;
	QueryDesc  *query_desc;

	cplan = GetCachedPlan(plansource, params, CurrentResourceOwner, NULL);
	if (list_length(cplan->stmt_list) != 1)
		elog(ERROR, "a reader statement must plan to one statement");
	stmt = linitial_node(PlannedStmt, cplan->stmt_list);
	if (stmt->jitFlags != PGJIT_NONE)
	{
		/* the plan is shared: turn JIT off in a copy of its top node */
		PlannedStmt *copy = palloc(sizeof(PlannedStmt));

		memcpy(copy, stmt, sizeof(PlannedStmt));
		copy->jitFlags = PGJIT_NONE;
		stmt = copy;
	}
	query_desc = CreateQueryDesc(stmt, plansource->query_string,
								 GetActiveSnapshot(), InvalidSnapshot,
								 dest, params, NULL, 0);
	ExecutorStart(query_desc, eflags);
	*cplan_out = cplan;
	return query_desc;
}

static void
EndReader(QueryDesc *query_desc)
{
	ExecutorFinish(query_desc);
	ExecutorEnd(query_desc);
	FreeQueryDesc(query_desc);
}

/*
 * RunReader
 *		Run reader statement query with params as the service role in scope,
 *		each row going to dest as the executor produces it; returns the
 *		number of rows.
 */
uint64
RunReader(PreparedQuery *query, StatementScope *scope, ParamListInfo params,
		  DestReceiver *dest)
{
	ServiceSwitch sw;
	SPIPlanPtr	plan;
	volatile bool pushed_snapshot = false;
	uint64		processed = 0;

	Assert(query->reader);
	query = LocalShardQuery(query);
	plan = PreparedQueryPlan(query, scope);
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed_snapshot = true;
	}
	EnterService(&sw, scope, query, plan);
	PG_TRY();
	{
		CachedPlan *cplan;
		QueryDesc  *query_desc = StartReader(plan, params, dest, 0, &cplan);

		CompatExecutorRun(query_desc, ForwardScanDirection, 0);
		processed = query_desc->estate->es_processed;
		EndReader(query_desc);
		ReleaseCachedPlan(cplan, CurrentResourceOwner);
	}
	PG_CATCH();
	{
		LeaveService(&sw);
		PG_RE_THROW();
	}
	PG_END_TRY();
	LeaveService(&sw);
	if (pushed_snapshot)
		PopActiveSnapshot();
	return processed;
}

/* Keeps the first column of the first row, for RunReaderForValue */
typedef struct ValueReceiver
{
	DestReceiver pub;
	MemoryContext context;		/* where the value is copied to */
	bool		found;
	Datum		value;
} ValueReceiver;

static bool
ValueReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	ValueReceiver *receiver = (ValueReceiver *) self;
	Form_pg_attribute attr = TupleDescAttr(slot->tts_tupleDescriptor, 0);
	MemoryContext oldcontext;
	bool		isnull;
	Datum		value;

	if (receiver->found)
		return true;
	value = slot_getattr(slot, 1, &isnull);
	if (isnull)
		elog(ERROR, "a value statement returned null");
	oldcontext = MemoryContextSwitchTo(receiver->context);
	receiver->value = datumCopy(value, attr->attbyval, attr->attlen);
	MemoryContextSwitchTo(oldcontext);
	receiver->found = true;
	return true;
}

static void
ValueStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
ValueShutdown(DestReceiver *self)
{
}

static void
ValueDestroy(DestReceiver *self)
{
}

/*
 * RunReaderForValue
 *		Run reader statement query, which yields one non-null column, and
 *		copy the value of its first row into *value, in the current memory
 *		context; false when there is no row.
 */
bool
RunReaderForValue(PreparedQuery *query, StatementScope *scope,
				  ParamListInfo params, Datum *value)
{
	ValueReceiver receiver;

	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = ValueReceiveSlot;
	receiver.pub.rStartup = ValueStartup;
	receiver.pub.rShutdown = ValueShutdown;
	receiver.pub.rDestroy = ValueDestroy;
	receiver.pub.mydest = DestNone;
	receiver.context = CurrentMemoryContext;
	(void) RunReader(query, scope, params, (DestReceiver *) &receiver);
	*value = receiver.value;
	return receiver.found;
}

/*
 * OpenReaderStream
 *		Start reader statement query, in the current memory context, for
 *		ReaderStreamNext to produce its rows one at a time into dest.  The
 *		statement uses the active snapshot (the one of the query that calls
 *		the API); its plan is pinned with the current resource owner until
 *		the stream is closed or that owner's cleanup (an error) drops it.
 */
ReaderStream *
OpenReaderStream(PreparedQuery *query, StatementScope *scope,
				 ParamListInfo params, DestReceiver *dest)
{
	ReaderStream *stream = palloc0(sizeof(ReaderStream));
	ServiceSwitch sw;
	SPIPlanPtr	plan;

	Assert(query->reader);
	query = LocalShardQuery(query);
	stream->query = query;
	stream->scope = *scope;
	stream->owner = CurrentResourceOwner;
	plan = PreparedQueryPlan(query, &stream->scope);
	EnterService(&sw, &stream->scope, stream->query, plan);
	PG_TRY();
	{
		/* no after-trigger context: it would outlive this call */
		stream->query_desc = StartReader(plan, params, dest,
										 EXEC_FLAG_SKIP_TRIGGERS,
										 &stream->cplan);
	}
	PG_CATCH();
	{
		LeaveService(&sw);
		PG_RE_THROW();
	}
	PG_END_TRY();
	LeaveService(&sw);
	return stream;
}

/*
 * ReaderStreamNext
 *		Produce the stream's next row into its receiver; false when there
 *		are no more.
 */
bool
ReaderStreamNext(ReaderStream *stream)
{
	ServiceSwitch sw;
	bool		produced = false;

	ResourceOwner save_owner = CurrentResourceOwner;

	if (stream->done)
		return false;
	PushActiveSnapshot(stream->query_desc->snapshot);
	EnterService(&sw, &stream->scope, stream->query, NULL);
	CurrentResourceOwner = stream->owner;
	PG_TRY();
	{
		CompatExecutorRun(stream->query_desc, ForwardScanDirection, 1);
		produced = (stream->query_desc->estate->es_processed > 0);
	}
	PG_CATCH();
	{
		CurrentResourceOwner = save_owner;
		LeaveService(&sw);
		PG_RE_THROW();
	}
	PG_END_TRY();
	CurrentResourceOwner = save_owner;
	LeaveService(&sw);
	PopActiveSnapshot();
	if (!produced)
		stream->done = true;
	return produced;
}

/*
 * CloseReaderStream
 *		End the stream's executor and unpin its plan; safe to call twice.
 */
void
CloseReaderStream(ReaderStream *stream)
{
	ServiceSwitch sw;
	ResourceOwner save_owner = CurrentResourceOwner;

	if (stream->query_desc == NULL)
		return;
	PushActiveSnapshot(stream->query_desc->snapshot);
	EnterService(&sw, &stream->scope, stream->query, NULL);
	CurrentResourceOwner = stream->owner;
	PG_TRY();
	{
		EndReader(stream->query_desc);
		stream->query_desc = NULL;
		ReleaseCachedPlan(stream->cplan, stream->owner);
		stream->cplan = NULL;
	}
	PG_CATCH();
	{
		CurrentResourceOwner = save_owner;
		LeaveService(&sw);
		PG_RE_THROW();
	}
	PG_END_TRY();
	CurrentResourceOwner = save_owner;
	LeaveService(&sw);
	PopActiveSnapshot();
	stream->done = true;
}

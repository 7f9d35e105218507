/*-------------------------------------------------------------------------
 *
 * internal.c
 *		The tenant-first twins of the API: the caller from their leading
 *		arguments, then the API's own code, on the node of the caller's
 *		organization.
 *
 * On a distributed install an API function decides who its caller is
 * where it is called (authorization.c, exactly as on one node) and then
 * calls its twin, task_outputs_internal.<the same name>, which Citus runs
 * on the node holding the caller's organization (delegation.c).  A twin
 * takes that decision as its first arguments -- the organization, whether
 * the caller is an administrator, its actor -- and the caller's settings
 * that shape a result (the TimeZone timestamps are rendered in, the
 * task_outputs.* limits), then the API function's own arguments, with the
 * same names.  It runs the API function's C code with those arguments
 * alone: a call of that code whose arguments are the twin's after the
 * caller's, and whose function expression is shortened the same way (so
 * get_fn_expr_argtype and the readers' arguments, found by name, line
 * up), kept in the twin's fn_extra for the calls of a set-returning
 * function.  While it runs, DelegatedPrincipal() is the caller: the API
 * code takes it instead of asking the session (RequirePrincipal,
 * ResolveActor, CurrentRoleIsAdmin), and does not delegate again.  So the
 * statements, the triggers' stamps and checks, the purge's flag and the
 * clock of every timestamp are those of the tenant's node, in one
 * transaction, and the result is what one node would have given.  There
 * the statements run on the organization's shards directly
 * (local_shards.c), as fast as on one node.
 *
 * A twin believes what its arguments say about the caller, so it runs
 * only for a superuser: the extension's owner, as which the API function
 * delegates and Citus connects.  The schema grants nothing to anyone, the
 * twins' EXECUTE is revoked, and this file checks again, since a node
 * added to the cluster later is built from the install script and may
 * lack privileges granted since (and Citus's own record of a function's
 * privileges has been seen to differ there).
 *
 * The caller's settings travel as name/value pairs and are applied, for
 * the length of the call, only when they differ from the node's and only
 * for the names listed here: Citus does not carry a session's settings to
 * the node that runs a delegated call.
 *
 * src/internal.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "authorization.h"
#include "internal.h"
#include "local_shards.h"
#include "tenant.h"

/* the settings a caller's result depends on, carried with every call */
static const char *const carried_settings[] = {
	"TimeZone",
	"task_outputs.max_result_bytes",
	"task_outputs.max_output_bytes",
	"task_outputs.warn_output_bytes",
};

/* the caller of the twin running, if any */
static const Principal *delegated_principal = NULL;

/* The API code's view of a twin's call, across the calls of a set function */
typedef struct TwinCall
{
	FmgrInfo	flinfo;
} TwinCall;

/*
 * DelegatedPrincipal
 *		The caller a twin was given, while its API code runs; else NULL.
 */
const Principal *
DelegatedPrincipal(void)
{
	return delegated_principal;
}

/*
 * CallerSettings
 *		The current values of the carried settings, as a text[] of name,
 *		value pairs, for a twin's call.
 */
Datum
CallerSettings(void)
{
	Datum		elems[lengthof(carried_settings) * 2];
	int			n = 0;
	int			i;

	for (i = 0; i < lengthof(carried_settings); i++)
	{
		const char *value = GetConfigOption(carried_settings[i], true, false);

		if (value == NULL)
			continue;
		elems[n++] = CStringGetTextDatum(carried_settings[i]);
		elems[n++] = CStringGetTextDatum(value);
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * ApplyCallerSettings
 *		Set, for the length of a twin's call, the carried settings whose
 *		value differs here; returns the nesting level to pop, or -1 when
 *		nothing was set.
 */
pg_noinline static int
ApplyCallerSettings(ArrayType *settings)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			nestlevel = -1;
	int			i;
	int			j;

	deconstruct_array(settings, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	for (i = 0; i + 1 < nelems; i += 2)
	{
		char	   *name;
		char	   *value;
		const char *current;

		if (nulls[i] || nulls[i + 1])
			continue;
		name = TextDatumGetCString(elems[i]);
		for (j = 0; j < lengthof(carried_settings); j++)
			if (strcmp(name, carried_settings[j]) == 0)
				break;
		if (j == lengthof(carried_settings))
			continue;
		value = TextDatumGetCString(elems[i + 1]);
		current = GetConfigOption(carried_settings[j], true, false);
		if (current != NULL && strcmp(current, value) == 0)
			continue;
		if (nestlevel < 0)
			nestlevel = NewGUCNestLevel();
		(void) set_config_option(carried_settings[j], value, PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	return nestlevel;
}

/*
 * PrincipalFromArguments
 *		The caller a twin's leading arguments describe.
 */
static void
PrincipalFromArguments(FunctionCallInfo fcinfo, Principal *principal)
{
	char	   *actor;

	if (PG_NARGS() < CALLER_ARGUMENTS || PG_ARGISNULL(0) || PG_ARGISNULL(1) ||
		PG_ARGISNULL(2))
		elog(ERROR, "%s: the caller's arguments must not be null",
			 get_func_name(fcinfo->flinfo->fn_oid));
	memset(principal, 0, sizeof(*principal));
	principal->org_id = *PG_GETARG_UUID_P(0);
	principal->is_admin = PG_GETARG_BOOL(1);
	actor = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (actor[0] != '\0' && (strlen(actor) >= ACTOR_BYTES || !IsValidActor(actor)))
		elog(ERROR, "%s: invalid actor \"%s\"", get_func_name(fcinfo->flinfo->fn_oid), actor);
	strlcpy(principal->actor, actor, ACTOR_BYTES);
}

/*
 * TwinCallOf
 *		The API code's view of the twin's call: its FmgrInfo with the
 *		caller's arguments left out of the function expression; made on
 *		the first call, kept in the twin's fn_extra.
 */
static TwinCall *
TwinCallOf(FunctionCallInfo fcinfo)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	TwinCall   *twin = (TwinCall *) flinfo->fn_extra;
	MemoryContext oldcontext;

	if (twin != NULL)
		return twin;
	oldcontext = MemoryContextSwitchTo(flinfo->fn_mcxt);
	twin = palloc0(sizeof(TwinCall));
	twin->flinfo = *flinfo;
	twin->flinfo.fn_nargs = flinfo->fn_nargs - CALLER_ARGUMENTS;
	twin->flinfo.fn_extra = NULL;
	if (flinfo->fn_expr != NULL && IsA(flinfo->fn_expr, FuncExpr))
	{
		FuncExpr   *expr = copyObject((FuncExpr *) flinfo->fn_expr);

		expr->args = list_copy_tail(expr->args, CALLER_ARGUMENTS);
		twin->flinfo.fn_expr = (Node *) expr;
	}
	else
		twin->flinfo.fn_expr = NULL;
	MemoryContextSwitchTo(oldcontext);
	flinfo->fn_extra = twin;
	return twin;
}

/*
 * CallTwin
 *		Run api, the C code of the API function the twin stands for, for
 *		the caller in the twin's leading arguments.
 */
static Datum
CallTwin(FunctionCallInfo fcinfo, PGFunction api)
{
	LOCAL_FCINFO(call, FUNC_MAX_ARGS);
	const Principal *outer = delegated_principal;
	LocalShards *outer_shards;
	Principal	principal;
	TwinCall   *twin;
	int			nargs = PG_NARGS() - CALLER_ARGUMENTS;
	int			nestlevel;
	volatile Datum result = (Datum) 0;
	int			i;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s.%s", INTERNAL_SCHEMA,
						get_func_name(fcinfo->flinfo->fn_oid)),
				 errdetail("The functions of schema \"%s\" are called by the extension itself, as a superuser.",
						   INTERNAL_SCHEMA)));
	PrincipalFromArguments(fcinfo, &principal);
	twin = TwinCallOf(fcinfo);

	InitFunctionCallInfoData(*call, &twin->flinfo, nargs, PG_GET_COLLATION(),
							 fcinfo->context, fcinfo->resultinfo);
	for (i = 0; i < nargs; i++)
		call->args[i] = fcinfo->args[CALLER_ARGUMENTS + i];

	nestlevel = PG_ARGISNULL(3) ? -1 : ApplyCallerSettings(PG_GETARG_ARRAYTYPE_P(3));
	delegated_principal = &principal;
	outer_shards = EnterLocalShards(&principal.org_id);
	PG_TRY();
	{
		result = api(call);
	}
	PG_FINALLY();
	{
		LeaveLocalShards(outer_shards);
		delegated_principal = outer;
	}
	PG_END_TRY();
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
	fcinfo->isnull = call->isnull;
	return result;
}

/*
 * The twins, one per API function that reads or writes a tenant's rows.
 * A C symbol cannot carry the schema: "internal_" stands for
 * task_outputs_internal.
 */
#define TWIN(api) \
	extern PGDLLEXPORT Datum api(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(internal_##api); \
	Datum \
	internal_##api(PG_FUNCTION_ARGS) \
	{ \
		return CallTwin(fcinfo, api); \
	}

TWIN(list_task_outputs)
TWIN(list_task_outputs_page)
TWIN(task_outputs)
TWIN(export_task_outputs)
TWIN(count_task_outputs)
TWIN(get_task_output)
TWIN(get_flow_execution)
TWIN(task_output_history)
TWIN(create_flow_execution)
TWIN(record_task_output)
TWIN(set_task_output_status)
TWIN(delete_task_output)
TWIN(restore_task_output)
TWIN(mark_stale)
TWIN(purge_task_outputs)

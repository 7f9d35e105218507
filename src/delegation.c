/*-------------------------------------------------------------------------
 *
 * delegation.c
 *		On a distributed install, an API call that reads or writes a
 *		tenant's rows runs on the node of its organization.
 *
 * Where the call arrives (the coordinator, or any node), the API function
 * decides who the caller is exactly as on one node: the organization in
 * force, whether the role may act for it (gateways, grants, definer
 * functions), administrator or not, its actor.  Then, when the install is
 * distributed (distribution.c) and the call is not already running for a
 * delegated caller, it calls its twin (internal.c) instead of running its
 * own statements:
 *
 *		SELECT * FROM task_outputs_internal.<name>($1, ..., $n)
 *
 * with the caller first and the call's own arguments after, one fixed
 * statement per API function, prepared on first use and kept.  It runs as
 * the extension's owner (a superuser: Citus connects to the other node as
 * the current user, which for a gateway is a web role that cannot log in,
 * and the twin refuses anyone but a superuser), in a security-restricted
 * operation, and the caller's identity is restored however it ends.
 * Citus delegates the call to the node holding the organization's shards
 * (the twins are distributed functions, co-located with the tables and
 * routed by their first argument, with force_delegation: called from here,
 * inside a running statement, Citus treats the call as part of a
 * multi-statement transaction, runs it in the caller's distributed
 * transaction, and needs its routing argument to be a constant).  So the
 * statement is always planned with its values (CURSOR_OPT_CUSTOM_PLAN),
 * whatever plan_cache_mode says: a generic plan with parameters is not
 * delegated.  When the organization's shards are on this node, Citus runs
 * the twin here, in this backend.  The result comes back as the API
 * function returns it: a value, a task_output, or rows into the caller's
 * tuplestore, received as the executor produces them rather than kept in
 * SPI's memory.  An error raised on the other node comes back with its
 * SQLSTATE, message, detail and hint (Citus adds the node's address as
 * context); the context line of the statement above is removed, as for
 * the extension's other statements.
 *
 * export_task_outputs cannot stream through Citus, whose executor gathers
 * a delegated call's rows before returning the first.  So on a distributed
 * install it walks the export in chunks: keyset pages of the twin (the
 * export's filters with "limit" and starting_after), the first of
 * FIRST_CHUNK rows and each next one twice as big, up to MAX_LIMIT.  In
 * value-per-call mode (a select list, COPY (SELECT ...)) a chunk is run
 * when the previous one has been returned, so the first row comes after
 * one small chunk and memory holds one chunk (a tuplestore, spilling to
 * disk past work_mem); no SPI state is kept between calls, only the rows.
 * Each chunk is a statement of its own: in READ COMMITTED each sees its
 * own snapshot (REPEATABLE READ keeps one for the whole export, on the
 * tenant's node as here).  The cursor of the next chunk is the id of the
 * last row of a full one, read from that row's JSON; a row purged between
 * two chunks (only an administrator's export of deleted outputs can meet
 * one) ends the export with PT404 rather than skipping or repeating rows.
 *
 * src/delegation.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "delegation.h"
#include "distribution.h"
#include "errors.h"
#include "filters.h"
#include "internal.h"
#include "query.h"
#include "task_output.h"
#include "tenant.h"

/* whether Citus treats a call from within a function as in a transaction */
#define CITUS_FUNCTION_TRANSACTION_SETTING "citus.function_opens_transaction_block"

/* work_mem for a delegated call whose result is one row: as much as allowed */
#define ONE_ROW_WORK_MEM "2097151"

/* rows of the first chunk of an export; each next one is twice as big */
#define FIRST_CHUNK 100

/* What an API function returns, hence how its twin's result is taken */
typedef enum DelegatedResult
{
	RESULT_VALUE,				/* a scalar */
	RESULT_JSON,				/* json, which the twin returns as text */
	RESULT_ROW,					/* one task_output */
	RESULT_ROWS,				/* SETOF task_output */
	RESULT_CHUNK				/* SETOF json: export, chunk by chunk */
} DelegatedResult;

/* The statement that calls the twin of one API function */
typedef struct DelegatedCall
{
	Oid			fn_oid;			/* the API function: hash key */
	DelegatedResult result;
	bool		read_only;
	int			nargs;
	Oid			argtypes[FUNC_MAX_ARGS];
	char	   *sql;
	SPIPlanPtr	plan;
} DelegatedCall;

static HTAB *delegated_calls = NULL;
static bool delegated_calls_stale = false;

/* Keeps the first row of a twin's result, for RESULT_VALUE, _JSON, _ROW */
typedef struct ResultReceiver
{
	DestReceiver pub;
	MemoryContext context;		/* where the result is made */
	TupleDesc	row_desc;		/* RESULT_ROW: the task_output returned */
	uint64		rows;
	Datum		value;
	bool		isnull;
} ResultReceiver;

/* Puts a chunk's rows into a tuplestore and finds the next chunk's cursor */
typedef struct ChunkReceiver
{
	DestReceiver pub;
	Tuplestorestate *store;
	int32		limit;
	uint64		rows;
	pg_uuid_t	cursor;			/* the id of row number limit */
} ChunkReceiver;

/* An export walked chunk by chunk, across the calls of value-per-call mode */
typedef struct ChunkedExport
{
	Principal	principal;
	Tuplestorestate *store;		/* NULL once ended */
	TupleTableSlot *slot;
	int32		chunk_size;		/* rows asked of the next chunk */
	bool		more;			/* the last chunk was full */
	bool		have_cursor;
	pg_uuid_t	cursor;
} ChunkedExport;

/*
 * ShouldDelegate
 *		Whether an API call is to run on the node of its organization: the
 *		install is distributed, and the call is not already running there
 *		for a delegated caller.
 */
bool
ShouldDelegate(void)
{
	return DelegatedPrincipal() == NULL && DistributedInstall();
}

static void
ForgetDelegatedCalls(Datum arg, int cacheid, uint32 hashvalue)
{
	delegated_calls_stale = true;
}

/*
 * InternalSchema
 *		The schema of the twins, checked to be the extension's own.
 */
static Oid
InternalSchema(void)
{
	Oid			schema = get_namespace_oid(INTERNAL_SCHEMA, true);

	if (!OidIsValid(schema) ||
		getExtensionOfObject(NamespaceRelationId, schema) != get_extension_oid(EXTENSION_NAME, false))
		ReportLibraryMismatch("schema " INTERNAL_SCHEMA);
	return schema;
}

static Oid
TypeNamespace(Oid type)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
	Oid			namespace;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", type);
	namespace = ((Form_pg_type) GETSTRUCT(tuple))->typnamespace;
	ReleaseSysCache(tuple);
	return namespace;
}

/*
 * ArgumentType
 *		The type a twin's argument of type type is passed as: for the types
 *		whose names resolve through search_path, a domain over it in the
 *		twins' schema.
 *
 * Citus sends the call to the other node as text, each argument a constant
 * with its type's name: built-in types unqualified ('...'::uuid), other
 * types with their schema.  There the text is parsed by the connection
 * Citus opened as the extension's owner, a superuser, with the settings
 * the caller propagated with SET LOCAL (citus.propagate_set_commands) --
 * its search_path too.  A type name that resolved through it could find a
 * caller's domain, whose CHECK would run as that superuser.  So every
 * argument is passed as a type whose name cannot: a domain of the twins'
 * schema (which grants nothing to anyone; the twins take the base types,
 * to which a domain converts without a cast), or a type written as an SQL
 * keyword (boolean, integer) or of the extension's own schema (Citus
 * deparses a statement under an empty search_path: such a type is written
 * with its schema).
 */
static Oid
ArgumentType(Oid type)
{
	const char *domain;
	Oid			domain_type;

	switch (type)
	{
		case UUIDOID:
			domain = "uuid_argument";
			break;
		case TEXTOID:
			domain = "text_argument";
			break;
		case TEXTARRAYOID:
			domain = "text_array_argument";
			break;
		case JSONBOID:
			domain = "jsonb_argument";
			break;
		case TIMESTAMPTZOID:
			domain = "timestamptz_argument";
			break;
		case INTERVALOID:
			domain = "interval_argument";
			break;
		case BOOLOID:
		case INT4OID:
			return type;
		default:
			if (TypeNamespace(type) != PG_CATALOG_NAMESPACE)
				return type;	/* Citus writes its schema */
			elog(ERROR, "no argument type of the twins for type %s", format_type_be(type));
	}
	domain_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								  CStringGetDatum(domain),
								  ObjectIdGetDatum(InternalSchema()));
	if (!OidIsValid(domain_type))
		ReportLibraryMismatch(psprintf("type %s.%s", INTERNAL_SCHEMA, domain));
	return domain_type;
}

/*
 * BuildDelegatedCall
 *		The statement calling the twin of API function fn_oid: from the
 *		function's pg_proc entry, its name, arguments and result.
 */
static void
BuildDelegatedCall(DelegatedCall *call, Oid fn_oid)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	Form_pg_proc proc;
	StringInfoData sql;
	int			i;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	proc = (Form_pg_proc) GETSTRUCT(tuple);

	if (proc->proretset)
		call->result = proc->prorettype == JSONOID ? RESULT_CHUNK : RESULT_ROWS;
	else if (type_is_rowtype(proc->prorettype))
		call->result = RESULT_ROW;
	else
		call->result = proc->prorettype == JSONOID ? RESULT_JSON : RESULT_VALUE;
	call->read_only = (proc->provolatile != PROVOLATILE_VOLATILE);

	call->nargs = 0;
	call->argtypes[call->nargs++] = UUIDOID;
	call->argtypes[call->nargs++] = BOOLOID;
	call->argtypes[call->nargs++] = TEXTOID;
	call->argtypes[call->nargs++] = TEXTARRAYOID;
	for (i = 0; i < proc->pronargs; i++)
		call->argtypes[call->nargs++] = proc->proargtypes.values[i];
	if (call->result == RESULT_CHUNK)
	{
		call->argtypes[call->nargs++] = INT4OID;	/* "limit" */
		call->argtypes[call->nargs++] = UUIDOID;	/* starting_after */
	}
	Assert(call->nargs <= FUNC_MAX_ARGS);
	for (i = 0; i < call->nargs; i++)
		call->argtypes[i] = ArgumentType(call->argtypes[i]);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM %s.%s(", INTERNAL_SCHEMA,
					 quote_identifier(NameStr(proc->proname)));
	for (i = 1; i <= call->nargs; i++)
		appendStringInfo(&sql, i > 1 ? ", $%d" : "$%d", i);
	appendStringInfoChar(&sql, ')');
	call->sql = MemoryContextStrdup(TopMemoryContext, sql.data);
	pfree(sql.data);
	call->plan = NULL;
	ReleaseSysCache(tuple);
}

/*
 * LookupDelegatedCall
 *		The statement calling the twin of API function fn_oid, built on
 *		first use; all are built anew when any function changes.
 */
static DelegatedCall *
LookupDelegatedCall(Oid fn_oid)
{
	DelegatedCall *call;
	bool		found;

	if (delegated_calls != NULL && delegated_calls_stale)
	{
		HASH_SEQ_STATUS status;

		hash_seq_init(&status, delegated_calls);
		while ((call = hash_seq_search(&status)) != NULL)
		{
			if (call->plan != NULL)
				SPI_freeplan(call->plan);
			pfree(call->sql);
		}
		hash_destroy(delegated_calls);
		delegated_calls = NULL;
	}
	if (delegated_calls == NULL)
	{
		HASHCTL		ctl;
		static bool callback_registered = false;

		if (!callback_registered)
		{
			CacheRegisterSyscacheCallback(PROCOID, ForgetDelegatedCalls, (Datum) 0);
			callback_registered = true;
		}
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(DelegatedCall);
		delegated_calls = hash_create("task_outputs delegated calls", 32, &ctl,
									  HASH_ELEM | HASH_BLOBS);
		delegated_calls_stale = false;
	}
	call = hash_search(delegated_calls, &fn_oid, HASH_ENTER, &found);
	if (!found)
	{
		PG_TRY();
		{
			BuildDelegatedCall(call, fn_oid);
		}
		PG_CATCH();
		{
			hash_search(delegated_calls, &fn_oid, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return call;
}

/*
 * PrepareDelegatedCall
 *		Prepare and keep call's statement, as the role that runs it (the
 *		twins' schema is not visible to any other).  Planned with its
 *		values each time: Citus delegates only a call whose routing
 *		argument is a constant.
 */
static void
PrepareDelegatedCall(DelegatedCall *call)
{
	SPIPlanPtr	plan;

	(void) InternalSchema();
	plan = SPI_prepare_cursor(call->sql, call->nargs, call->argtypes,
							  CURSOR_OPT_CUSTOM_PLAN);
	if (plan == NULL)
		ReportUnexpectedSPIResult("SPI_prepare", SPI_result);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	call->plan = plan;
}

/*
 * RunDelegated
 *		Run call's statement for principal with the arguments of fcinfo (and
 *		nextra more), its rows going to dest, as the extension's owner.
 */
static void
RunDelegated(DelegatedCall *call, FunctionCallInfo fcinfo, const Principal *principal,
			 int nextra, const Datum *extra, const bool *extra_isnull,
			 DestReceiver *dest)
{
	MemoryContext context = CurrentMemoryContext;
	ParamListInfo params = MakeParams(call->nargs);
	SPIExecuteOptions options;
	Oid			role = DelegationRole();
	Oid			save_userid;
	int			save_sec_context;
	int			nestlevel;
	int			position = 0;
	int			i;

	if (CALLER_ARGUMENTS + PG_NARGS() + nextra != call->nargs)
		ReportLibraryMismatch(psprintf("function %s", get_func_name(call->fn_oid)));
	SetParam(params, position + 1, call->argtypes[position], UUIDPGetDatum(&principal->org_id), false);
	position++;
	SetParam(params, position + 1, call->argtypes[position], BoolGetDatum(principal->is_admin), false);
	position++;
	SetParam(params, position + 1, call->argtypes[position], CStringGetTextDatum(principal->actor), false);
	position++;
	SetParam(params, position + 1, call->argtypes[position], CallerSettings(), false);
	position++;
	for (i = 0; i < PG_NARGS(); i++, position++)
		SetParam(params, position + 1, call->argtypes[position], fcinfo->args[i].value,
				 fcinfo->args[i].isnull);
	for (i = 0; i < nextra; i++, position++)
		SetParam(params, position + 1, call->argtypes[position], extra[i], extra_isnull[i]);

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = call->read_only;
	options.dest = dest;

	/*
	 * A read outside a transaction block needs no distributed transaction:
	 * Citus then sends the call alone, without BEGIN, its transaction id and
	 * COMMIT around it (three round trips to one).  Called from here, inside
	 * a running statement, Citus would open one, as for a call in a function;
	 * a write keeps it, so that it commits with the statement.
	 */
	nestlevel = NewGUCNestLevel();
	if (call->read_only && !IsTransactionBlock())
		(void) set_config_option(CITUS_FUNCTION_TRANSACTION_SETTING, "off",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);

	/*
	 * Citus writes the arguments as text in the caller's styles, and the
	 * other node reads them in its own: ISO dates (year first, read so under
	 * any DateStyle) and ISO 8601 intervals (read so under any IntervalStyle)
	 * mean the same there.
	 */
	(void) set_config_option("DateStyle", "ISO, MDY",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("IntervalStyle", "iso_8601",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);

	/*
	 * A result of one row (a list's whole JSON) is held in memory here
	 * anyway: Citus's tuplestore may keep it in memory too rather than write
	 * it to a temporary file and read it back.
	 */
	if (call->result != RESULT_ROWS && call->result != RESULT_CHUNK)
		(void) set_config_option("work_mem", ONE_ROW_WORK_MEM,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(role, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		int			rc;

		if ((rc = SPI_connect()) != SPI_OK_CONNECT)
			ReportUnexpectedSPIResult("SPI_connect", rc);
		if (call->plan == NULL)
			PrepareDelegatedCall(call);
		/* SPI says SPI_OK_UTILITY for a SELECT whose rows go to DestNone */
		rc = SPI_execute_plan_extended(call->plan, &options);
		if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
			ReportUnexpectedSPIResult("delegated call", rc);
		if ((rc = SPI_finish()) != SPI_OK_FINISH)
			ReportUnexpectedSPIResult("SPI_finish", rc);
	}
	PG_CATCH();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		RethrowWithoutStatementContext(call->sql, context);
	}
	PG_END_TRY();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	AtEOXact_GUC(true, nestlevel);
}

static void
ReceiverStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
ReceiverShutdown(DestReceiver *self)
{
}

static void
ReceiverDestroy(DestReceiver *self)
{
}

static bool
ResultReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	ResultReceiver *receiver = (ResultReceiver *) self;
	MemoryContext oldcontext;

	if (receiver->rows++ > 0)
		return true;
	oldcontext = MemoryContextSwitchTo(receiver->context);
	if (receiver->row_desc != NULL)
	{
		CheckTaskOutputDescriptor(slot->tts_tupleDescriptor);
		slot_getallattrs(slot);
		receiver->value = HeapTupleGetDatum(heap_form_tuple(receiver->row_desc,
															slot->tts_values,
															slot->tts_isnull));
		receiver->isnull = false;
	}
	else
	{
		Form_pg_attribute attr = TupleDescAttr(slot->tts_tupleDescriptor, 0);

		receiver->value = slot_getattr(slot, 1, &receiver->isnull);
		if (!receiver->isnull)
			receiver->value = datumCopy(receiver->value, attr->attbyval, attr->attlen);
	}
	MemoryContextSwitchTo(oldcontext);
	return true;
}

/*
 * DelegateCall
 *		Run the API call of fcinfo, for principal (its caller, checked), on
 *		the node of the principal's organization, and return its result.
 */
Datum
DelegateCall(FunctionCallInfo fcinfo, const Principal *principal)
{
	DelegatedCall *call = LookupDelegatedCall(fcinfo->flinfo->fn_oid);
	ResultReceiver receiver;

	if (call->result == RESULT_CHUNK)
		elog(ERROR, "an export is delegated chunk by chunk");
	if (call->result == RESULT_ROWS)
	{
		ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
		DestReceiver *dest = CreateDestReceiver(DestTuplestore);

		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
		CheckTaskOutputDescriptor(rsinfo->setDesc);
		SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
										rsinfo->econtext->ecxt_per_query_memory,
										false, rsinfo->setDesc,
										"task_output rows of another layout");
		RunDelegated(call, fcinfo, principal, 0, NULL, NULL, dest);
		dest->rDestroy(dest);
		return (Datum) 0;
	}

	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = ResultReceiveSlot;
	receiver.pub.rStartup = ReceiverStartup;
	receiver.pub.rShutdown = ReceiverShutdown;
	receiver.pub.rDestroy = ReceiverDestroy;
	receiver.pub.mydest = DestNone;
	receiver.context = CurrentMemoryContext;
	if (call->result == RESULT_ROW)
	{
		if (get_call_result_type(fcinfo, NULL, &receiver.row_desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		CheckTaskOutputDescriptor(receiver.row_desc);
	}
	RunDelegated(call, fcinfo, principal, 0, NULL, NULL, (DestReceiver *) &receiver);
	if (receiver.rows != 1)
		elog(ERROR, "delegated call of %s returned " UINT64_FORMAT " rows",
			 get_func_name(call->fn_oid), receiver.rows);
	fcinfo->isnull = receiver.isnull;
	return receiver.value;
}

static bool
ChunkReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	ChunkReceiver *receiver = (ChunkReceiver *) self;

	tuplestore_puttupleslot(receiver->store, slot);
	if (++receiver->rows == receiver->limit)
	{
		bool		isnull;
		Datum		value = slot_getattr(slot, 1, &isnull);
		Datum		id;

		if (isnull)
			elog(ERROR, "a chunk of an export has a null row");
		id = DirectFunctionCall2(json_object_field_text, value,
								 CStringGetTextDatum("id"));
		if (!ParseUuid(TextDatumGetCString(id), &receiver->cursor))
			elog(ERROR, "a row of an export has no id");
	}
	return true;
}

/*
 * NextChunk
 *		Run the next chunk of export into store; false when it had no rows.
 */
static bool
NextChunk(FunctionCallInfo fcinfo, ChunkedExport *export, Tuplestorestate *store)
{
	DelegatedCall *call = LookupDelegatedCall(fcinfo->flinfo->fn_oid);
	ChunkReceiver receiver;
	Datum		extra[2];
	bool		extra_isnull[2];

	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = ChunkReceiveSlot;
	receiver.pub.rStartup = ReceiverStartup;
	receiver.pub.rShutdown = ReceiverShutdown;
	receiver.pub.rDestroy = ReceiverDestroy;
	receiver.pub.mydest = DestNone;
	receiver.store = store;
	receiver.limit = export->chunk_size;

	extra[0] = Int32GetDatum(export->chunk_size);
	extra_isnull[0] = false;
	extra[1] = UUIDPGetDatum(&export->cursor);
	extra_isnull[1] = !export->have_cursor;
	if (call->result != RESULT_CHUNK)
		elog(ERROR, "only an export is delegated chunk by chunk");
	RunDelegated(call, fcinfo, &export->principal, 2, extra, extra_isnull,
				 (DestReceiver *) &receiver);

	export->more = (receiver.rows == (uint64) export->chunk_size);
	if (export->more)
	{
		export->cursor = receiver.cursor;
		export->have_cursor = true;
	}
	export->chunk_size = Min(export->chunk_size * 2, MAX_LIMIT);
	return receiver.rows > 0;
}

/*
 * StartChunkedExport
 *		The caller and its filters, checked as on one node, and the state of
 *		the walk, in the current memory context.
 */
static ChunkedExport *
StartChunkedExport(FunctionCallInfo fcinfo)
{
	ChunkedExport *export = palloc0(sizeof(ChunkedExport));
	ReadRequest request;

	ReadRequestFromArguments(fcinfo, &request);
	export->principal = request.principal;
	export->chunk_size = FIRST_CHUNK;
	export->more = true;
	return export;
}

/*
 * EndChunkedExport
 *		Free an export's rows, when they are all returned or the statement
 *		stops asking for them.
 */
static void
EndChunkedExport(Datum arg)
{
	ChunkedExport *export = (ChunkedExport *) DatumGetPointer(arg);

	if (export->store == NULL)
		return;
	tuplestore_end(export->store);
	export->store = NULL;
}

/*
 * ExportInChunks
 *		export_task_outputs on a distributed install: see the file header.
 */
Datum
ExportInChunks(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext call_context = CurrentMemoryContext;
	FuncCallContext *funcctx;
	ChunkedExport *export;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_ValuePerCall))
	{
		export = StartChunkedExport(fcinfo);
		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
		while (export->more && NextChunk(fcinfo, export, rsinfo->setResult))
			CHECK_FOR_INTERRUPTS();
		return (Datum) 0;
	}

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext oldcontext;
		TupleDesc	desc;

		funcctx = SRF_FIRSTCALL_INIT();
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		export = StartChunkedExport(fcinfo);
		desc = CreateTemplateTupleDesc(1);
		TupleDescInitEntry(desc, 1, "export_task_outputs", JSONOID, -1, 0);
		export->slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		export->store = tuplestore_begin_heap(false, false, work_mem);
		RegisterExprContextCallback(rsinfo->econtext, EndChunkedExport,
									PointerGetDatum(export));
		funcctx->user_fctx = export;
		MemoryContextSwitchTo(oldcontext);
	}
	funcctx = SRF_PERCALL_SETUP();
	export = (ChunkedExport *) funcctx->user_fctx;

	while (export->store != NULL)
	{
		MemoryContext oldcontext;
		bool		found;

		/*
		 * a row read back from a spilled store is made in, and owned by, the
		 * slot's memory
		 */
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		found = tuplestore_gettupleslot(export->store, true, false, export->slot);
		MemoryContextSwitchTo(oldcontext);
		if (found)
		{
			bool		isnull;
			Datum		value = slot_getattr(export->slot, 1, &isnull);

			oldcontext = MemoryContextSwitchTo(call_context);
			value = datumCopy(value, false, -1);
			MemoryContextSwitchTo(oldcontext);
			SRF_RETURN_NEXT(funcctx, value);
		}
		if (!export->more)
			break;
		tuplestore_clear(export->store);
		(void) NextChunk(fcinfo, export, export->store);
	}

	/* the state goes with the multi-call memory: so must the callback */
	EndChunkedExport(PointerGetDatum(export));
	UnregisterExprContextCallback(rsinfo->econtext, EndChunkedExport,
								  PointerGetDatum(export));
	SRF_RETURN_DONE(funcctx);
}

/*-------------------------------------------------------------------------
 *
 * query.h
 *		The extension's own SQL statements: prepared once, run as the
 *		service role in the scope of the API's caller.
 *
 * src/query.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_QUERY_H
#define TASK_OUTPUTS_QUERY_H

#include "executor/spi.h"
#include "nodes/params.h"
#include "tcop/dest.h"

#include "authorization.h"
#include "compat.h"

#define QUERY_MAX_ARGS 16

/*
 * A statement of the extension: its text, its parameter types (built-in
 * types only, so that a kept plan survives the extension being dropped and
 * created again), and its plan, prepared on first use and kept for the
 * life of the backend.
 *
 * reader: a SELECT whose rows are rendered as they come (query.c plans it
 * for a fast start, never in parallel, and runs it without JIT).
 * index_scan: plan it with sequential scans disabled, for a statement run
 * once per written row whose plan, kept from a time when the table was
 * small, must not become a scan per row as the table grows.
 * as_caller: run it as the current user, not the service role, and with no
 * scope: for the few statements whose caller has already become the role
 * they must run as (a SECURITY DEFINER trigger, a lookup as a table's
 * owner).
 */
typedef struct PreparedQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[QUERY_MAX_ARGS];
	bool		reader;
	bool		index_scan;
	bool		as_caller;
	SPIPlanPtr	plan;
	bool		plan_distributed;	/* the plan was made for a distributed
									 * install */
	bool		on_local_shards;	/* a copy naming shards (local_shards.c) */
} PreparedQuery;

/* A reader statement streaming its rows, one per call */
typedef struct ReaderStream ReaderStream;

extern void InitScope(StatementScope *scope, const Principal *principal,
					  bool sees_deleted);
extern const StatementScope *ActiveScope(void);
extern ParamListInfo MakeParams(int nparams);
extern void SetParam(ParamListInfo params, int position, Oid type, Datum value,
					 bool isnull);

extern int	RunQuery(PreparedQuery *query, StatementScope *scope,
					 Datum *values, const char *nulls, bool read_only, long count);
extern int	RunQueryOnLatestSnapshot(PreparedQuery *query, StatementScope *scope,
									 Datum *values, const char *nulls);
extern uint64 RunReader(PreparedQuery *query, StatementScope *scope,
						ParamListInfo params, DestReceiver *dest);
extern bool RunReaderForValue(PreparedQuery *query, StatementScope *scope,
							  ParamListInfo params, Datum *value);

pg_noreturn extern void RethrowWithoutStatementContext(const char *sql,
													   MemoryContext context);

extern ReaderStream *OpenReaderStream(PreparedQuery *query, StatementScope *scope,
									  ParamListInfo params, DestReceiver *dest);
extern bool ReaderStreamNext(ReaderStream *stream);
extern void CloseReaderStream(ReaderStream *stream);

#endif							/* TASK_OUTPUTS_QUERY_H */

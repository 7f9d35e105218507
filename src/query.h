/*-------------------------------------------------------------------------
 *
 * query.h
 *		The extension's SQL statements: prepared once, run through SPI.
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

#define QUERY_MAX_ARGS 16

/*
 * A statement of the extension: its text, its parameter types (built-in
 * types only, so that a kept plan survives the extension being dropped and
 * created again), and its plan, prepared on first use and kept for the life
 * of the backend.  index_scan: plan it with sequential scans disabled, for
 * a statement run once per written row whose plan, kept from a time when
 * the table was small, must not become a scan per row as the table grows.
 */
typedef struct PreparedQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[QUERY_MAX_ARGS];
	SPIPlanPtr	plan;
	bool		index_scan;
} PreparedQuery;

extern SPIPlanPtr PreparedQueryPlan(PreparedQuery *query);
extern int	ExecutePreparedQuery(PreparedQuery *query, Datum *values, const char *nulls,
						 bool read_only, long count);
extern int	ExecutePreparedQueryLatest(PreparedQuery *query, Datum *values,
									   const char *nulls, bool read_only, long count);
extern int	ExecutePreparedQueryWithParams(PreparedQuery *query, ParamListInfo params,
										   bool read_only, DestReceiver *dest);
extern void ForgetPreparedQuery(PreparedQuery *query);

#endif							/* TASK_OUTPUTS_QUERY_H */

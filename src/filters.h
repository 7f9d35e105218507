/*-------------------------------------------------------------------------
 *
 * filters.h
 *		What a read asks for: the read API's filters and options, read from
 *		a function's arguments by name, and the statement that answers it.
 *
 * src/filters.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_FILTERS_H
#define TASK_OUTPUTS_FILTERS_H

#include "fmgr.h"
#include "nodes/params.h"

#include "authorization.h"
#include "query.h"

/* The conditions, one per row of the table in filters.c, in its order */
typedef enum FilterId
{
	FILTER_FLOW_EXECUTION_ID,
	FILTER_TASK_NAME,
	FILTER_STATUS,
	FILTER_TAGS,
	FILTER_SUMMARY_CONTAINS,
	FILTER_CREATED_AFTER,
	FILTER_CREATED_BEFORE,
	NUM_FILTERS
} FilterId;

#define MAX_LIMIT 10000

typedef struct ReadRequest
{
	Principal	principal;
	Datum		filter_value[NUM_FILTERS];
	bool		filter_given[NUM_FILTERS];
	bool		include_output;
	bool		include_deleted;	/* an administrator's request */
	int64		limit;			/* 0: no limit */
	pg_uuid_t  *starting_after; /* NULL: from the newest */
	pg_uuid_t  *id;				/* the "id" argument, NULL when none */
} ReadRequest;

/* What a read statement makes of the matching rows */
typedef enum ReadKind
{
	READ_ROWS,					/* the task_output columns, in list order */
	READ_COUNT,					/* count(*) */
	NUM_READ_KINDS
} ReadKind;

extern void ReadRequestFromArguments(FunctionCallInfo fcinfo, ReadRequest *request);
extern void SetFilter(ReadRequest *request, FilterId filter, Datum value);
extern PreparedQuery *BindReadQuery(ReadKind kind, ReadRequest *request,
									int64 limit_rows, ParamListInfo *params,
									StatementScope *scope);

#endif							/* TASK_OUTPUTS_FILTERS_H */

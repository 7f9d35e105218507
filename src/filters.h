/*-------------------------------------------------------------------------
 *
 * filters.h
 *		The filters of the read API, and the queries they make.
 *
 * src/filters.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_FILTERS_H
#define TASK_OUTPUTS_FILTERS_H

#include "fmgr.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/portal.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#define MAX_LIMIT 10000

/* What a read asks for: the tenant, the SPEC's filters, a page window */
typedef struct TaskOutputFilters
{
	pg_uuid_t	org_id;
	pg_uuid_t  *flow_execution_id;	/* NULL: any */
	text	   *task_name;		/* NULL: any */
	ArrayType  *statuses;		/* NULL: any not deleted; else any listed */
	ArrayType  *tags;			/* NULL: any; else all listed */
	Jsonb	   *summary_contains;	/* NULL: any; else summary @> this */
	bool		has_created_after;
	TimestampTz created_after;	/* exclusive */
	bool		has_created_before;
	TimestampTz created_before; /* exclusive */
	bool		include_output;
	bool		include_deleted;
	int64		limit;			/* 0: all */
	pg_uuid_t  *starting_after; /* NULL: from the newest */
	pg_uuid_t  *id;				/* NULL: any; else just this output */
} TaskOutputFilters;

/* Argument positions of the filters in a read function's signature */
typedef struct FilterArguments
{
	int			flow_execution_id;	/* -1 where the function has none */
	int			first_common;	/* task_name; the other 7 follow it */
	int			limit;			/* -1 where the function has none */
	int			starting_after; /* -1 where the function has none */
} FilterArguments;

/* What a query makes of the matching rows */
typedef enum FilterQueryKind
{
	FILTER_QUERY_ROWS,			/* the task_output columns, in list order */
	FILTER_QUERY_COUNT,			/* count(*) */
	FILTER_QUERY_KINDS
} FilterQueryKind;

extern void ReadFilterArguments(FunctionCallInfo fcinfo,
								const FilterArguments *positions,
								TaskOutputFilters *filters);
extern void InitFilters(TaskOutputFilters *filters);
extern int	ExecuteFilterQuery(FilterQueryKind kind, TaskOutputFilters *filters,
							   int64 limit_rows, DestReceiver *dest);
extern Portal OpenFilterCursor(TaskOutputFilters *filters);
extern void RequireAdminForDeleted(const TaskOutputFilters *filters);

#endif							/* TASK_OUTPUTS_FILTERS_H */

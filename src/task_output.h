/*-------------------------------------------------------------------------
 *
 * task_output.h
 *		The API's record, task_output, and the tables' columns.
 *
 * The task_output type has TASK_OUTPUT_NATTS columns in the order of the
 * TaskOutputColumn enum.  The outputs table starts with the same columns
 * in the same order and adds internal ones; every query that feeds the
 * renderer or builds a task_output selects exactly TASK_OUTPUT_COLUMNS,
 * and the code checks the descriptor it is handed against this layout, so
 * that a library and SQL objects that disagree fail loudly.
 *
 * src/task_output.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_TASK_OUTPUT_H
#define TASK_OUTPUTS_TASK_OUTPUT_H

#include "access/tupdesc.h"

/* Columns of the task_output type and of the outputs table, in order */
typedef enum TaskOutputColumn
{
	TO_ID,
	TO_FLOW_EXECUTION_ID,
	TO_ORGANIZATION_ID,
	TO_TASK_NAME,
	TO_STATUS,
	TO_SUMMARY,
	TO_OUTPUT,
	TO_TAGS,
	TO_LAST_MODIFIED_BY,
	TO_CREATED_AT,
	TO_UPDATED_AT,
	TASK_OUTPUT_NATTS,
	/* internal columns of the outputs table, which the API never shows */
	OUT_STATUS_BEFORE_DELETE = TASK_OUTPUT_NATTS,
	OUTPUTS_NATTS
} TaskOutputColumn;

/* Columns of the flow_executions table, in order */
typedef enum FlowExecutionColumn
{
	FE_ID,
	FE_ORGANIZATION_ID,
	FE_NAME,
	FE_CREATED_AT,
	FLOW_EXECUTION_NATTS
} FlowExecutionColumn;

/* The select list that yields a task_output, for SQL text built in C */
#define TASK_OUTPUT_COLUMNS \
	"id, flow_execution_id, organization_id, task_name, status, summary, " \
	"output, tags, last_modified_by, created_at, updated_at"

extern void CheckTaskOutputDescriptor(TupleDesc tupdesc);
extern HeapTuple CopyTaskOutput(TupleDesc result_desc, HeapTuple tuple,
								TupleDesc tupdesc);

#endif							/* TASK_OUTPUTS_TASK_OUTPUT_H */

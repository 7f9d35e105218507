/*-------------------------------------------------------------------------
 *
 * flow_executions.h
 *		The write path's questions about a flow execution: visible? locked?
 *
 * src/flow_executions.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_FLOW_EXECUTIONS_H
#define TASK_OUTPUTS_FLOW_EXECUTIONS_H

extern bool FlowExecutionVisible(Datum org_id, Datum id);
extern bool FlowExecutionVisibleOnce(Datum org_id, Datum id);
extern bool LockFlowExecutionOnce(Datum org_id, Datum id);

#endif							/* TASK_OUTPUTS_FLOW_EXECUTIONS_H */

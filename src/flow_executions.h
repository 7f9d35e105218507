/*-------------------------------------------------------------------------
 *
 * flow_executions.h
 *		Flow executions: their trigger, and what the write path asks of
 *		them (visible? locked?).
 *
 * src/flow_executions.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_FLOW_EXECUTIONS_H
#define TASK_OUTPUTS_FLOW_EXECUTIONS_H

#include "authorization.h"

extern bool FlowExecutionVisible(const Principal *writer, Datum org_id, Datum id);
extern bool FlowExecutionVisibleOnce(const Principal *writer, Datum org_id, Datum id);
extern bool LockFlowExecutionOnce(const Principal *writer, Datum org_id, Datum id);

#endif							/* TASK_OUTPUTS_FLOW_EXECUTIONS_H */

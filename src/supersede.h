/*-------------------------------------------------------------------------
 *
 * supersede.h
 *		Supersession of a task's earlier completed outputs.
 *
 * src/supersede.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_SUPERSEDE_H
#define TASK_OUTPUTS_SUPERSEDE_H

#include "utils/relcache.h"

extern void SupersedeCompleted(Relation outputs, Datum org_id,
							   Datum flow_execution_id, Datum task_name);

#endif							/* TASK_OUTPUTS_SUPERSEDE_H */

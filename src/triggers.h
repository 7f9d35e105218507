/*-------------------------------------------------------------------------
 *
 * triggers.h
 *		The row triggers of the task outputs tables, and what they share.
 *
 * src/triggers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_TRIGGERS_H
#define TASK_OUTPUTS_TRIGGERS_H

#include "commands/trigger.h"

/*
 * task_outputs.outputs: the task_output columns, in order, then the
 * internal ones, which the API never shows.
 */
#define OUT_STATUS_BEFORE_DELETE	TASK_OUTPUT_NATTS
#define OUTPUTS_NATTS				(TASK_OUTPUT_NATTS + 1)

/* events a trigger function accepts: bits (1 << TRIGGER_EVENT_xxx) */
#define EVENT_BIT(event)	(1 << (event))

extern TriggerData *CheckTriggerProtocol(FunctionCallInfo fcinfo, const char *name,
										 bool before, int events,
										 const char *expected, int natts);

/* purge.c: whether purge_task_outputs is deleting rows in this backend */
extern bool PurgeInProgress(void);

#endif							/* TASK_OUTPUTS_TRIGGERS_H */

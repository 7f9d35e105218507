/*-------------------------------------------------------------------------
 *
 * status.h
 *		The task output status machine.
 *
 * src/status.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_STATUS_H
#define TASK_OUTPUTS_STATUS_H

#include "compat.h"

/* The labels of task_output_status, in the enum's order */
typedef enum TaskOutputStatus
{
	STATUS_QUEUED,
	STATUS_RUNNING,
	STATUS_COMPLETED,
	STATUS_FAILED,
	STATUS_DELETED,
	STATUS_STALE,
	STATUS_COUNT
} TaskOutputStatus;

extern TaskOutputStatus StatusFromDatum(Oid enumtypid, Datum value);
extern Datum StatusGetDatum(Oid enumtypid, TaskOutputStatus status);
extern const char *StatusName(TaskOutputStatus status);
extern bool StatusTransitionAllowed(TaskOutputStatus from, TaskOutputStatus to);
pg_noreturn extern void ReportTransitionRejected(TaskOutputStatus from,
												 TaskOutputStatus to,
												 const char *hint);
extern bool CurrentUserIsAdmin(void);

#endif							/* TASK_OUTPUTS_STATUS_H */

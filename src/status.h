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
typedef enum OutputStatus
{
	OUTPUT_QUEUED,
	OUTPUT_RUNNING,
	OUTPUT_COMPLETED,
	OUTPUT_FAILED,
	OUTPUT_DELETED,
	OUTPUT_STALE,
	OUTPUT_NSTATUSES
} OutputStatus;

/* SQL text of a status literal, for statements built in C */
#define STATUS_TYPE "task_outputs.task_output_status"

extern OutputStatus StatusFromDatum(Oid enumtypid, Datum value);
extern const char *StatusName(OutputStatus status);
extern bool StatusTransitionAllowed(OutputStatus from, OutputStatus to);
extern char *StatusLiteral(OutputStatus status);
extern char *StatusesLeadingTo(OutputStatus to);
pg_noreturn extern void ReportTransitionRejected(OutputStatus from, OutputStatus to,
												 const char *hint);

#endif							/* TASK_OUTPUTS_STATUS_H */

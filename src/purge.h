/*-------------------------------------------------------------------------
 *
 * purge.h
 *		Retention: purge_task_outputs, the only way task outputs leave the
 *		tables.
 *
 * src/purge.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_PURGE_H
#define TASK_OUTPUTS_PURGE_H

extern bool PurgeInProgress(void);

#endif							/* TASK_OUTPUTS_PURGE_H */

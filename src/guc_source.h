/*-------------------------------------------------------------------------
 *
 * guc_source.h
 *		Whether the session itself set a setting's current value.
 *
 * src/guc_source.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_GUC_SOURCE_H
#define TASK_OUTPUTS_GUC_SOURCE_H

extern const char *SessionSetValue(const char *name);

#endif							/* TASK_OUTPUTS_GUC_SOURCE_H */

/*-------------------------------------------------------------------------
 *
 * internal.h
 *		The tenant-first twins of the API: the caller from their leading
 *		arguments, then the API's own code, on the node of the caller's
 *		organization.
 *
 * src/internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_INTERNAL_H
#define TASK_OUTPUTS_INTERNAL_H

#include "authorization.h"

/* Schema of the twins, fixed by the install script */
#define INTERNAL_SCHEMA "task_outputs_internal"

/*
 * The leading arguments of a twin: the caller's organization, whether it
 * is an administrator, its actor, and its settings that shape results.
 */
#define CALLER_ARGUMENTS 4

extern const Principal *DelegatedPrincipal(void);
extern Datum CallerSettings(void);

#endif							/* TASK_OUTPUTS_INTERNAL_H */

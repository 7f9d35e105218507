/*-------------------------------------------------------------------------
 *
 * delegation.h
 *		On a distributed install, an API call that reads or writes a
 *		tenant's rows runs on the node of its organization.
 *
 * src/delegation.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_DELEGATION_H
#define TASK_OUTPUTS_DELEGATION_H

#include "fmgr.h"

#include "authorization.h"

extern bool ShouldDelegate(void);
extern Datum DelegateCall(FunctionCallInfo fcinfo, const Principal *principal);
extern Datum ExportInChunks(FunctionCallInfo fcinfo);

#endif							/* TASK_OUTPUTS_DELEGATION_H */

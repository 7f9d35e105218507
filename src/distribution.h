/*-------------------------------------------------------------------------
 *
 * distribution.h
 *		Whether this install is distributed on Citus, and what a distributed
 *		install needs of the rest of the code.
 *
 * src/distribution.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_DISTRIBUTION_H
#define TASK_OUTPUTS_DISTRIBUTION_H

#include "utils/relcache.h"

extern bool DistributedInstall(void);
extern Oid	DelegationRole(void);
extern bool IsTableOrShard(Relation rel, Oid table);
extern bool SentByAnotherNode(void);
extern int	AllowNestedLookup(void);
extern void EndNestedLookup(int nestlevel);

#endif							/* TASK_OUTPUTS_DISTRIBUTION_H */

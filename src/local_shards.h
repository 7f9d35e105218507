/*-------------------------------------------------------------------------
 *
 * local_shards.h
 *		On the node of an organization, the statements of a delegated call
 *		run on that organization's shards directly.
 *
 * src/local_shards.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_LOCAL_SHARDS_H
#define TASK_OUTPUTS_LOCAL_SHARDS_H

#include "utils/uuid.h"

#include "query.h"

typedef struct LocalShards LocalShards;

extern LocalShards *EnterLocalShards(const pg_uuid_t *org_id);
extern void LeaveLocalShards(LocalShards *outer);
extern PreparedQuery *LocalShardQuery(PreparedQuery *query);
extern void ForgetLocalShards(Oid relid);

#endif							/* TASK_OUTPUTS_LOCAL_SHARDS_H */

/*-------------------------------------------------------------------------
 *
 * tenant.h
 *		Who is asking: the organization in force and the actor.
 *
 * src/tenant.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_TENANT_H
#define TASK_OUTPUTS_TENANT_H

#include "utils/uuid.h"

extern void TenantInit(void);
extern bool GetCurrentOrgId(pg_uuid_t *org_id);
extern const char *GetCurrentActor(void);
extern const char *JwtOrgClaimName(void);
extern bool ParseUuid(const char *str, pg_uuid_t *uuid);
extern bool IsValidActor(const char *actor);

#endif							/* TASK_OUTPUTS_TENANT_H */

/*-------------------------------------------------------------------------
 *
 * authorization.h
 *		Who may act for which organization, who is an administrator, and
 *		what the extension's own statements may see.
 *
 * src/authorization.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_AUTHORIZATION_H
#define TASK_OUTPUTS_AUTHORIZATION_H

#include "utils/uuid.h"

/* an actor is at most 63 characters (or a UUID's 36) */
#define ACTOR_BYTES 64

/*
 * The caller of the API, once checked: the organization it acts for, and,
 * for a write, who it is (ResolveActor; empty until then).
 */
typedef struct Principal
{
	pg_uuid_t	org_id;
	bool		is_admin;		/* has the privileges of task_outputs_admin */
	char		actor[ACTOR_BYTES];
} Principal;

/*
 * What one of the extension's statements may see, kept by query.c while
 * the statement runs as the service role: row-level security reads it
 * through authorized_org_id() and deleted_visible().
 */
typedef struct StatementScope
{
	pg_uuid_t	org_id;
	bool		is_admin;
	char		actor[ACTOR_BYTES]; /* who writes; empty for a read */
	bool		sees_deleted;	/* may read soft-deleted rows */
} StatementScope;

extern bool MayActFor(const pg_uuid_t *org_id);
extern bool CurrentRoleIsAdmin(void);
extern void RequireAdmin(const char *action);
extern void RequirePrincipal(Principal *principal);
extern void ResolveActor(Principal *principal);
extern bool GetWriterPrincipal(Principal *principal);
extern void GetRowWriterPrincipal(Principal *principal, const pg_uuid_t *row_org_id);
extern void ForgetAuthorizationDecisions(void);
extern Oid	GrantsTableOwner(Oid *grants_relid);

#endif							/* TASK_OUTPUTS_AUTHORIZATION_H */

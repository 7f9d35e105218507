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

/* The caller of the API, once checked: the organization it acts for */
typedef struct Principal
{
	pg_uuid_t	org_id;
	bool		is_admin;		/* has the privileges of task_outputs_admin */
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
	bool		sees_deleted;	/* may read soft-deleted rows */
	struct StatementScope *outer;
} StatementScope;

extern bool MayActFor(const pg_uuid_t *org_id);
extern bool CurrentRoleIsAdmin(void);
extern void RequireAdmin(const char *action);
extern void RequirePrincipal(Principal *principal);
extern bool GetWriterPrincipal(Principal *principal);
extern void ForgetAuthorizationDecisions(void);
extern Oid	GrantsTableOwner(Oid *grants_relid);

#endif							/* TASK_OUTPUTS_AUTHORIZATION_H */

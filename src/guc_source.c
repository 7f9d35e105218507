/*-------------------------------------------------------------------------
 *
 * guc_source.c
 *		Whether the session itself set a setting's current value: for the
 *		JWT claims a gateway sets, which are settings of no loaded module
 *		(placeholders) and so have no hook of ours to say where their value
 *		came from.
 *
 * A gateway sets request.jwt.claims (PostgREST) or jwt.claims.<claim>
 * (PostGraphile) in the session, per request, after verifying the token.
 * The same settings can also hold a default, from postgresql.conf or from
 * ALTER DATABASE / ALTER ROLE ... SET, which a database owner may set: such
 * a value is no verified claim and must never choose the tenant.  Telling
 * the two apart by the value (equal to the default or not) is not enough:
 * a default equal to the claims of a real token would make that token's
 * requests act for whatever else the defaults say.  So the source of the
 * current value is read where PostgreSQL keeps it, in the variable's
 * config_generic (utils/guc_tables.h), which is a server header rather
 * than one of the documented extension interfaces; this file is the one
 * place that reads it.  A value set by SET, SET LOCAL, set_config() or a
 * function's SET clause has source PGC_S_SESSION, one from the client's
 * startup options PGC_S_CLIENT: both are the session's own.
 *
 * The variable is looked up at each call, never kept: a placeholder is
 * freed when a library loaded later defines a variable of its name.
 *
 * src/guc_source.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"

#include "compat.h"
#include "guc_source.h"

#ifndef HAVE_FIND_OPTION
static int
CompareByName(const void *key, const void *element)
{
	const struct config_generic *variable = *(struct config_generic *const *) element;

	return pg_strcasecmp((const char *) key, variable->name);
}
#endif

/*
 * FindVariable
 *		The variable named name, or NULL when there is none (yet).
 */
static struct config_generic *
FindVariable(const char *name)
{
	struct config_generic *variable;

#ifdef HAVE_FIND_OPTION
	variable = find_option(name, false, true, ERROR);
#else
	{
		struct config_generic **found;

		found = bsearch(name, get_guc_variables(), GetNumConfigOptions(),
						sizeof(struct config_generic *), CompareByName);
		variable = found ? *found : NULL;
	}
#endif
	return variable;
}

/*
 * SessionSetValue
 *		The value of setting name when the session set it; NULL when it is
 *		unset, empty, or a default.
 */
const char *
SessionSetValue(const char *name)
{
	const char *value = GetConfigOption(name, true, false);
	struct config_generic *variable;

	if (value == NULL || value[0] == '\0')
		return NULL;
	variable = FindVariable(name);
	if (variable == NULL || variable->source < PGC_S_CLIENT)
		return NULL;
	return value;
}

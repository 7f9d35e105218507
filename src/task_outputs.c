/*-------------------------------------------------------------------------
 *
 * task_outputs.c
 *		Module entry point: PG_MODULE_MAGIC, and the definition of each
 *		module's settings.
 *
 * Each module defines its own task_outputs.* settings (tenant.c: the
 * organization, the JWT claim, the actor; rules.c: the size limits of a
 * task output; json_buffer.c: the size limit of a result), checking the
 * values they were given before the library was loaded (settings.c); then
 * the prefix is reserved, so that a misspelt setting is an error rather
 * than a silently ignored placeholder.
 *
 * src/task_outputs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "json_buffer.h"
#include "rules.h"
#include "settings.h"
#include "tenant.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	BeginDefiningSettings();
	TenantInit();
	RulesInit();
	JsonBufferInit();
	EndDefiningSettings();
	MarkGUCPrefixReserved("task_outputs");
}

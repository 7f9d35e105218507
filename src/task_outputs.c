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
 * than a silently ignored placeholder.  library_version() says which
 * build this is.
 *
 * src/task_outputs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "json_buffer.h"
#include "rules.h"
#include "settings.h"
#include "tenant.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(library_version);

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

/*
 * library_version
 *		SQL: the version of this library (the control file's default version
 *		when it was built), which distribute() compares across the nodes.
 */
Datum
library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(TASK_OUTPUTS_VERSION));
}

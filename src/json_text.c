/*-------------------------------------------------------------------------
 *
 * json_text.c
 *		JSON text of strings and jsonb values, as PostgreSQL renders them.
 *
 * src/json_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/json.h"

#include "json_text.h"

void
AppendJsonString(StringInfo out, const char *s, int len)
{
	char	   *copy = pnstrdup(s, len);

	escape_json(out, copy);
	pfree(copy);
}

void
AppendJsonbText(StringInfo out, Jsonb *jb)
{
	(void) JsonbToCString(out, &jb->root, VARSIZE(jb));
}

/*-------------------------------------------------------------------------
 *
 * core.c
 *	  Text rendering of jsonb values and JSON string literals through the
 *	  server's own functions: the reference the fast renderer is measured
 *	  and tested against.
 *
 * Built instead of fast.c with "make JSON_TEXT=core" (see CONTRIBUTING.md):
 * jsonb_out's JsonbToCString and escape_json, each into a temporary
 * buffer that is then appended.
 *
 * src/json_text/core.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/json.h"

#include "json_text.h"

void
AppendJsonString(JsonBuffer *out, const char *s, int len)
{
	StringInfoData buf;
	char	   *cstring = pnstrdup(s, len);

	initStringInfo(&buf);
	escape_json(&buf, cstring);
	AppendJsonBytes(out, buf.data, buf.len);
	out->data[out->len] = '\0';
	pfree(buf.data);
	pfree(cstring);
}

void
AppendJsonbText(JsonBuffer *out, Jsonb *jb)
{
	char	   *text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));

	AppendJsonBytes(out, text, strlen(text));
	out->data[out->len] = '\0';
	pfree(text);
}

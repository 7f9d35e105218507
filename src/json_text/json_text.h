/*-------------------------------------------------------------------------
 *
 * json_text.h
 *	  Text rendering of jsonb values and JSON string literals.
 *
 * The contract: AppendJsonbText appends exactly what jsonb_out
 * (JsonbToCString) produces for the same value, and AppendJsonString
 * exactly what escape_json produces for the same bytes, on every supported
 * server version.  Two implementations exist, chosen when the library is
 * built: fast.c (the default) walks jsonb's and numeric's on-disk formats
 * itself and escapes strings a word at a time; core.c calls the server's
 * own functions.  test/escapes.sql and test/differential.sql hold every
 * build to the contract; the benchmark shows what the fast one buys.
 * Both append to the caller's JsonBuffer and leave it NUL-terminated.
 *
 * src/json_text/json_text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_JSON_TEXT_H
#define TASK_OUTPUTS_JSON_TEXT_H

#include "utils/jsonb.h"

#include "json_buffer.h"

/*
 * Append s[0..len) as a JSON string literal, with quotes, escaped exactly as
 * escape_json does.  Like escape_json, which works on a C string, the
 * literal ends at the first NUL byte, if any (text and jsonb cannot hold one).
 */
extern void AppendJsonString(JsonBuffer *out, const char *s, int len);

/*
 * Append the text form of a jsonb value exactly as jsonb_out renders it.
 * jb is a detoasted Jsonb.
 */
extern void AppendJsonbText(JsonBuffer *out, Jsonb *jb);

#endif							/* TASK_OUTPUTS_JSON_TEXT_H */

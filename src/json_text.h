/*-------------------------------------------------------------------------
 *
 * json_text.h
 *	  Fast text rendering of jsonb values and JSON string literals.
 *
 * The output of AppendJsonbText is byte-for-byte what PostgreSQL 15's
 * jsonb_out (JsonbToCString) produces for the same value, and the output of
 * AppendJsonString is what escape_json produces for the same bytes; the
 * two functions are only faster, never different.  Both append to the
 * caller's StringInfo, which is left NUL-terminated.
 *
 * src/json_text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef JSON_TEXT_H
#define JSON_TEXT_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/*
 * Append s[0..len) as a JSON string literal, with quotes, escaped exactly as
 * PG's escape_json does.  Like escape_json, which works on a C string, the
 * literal ends at the first NUL byte, if any (text and jsonb cannot hold one).
 */
extern void AppendJsonString(StringInfo out, const char *s, int len);

/*
 * Append the text form of a jsonb value exactly as jsonb_out renders it.
 * jb is a detoasted Jsonb.
 */
extern void AppendJsonbText(StringInfo out, Jsonb *jb);

#endif							/* JSON_TEXT_H */

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
 * Make sure "needed" more bytes, plus a terminating NUL, fit in out.
 * Inline so that the common case costs one comparison: a row is a few
 * dozen small appends.  enlargeStringInfo keeps its doubling policy and its
 * MaxAllocSize check.
 */
static inline void
ReserveJsonBytes(StringInfo out, int needed)
{
	if (unlikely(needed >= out->maxlen - out->len))
		enlargeStringInfo(out, needed);
}

/*
 * Append n bytes without NUL-terminating (the renderers terminate once, at
 * the end); for punctuation, literals and preformatted pieces.
 */
static inline void
AppendJsonBytes(StringInfo out, const char *s, int n)
{
	ReserveJsonBytes(out, n);
	memcpy(out->data + out->len, s, n);
	out->len += n;
}

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

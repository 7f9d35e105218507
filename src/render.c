/*-------------------------------------------------------------------------
 *
 * render.c
 *		task_output rows as JSON objects, byte for byte as to_json renders
 *		the task_output record.
 *
 * The object has the record's attribute names in the record's order, no
 * white space between members; uuids, text and enum labels are JSON
 * strings, timestamps are rendered by PostgreSQL's own JSON date encoder
 * in the session TimeZone, jsonb columns as their text, the tags array as a
 * JSON array.  The caller resets a per-row memory context after each row:
 * detoasted values and temporary strings are allocated there (a short
 * jsonb or array, most summaries and tags, is unpacked on the stack
 * instead).  Enum labels are looked up once per renderer and kept, quoted,
 * in it; a timestamp's text is kept for the next row, keyed by the instant
 * and the session TimeZone (a streaming export renders across FETCHes,
 * between which the TimeZone may change).
 *
 * src/render.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/arrayaccess.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"

#include "compat.h"
#include "json_text.h"
#include "render.h"

/*
 * "key": prefixes of the members, in column order, with their lengths; each
 * padded to MEMBER_COPY bytes, which are copied whole (see AppendPadded)
 */
#define MEMBER_COPY 32
#define MEMBER(literal) {literal, sizeof(literal) - 1}
static const struct
{
	const char	bytes[MEMBER_COPY];
	int			len;
}			member_prefix[TASK_OUTPUT_NATTS] = {

	MEMBER("{\"id\":"),
	MEMBER(",\"flow_execution_id\":"),
	MEMBER(",\"organization_id\":"),
	MEMBER(",\"task_name\":"),
	MEMBER(",\"status\":"),
	MEMBER(",\"summary\":"),
	MEMBER(",\"output\":"),
	MEMBER(",\"tags\":"),
	MEMBER(",\"last_modified_by\":"),
	MEMBER(",\"created_at\":"),
	MEMBER(",\"updated_at\":"),
};

/* two lowercase hex digits for each byte value */
static const char hex_pairs[513] =
"000102030405060708090a0b0c0d0e0f"
"101112131415161718191a1b1c1d1e1f"
"202122232425262728292a2b2c2d2e2f"
"303132333435363738393a3b3c3d3e3f"
"404142434445464748494a4b4c4d4e4f"
"505152535455565758595a5b5c5d5e5f"
"606162636465666768696a6b6c6d6e6f"
"707172737475767778797a7b7c7d7e7f"
"808182838485868788898a8b8c8d8e8f"
"909192939495969798999a9b9c9d9e9f"
"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
"d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
"e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/*
 * A short varlena (1-byte header, at most 126 bytes of data, unaligned in
 * the tuple) copied with a 4-byte header to an aligned local buffer.
 */
typedef union UnpackedShortVarlena
{
	double		force_align_d;
	int64		force_align_i64;
	char		data[VARHDRSZ + VARATT_SHORT_MAX];
} UnpackedShortVarlena;

/*
 * AppendPadded
 *		Append the first len bytes of s, of which "copy" (a constant, at
 *		least len) can be read: one fixed-size copy rather than a call to
 *		memcpy for a length known only at run time.
 */
static inline void
AppendPadded(JsonBuffer *out, const char *s, int len, int copy)
{
	ReserveJsonBytes(out, copy);
	memcpy(out->data + out->len, s, copy);
	out->len += len;
}

/*
 * DetoastUnpacked
 *		value detoasted, a short one into buf rather than into palloc'd memory
 *		as pg_detoast_datum would: the summary and the tags of most rows are
 *		short.
 */
static inline struct varlena *
DetoastUnpacked(Datum value, UnpackedShortVarlena *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);

	/* a TOAST pointer has a 1-byte header too */
	if (VARATT_IS_SHORT(v) && !VARATT_IS_EXTERNAL(v))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(buf->data, len + VARHDRSZ);
		memcpy(buf->data + VARHDRSZ, VARDATA_SHORT(v), len);
		return (struct varlena *) buf->data;
	}
	return pg_detoast_datum(v);
}

void
InitTaskOutputRenderer(TaskOutputRenderer *renderer)
{
	memset(renderer, 0, sizeof(*renderer));
	renderer->cache_context = CurrentMemoryContext;
}

/*
 * AppendJsonUuid
 *		A uuid as a quoted JSON string, formatted here rather than through
 *		uuid_out to avoid a palloc'd string per value.
 */
void
AppendJsonUuid(JsonBuffer *out, const pg_uuid_t *uuid)
{
	char	   *p;
	int			i;

	ReserveJsonBytes(out, 38);
	p = out->data + out->len;
	*p++ = '"';
	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		memcpy(p, hex_pairs + 2 * uuid->data[i], 2);
		p += 2;
	}
	*p++ = '"';
	*p = '\0';
	out->len += 38;
}

/*
 * AppendJsonText
 *		A text datum as a JSON string.
 */
void
AppendJsonText(JsonBuffer *out, Datum value)
{
	text	   *t = DatumGetTextPP(value);

	AppendJsonString(out, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * AppendStatus
 *		An enum label as a JSON string, from the per-call cache.
 */
static void
AppendStatus(TaskOutputRenderer *renderer, JsonBuffer *out, Datum value)
{
	Oid			label_oid = DatumGetObjectId(value);
	int			i;

	for (i = 0; i < renderer->nstatuses; i++)
	{
		if (renderer->status_oids[i] == label_oid)
		{
			AppendJsonBytes(out, renderer->status_json[i], renderer->status_len[i]);
			return;
		}
	}

	{
		char	   *label = DatumGetCString(DirectFunctionCall1(enum_out, value));
		JsonBuffer	quoted;
		MemoryContext oldcontext;

		if (renderer->nstatuses == RENDER_STATUS_CACHE_SIZE)
		{
			AppendJsonString(out, label, strlen(label));
			return;
		}
		oldcontext = MemoryContextSwitchTo(renderer->cache_context);
		InitJsonRow(&quoted);
		AppendJsonString(&quoted, label, strlen(label));
		MemoryContextSwitchTo(oldcontext);
		renderer->status_oids[renderer->nstatuses] = label_oid;
		renderer->status_json[renderer->nstatuses] = quoted.data + quoted.header;
		renderer->status_len[renderer->nstatuses] = quoted.len - quoted.header;
		renderer->nstatuses++;
		AppendJsonBytes(out, quoted.data + quoted.header, quoted.len - quoted.header);
	}
}

/*
 * AppendJsonTimestamptz
 *		A timestamptz datum as to_json renders it, in the session TimeZone.
 */
void
AppendJsonTimestamptz(JsonBuffer *out, Datum value)
{
	char		buf[MAXDATELEN + 1];

	JsonEncodeDateTime(buf, value, TIMESTAMPTZOID, NULL);
	AppendJsonLiteral(out, "\"");
	AppendJsonBytes(out, buf, strlen(buf));
	AppendJsonLiteral(out, "\"");
	out->data[out->len] = '\0';
}

/* bytes of a timestamp's text copied whole: "2024-01-01T00:00:00.000001+00:00" */
#define TIMESTAMP_COPY 48
StaticAssertDecl(TIMESTAMP_COPY <= sizeof(((RenderedTimestamp *) NULL)->json),
				 "a timestamp's text can be read for TIMESTAMP_COPY bytes");

/*
 * AppendCachedTimestamptz
 *		A timestamptz as AppendJsonTimestamptz renders it, reusing the text
 *		of the previous row's value of the same column when it is the same
 *		instant in the same session TimeZone: rows come in created_at order,
 *		often in bursts that share a timestamp, and many rows are written in
 *		one transaction.
 */
static void
AppendCachedTimestamptz(RenderedTimestamp *cache, JsonBuffer *out, Datum value)
{
	TimestampTz ts = DatumGetTimestampTz(value);

	if (!cache->valid || cache->value != ts || cache->zone != session_timezone)
	{
		int			len;

		JsonEncodeDateTime(cache->json + 1, value, TIMESTAMPTZOID, NULL);
		len = strlen(cache->json + 1);
		cache->json[0] = '"';
		cache->json[len + 1] = '"';
		cache->len = len + 2;
		cache->value = ts;
		cache->zone = session_timezone;
		cache->valid = true;
	}
	if (cache->len <= TIMESTAMP_COPY)
		AppendPadded(out, cache->json, cache->len, TIMESTAMP_COPY);
	else
		AppendJsonBytes(out, cache->json, cache->len);
}

/*
 * AppendTextArray
 *		A text[] as a JSON array of strings, as array_to_json renders it.
 *		Arrays of more than one dimension are left to array_to_json itself.
 */
static void
AppendTextArray(JsonBuffer *out, Datum value)
{
	UnpackedShortVarlena buf;
	ArrayType  *array = (ArrayType *) DetoastUnpacked(value, &buf);
	array_iter	it;
	int			nelements;
	int			i;

	if (ARR_NDIM(array) > 1)
	{
		text	   *json = DatumGetTextPP(DirectFunctionCall1(array_to_json,
															  PointerGetDatum(array)));

		AppendJsonBytes(out, VARDATA_ANY(json), VARSIZE_ANY_EXHDR(json));
		return;
	}

	/* walked in place, not deconstructed into palloc'd arrays */
	nelements = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	CompatArrayIterSetup(&it, (AnyArrayType *) array, -1, false, TYPALIGN_INT);
	AppendJsonBytes(out, "[", 1);
	for (i = 0; i < nelements; i++)
	{
		bool		elemnull;
		Datum		element = CompatArrayIterNext(&it, &elemnull, i, -1, false,
												  TYPALIGN_INT);

		if (i > 0)
			AppendJsonBytes(out, ",", 1);
		if (elemnull)
			AppendJsonBytes(out, "null", 4);
		else
			AppendJsonText(out, element);
	}
	AppendJsonBytes(out, "]", 1);
}

/*
 * RenderTaskOutput
 *		Append one task_output, given as values/isnull in column order, as a
 *		JSON object.
 */
void
RenderTaskOutput(TaskOutputRenderer *renderer, JsonBuffer *out,
				 Datum *values, bool *isnull)
{
	int			i;

	for (i = 0; i < TASK_OUTPUT_NATTS; i++)
	{
		AppendPadded(out, member_prefix[i].bytes, member_prefix[i].len,
					 MEMBER_COPY);
		if (isnull[i])
		{
			AppendJsonBytes(out, "null", 4);
			continue;
		}
		switch ((TaskOutputColumn) i)
		{
			case TO_ID:
			case TO_FLOW_EXECUTION_ID:
			case TO_ORGANIZATION_ID:
				AppendJsonUuid(out, DatumGetUUIDP(values[i]));
				break;
			case TO_TASK_NAME:
			case TO_LAST_MODIFIED_BY:
				AppendJsonText(out, values[i]);
				break;
			case TO_STATUS:
				AppendStatus(renderer, out, values[i]);
				break;
			case TO_SUMMARY:
			case TO_OUTPUT:
				{
					UnpackedShortVarlena buf;

					AppendJsonbText(out, (Jsonb *) DetoastUnpacked(values[i], &buf));
				}
				break;
			case TO_TAGS:
				AppendTextArray(out, values[i]);
				break;
			case TO_CREATED_AT:
				AppendCachedTimestamptz(&renderer->created_at, out, values[i]);
				break;
			case TO_UPDATED_AT:
				AppendCachedTimestamptz(&renderer->updated_at, out, values[i]);
				break;
			default:
				elog(ERROR, "unexpected task_output column %d", i);
		}
	}
	AppendJsonBytes(out, "}", 1);
	out->data[out->len] = '\0';
}

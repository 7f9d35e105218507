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
 * detoasted values and temporary strings are allocated there.  Enum labels
 * are looked up once per call and kept, quoted, in the renderer.
 *
 * src/render.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"

#include "json_text.h"
#include "render.h"

/* "key": prefixes of the members, in column order, with their lengths */
#define MEMBER(text) {text, sizeof(text) - 1}
static const struct
{
	const char *text;
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

/* the column types the renderer knows, in column order (0: the status enum) */
static const Oid column_type[TASK_OUTPUT_NATTS] = {
	UUIDOID, UUIDOID, UUIDOID, TEXTOID, InvalidOid, JSONBOID, JSONBOID,
	TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
};

/*
 * CheckTaskOutputDescriptor
 *		Fail unless tupdesc has the task_output columns this library was built
 *		for: a mismatch means the SQL objects and the library disagree.
 */
void
CheckTaskOutputDescriptor(TupleDesc tupdesc)
{
	int			i;
	bool		ok = (tupdesc->natts == TASK_OUTPUT_NATTS);

	for (i = 0; ok && i < TASK_OUTPUT_NATTS; i++)
	{
		Oid			typid = TupleDescAttr(tupdesc, i)->atttypid;

		if (column_type[i] == InvalidOid)
			ok = type_is_enum(typid);
		else
			ok = (typid == column_type[i]);
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task_output does not have the columns this version of the task_outputs library expects"),
				 errhint("Run ALTER EXTENSION task_outputs UPDATE, or install the library that matches the extension's version.")));
}

void
InitTaskOutputRenderer(TaskOutputRenderer *renderer, bool include_output)
{
	memset(renderer, 0, sizeof(*renderer));
	renderer->include_output = include_output;
	renderer->cache_context = CurrentMemoryContext;
}

/*
 * AppendJsonUuid
 *		A uuid as a quoted JSON string, formatted here rather than through
 *		uuid_out to avoid a palloc'd string per value.
 */
void
AppendJsonUuid(StringInfo out, pg_uuid_t *uuid)
{
	static const char hex[] = "0123456789abcdef";
	char	   *p;
	int			i;

	enlargeStringInfo(out, 38);
	p = out->data + out->len;
	*p++ = '"';
	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid->data[i] >> 4];
		*p++ = hex[uuid->data[i] & 0x0f];
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
AppendJsonText(StringInfo out, Datum value)
{
	text	   *t = DatumGetTextPP(value);

	AppendJsonString(out, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * AppendStatus
 *		An enum label as a JSON string, from the per-call cache.
 */
static void
AppendStatus(TaskOutputRenderer *renderer, StringInfo out, Datum value)
{
	Oid			label_oid = DatumGetObjectId(value);
	int			i;

	for (i = 0; i < renderer->nstatuses; i++)
	{
		if (renderer->status_oids[i] == label_oid)
		{
			appendStringInfoString(out, renderer->status_json[i]);
			return;
		}
	}

	{
		char	   *label = DatumGetCString(DirectFunctionCall1(enum_out, value));
		StringInfoData quoted;
		MemoryContext oldcontext;

		if (renderer->nstatuses == RENDER_STATUS_CACHE_SIZE)
		{
			AppendJsonString(out, label, strlen(label));
			return;
		}
		oldcontext = MemoryContextSwitchTo(renderer->cache_context);
		initStringInfo(&quoted);
		AppendJsonString(&quoted, label, strlen(label));
		MemoryContextSwitchTo(oldcontext);
		renderer->status_oids[renderer->nstatuses] = label_oid;
		renderer->status_json[renderer->nstatuses] = quoted.data;
		renderer->nstatuses++;
		appendStringInfoString(out, quoted.data);
	}
}

/*
 * AppendJsonTimestamptz
 *		A timestamptz datum as to_json renders it, in the session TimeZone.
 */
void
AppendJsonTimestamptz(StringInfo out, Datum value)
{
	char		buf[MAXDATELEN + 1];

	JsonEncodeDateTime(buf, value, TIMESTAMPTZOID, NULL);
	appendStringInfoChar(out, '"');
	appendStringInfoString(out, buf);
	appendStringInfoChar(out, '"');
}

/*
 * AppendCachedTimestamptz
 *		A timestamptz as AppendJsonTimestamptz renders it, reusing the text
 *		of the previous row's value of the same column when it is the same
 *		instant: rows come in created_at order, often in bursts that share a
 *		timestamp, and many rows are written in one transaction.  The
 *		session TimeZone cannot change during one call.
 */
static void
AppendCachedTimestamptz(RenderedTimestamp *cache, StringInfo out, Datum value)
{
	TimestampTz ts = DatumGetTimestampTz(value);

	if (!cache->valid || cache->value != ts)
	{
		int			len;

		JsonEncodeDateTime(cache->text + 1, value, TIMESTAMPTZOID, NULL);
		len = strlen(cache->text + 1);
		cache->text[0] = '"';
		cache->text[len + 1] = '"';
		cache->len = len + 2;
		cache->value = ts;
		cache->valid = true;
	}
	appendBinaryStringInfo(out, cache->text, cache->len);
}

/*
 * AppendTextArray
 *		A text[] as a JSON array of strings, as array_to_json renders it.
 *		Arrays of more than one dimension are left to array_to_json itself.
 */
static void
AppendTextArray(StringInfo out, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Datum	   *elements;
	bool	   *elemnulls;
	int			nelements;
	int			i;

	if (ARR_NDIM(array) > 1)
	{
		text	   *json = DatumGetTextPP(DirectFunctionCall1(array_to_json,
															  PointerGetDatum(array)));

		appendBinaryStringInfo(out, VARDATA_ANY(json), VARSIZE_ANY_EXHDR(json));
		return;
	}

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &elemnulls, &nelements);
	appendStringInfoChar(out, '[');
	for (i = 0; i < nelements; i++)
	{
		if (i > 0)
			appendStringInfoChar(out, ',');
		if (elemnulls[i])
			appendStringInfoString(out, "null");
		else
			AppendJsonText(out, elements[i]);
	}
	appendStringInfoChar(out, ']');
}

/*
 * RenderTaskOutput
 *		Append one task_output, given as values/isnull in column order, as a
 *		JSON object.
 */
void
RenderTaskOutput(TaskOutputRenderer *renderer, StringInfo out,
				 Datum *values, bool *isnull)
{
	int			i;

	for (i = 0; i < TASK_OUTPUT_NATTS; i++)
	{
		appendBinaryStringInfo(out, member_prefix[i].text, member_prefix[i].len);
		if (isnull[i] || (i == TO_OUTPUT && !renderer->include_output))
		{
			appendBinaryStringInfo(out, "null", 4);
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
				AppendJsonbText(out, DatumGetJsonbP(values[i]));
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
			case TASK_OUTPUT_NATTS:
				elog(ERROR, "unexpected task_output column %d", i);
		}
	}
	appendStringInfoChar(out, '}');
}

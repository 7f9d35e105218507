/*-------------------------------------------------------------------------
 *
 * render.h
 *		task_output rows as JSON objects.
 *
 * src/render.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_RENDER_H
#define TASK_OUTPUTS_RENDER_H

#include "lib/stringinfo.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "task_outputs.h"

/* enum labels seen during one call, already rendered as JSON strings */
#define RENDER_STATUS_CACHE_SIZE 8

/* the JSON text of the last value of a timestamp column */
typedef struct RenderedTimestamp
{
	bool		valid;
	TimestampTz value;
	int			len;
	char		text[MAXDATELEN + 3];	/* quotes and NUL */
} RenderedTimestamp;

typedef struct TaskOutputRenderer
{
	bool		include_output; /* false renders "output":null */
	int			nstatuses;
	Oid			status_oids[RENDER_STATUS_CACHE_SIZE];
	char	   *status_json[RENDER_STATUS_CACHE_SIZE];
	int			status_len[RENDER_STATUS_CACHE_SIZE];
	MemoryContext cache_context;	/* where status_json lives */
	RenderedTimestamp created_at;
	RenderedTimestamp updated_at;
} TaskOutputRenderer;

extern void InitTaskOutputRenderer(TaskOutputRenderer *renderer,
								   bool include_output);
extern void AppendJsonUuid(StringInfo out, pg_uuid_t *uuid);
extern void AppendJsonText(StringInfo out, Datum value);
extern void AppendJsonTimestamptz(StringInfo out, Datum value);
extern void RenderTaskOutput(TaskOutputRenderer *renderer, StringInfo out,
							 Datum *values, bool *isnull);

#endif							/* TASK_OUTPUTS_RENDER_H */

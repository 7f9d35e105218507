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

#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "json_buffer.h"
#include "task_output.h"

/* enum labels seen by one renderer, already rendered as JSON strings */
#define RENDER_STATUS_CACHE_SIZE 8

/* the JSON text of the last value of a timestamp column */
typedef struct RenderedTimestamp
{
	bool		valid;
	TimestampTz value;
	pg_tz	   *zone;			/* the session TimeZone it was rendered in */
	int			len;
	char		json[MAXDATELEN + 3];	/* quotes and NUL */
} RenderedTimestamp;

typedef struct TaskOutputRenderer
{
	int			nstatuses;
	Oid			status_oids[RENDER_STATUS_CACHE_SIZE];
	char	   *status_json[RENDER_STATUS_CACHE_SIZE];
	int			status_len[RENDER_STATUS_CACHE_SIZE];
	MemoryContext cache_context;	/* where status_json lives */
	RenderedTimestamp created_at;
	RenderedTimestamp updated_at;
} TaskOutputRenderer;

extern void InitTaskOutputRenderer(TaskOutputRenderer *renderer);
extern void AppendJsonUuid(JsonBuffer *out, const pg_uuid_t *uuid);
extern void AppendJsonText(JsonBuffer *out, Datum value);
extern void AppendJsonTimestamptz(JsonBuffer *out, Datum value);
extern void RenderTaskOutput(TaskOutputRenderer *renderer, JsonBuffer *out,
							 Datum *values, bool *isnull);

#endif							/* TASK_OUTPUTS_RENDER_H */

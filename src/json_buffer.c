/*-------------------------------------------------------------------------
 *
 * json_buffer.c
 *		A growing buffer for JSON text that never grows past its limit, and
 *		the limit of a list's result, task_outputs.max_result_bytes.
 *
 * A list's result is one json value, built in one buffer that starts with
 * room for the varlena header, so that the finished buffer is the datum,
 * without a final copy.  The buffer doubles as it grows, with repalloc: a
 * large chunk is a block of its own that the C library extends or remaps
 * without copying it.  Growing is checked against the limit before
 * anything is allocated: a result that would pass
 * task_outputs.max_result_bytes, or what one json value can hold (1 GB),
 * fails with PT413, whose hint names export_task_outputs and pagination,
 * never with an out-of-memory error, and never reserves more than it
 * writes.  A few bytes under the limit are kept for what follows the rows
 * (closing brackets, a page's fields) until OpenJsonResultTrailer.
 *
 * A row rendered on its own (export_task_outputs, a json per row) lives in
 * a buffer limited only by what one value can hold.
 *
 * src/json_buffer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"
#include "utils/memutils.h"

#include "errors.h"
#include "json_buffer.h"
#include "settings.h"

#define MAX_RESULT_SETTING "task_outputs.max_result_bytes"

/* the first allocation of a buffer */
#define INITIAL_BYTES 1024

/* kept under a result's limit for what follows its rows */
#define RESULT_TRAILER_BYTES 128

/* the most one json or text value can hold after its header */
#define MAX_VALUE_BYTES ((Size) MaxAllocSize - VARHDRSZ - 1)

static int	max_result_bytes = 1024 * 1024 * 1024;

static void
AssignMaxResultBytes(int newval, void *extra)
{
	SettingAssigned(MAX_RESULT_SETTING);
}

/*
 * JsonBufferInit
 *		Define the settings of this module; called by _PG_init.
 */
void
JsonBufferInit(void)
{
	CheckEarlyInt(MAX_RESULT_SETTING, 1024, 1024 * 1024 * 1024, GUC_UNIT_BYTE);
	DefineCustomIntVariable(MAX_RESULT_SETTING,
							"Largest JSON result of one list call.",
							"Larger results fail with SQLSTATE PT413; export_task_outputs has no limit.  "
							"Never more than one json value can hold (1GB).",
							&max_result_bytes,
							1024 * 1024 * 1024,
							1024,
							1024 * 1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_BYTE,
							NULL, AssignMaxResultBytes, NULL);
}

static void
InitBuffer(JsonBuffer *buf, int header, Size limit, bool is_result)
{
	buf->data = palloc(INITIAL_BYTES);
	buf->maxlen = INITIAL_BYTES;
	buf->header = header;
	buf->len = header;
	buf->limit = limit;
	buf->nrows = 0;
	buf->is_result = is_result;
	buf->data[buf->len] = '\0';
}

/*
 * InitJsonResult
 *		A buffer for a list's json result, in the current memory context.
 */
void
InitJsonResult(JsonBuffer *buf)
{
	Size		limit = Min((Size) max_result_bytes, MAX_VALUE_BYTES);

	RequireValidSetting(MAX_RESULT_SETTING);
	InitBuffer(buf, VARHDRSZ, limit - RESULT_TRAILER_BYTES, true);
}

/*
 * InitJsonRow
 *		A buffer for one row rendered as a json (or text) value.
 */
void
InitJsonRow(JsonBuffer *buf)
{
	InitBuffer(buf, VARHDRSZ, MAX_VALUE_BYTES, false);
}

/*
 * OpenJsonResultTrailer
 *		The rows are written: let what follows them use the bytes kept.
 */
void
OpenJsonResultTrailer(JsonBuffer *buf)
{
	Assert(buf->is_result);
	buf->limit += RESULT_TRAILER_BYTES;
}

/*
 * ReportTooLarge
 *		PT413: what buf holds, and the row being written, pass its limit.
 */
pg_noreturn static void
ReportTooLarge(JsonBuffer *buf)
{
	if (buf->is_result)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
				 errmsg("result is too large for one json value"),
				 errdetail("The first " UINT64_FORMAT " task outputs take more than %zu bytes (the smaller of \"%s\" and 1GB).",
						   buf->nrows + 1, buf->limit + RESULT_TRAILER_BYTES,
						   MAX_RESULT_SETTING),
				 errhint("Use export_task_outputs() to stream any number of rows, or list_task_outputs_page() to read them a page at a time.")));
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
			 errmsg("task output is too large for one json value"),
			 errdetail("Its JSON text takes more than %zu bytes.", buf->limit)));
}

/*
 * GrowJsonBuffer
 *		Make room for needed more bytes and a NUL, doubling, within the
 *		limit (PT413 past it).
 */
void
GrowJsonBuffer(JsonBuffer *buf, int needed)
{
	Size		wanted = (Size) buf->len + (Size) needed + 1;
	Size		most = (Size) buf->header + buf->limit + 1;
	Size		newlen;

	if (needed < 0 || wanted > most)
		ReportTooLarge(buf);
	if (wanted <= (Size) buf->maxlen)
		return;
	newlen = Max(wanted, 2 * (Size) buf->maxlen);
	newlen = Min(newlen, most);
	buf->data = repalloc(buf->data, newlen);
	buf->maxlen = (int) newlen;
}

void
ResetJsonBuffer(JsonBuffer *buf)
{
	buf->len = buf->header;
	buf->data[buf->len] = '\0';
}

/*
 * JsonBufferDatum
 *		The buffer as a json (or text) datum, in place.
 */
Datum
JsonBufferDatum(JsonBuffer *buf)
{
	Assert(buf->header == VARHDRSZ);
	SET_VARSIZE(buf->data, buf->len);
	return PointerGetDatum(buf->data);
}

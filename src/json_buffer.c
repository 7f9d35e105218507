/*-------------------------------------------------------------------------
 *
 * json_buffer.c
 *		A growing buffer for JSON text that never grows past its limit, and
 *		the limit of a list's result, task_outputs.max_result_bytes.
 *
 * A list's result is one json value, built in one buffer that starts with
 * room for the varlena header, so that the finished buffer is the datum,
 * without a final copy.  It starts at RESULT_INITIAL_BYTES and doubles as
 * it grows, with repalloc: a large chunk is a block of its own that the C
 * library extends or remaps without copying it.  The first size is large
 * on purpose: a result of a few dozen kilobytes, grown from a small
 * allocation, was handed back to the kernel when freed and faulted in
 * again on the next call, which, measured, took two fifths of a small
 * list's time; an allocation of a megabyte is one the C library keeps for
 * the next call, and its pages are touched only as far as it is written.
 *
 * The limit: a result may not pass task_outputs.max_result_bytes, nor what
 * one json value can hold (1 GB).  The receiver checks, after each row,
 * that the rows so far and what must still close the result (its
 * trailer, which the caller states: "]" for a list, the fields of a page)
 * fit; if not, PT413, whose hint names export_task_outputs and pagination.
 * Within a row, the writers reserve a little more than they write (a few
 * bytes of slack); growing is refused outright only past the limit plus
 * that slack, before anything is allocated.  So the error is exact, and
 * never an out-of-memory error.
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

/* the first allocation of a row's buffer, and of a result's */
#define INITIAL_BYTES 1024
#define RESULT_INITIAL_BYTES ((Size) 1024 * 1024)

/* what a writer may reserve beyond what it writes (see json_text/fast.c) */
#define RESERVE_SLACK 256

/* the most one json or text value can hold after its header */
#define MAX_VALUE_BYTES ((Size) MaxAllocSize - VARHDRSZ - 1 - RESERVE_SLACK)

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
InitBuffer(JsonBuffer *buf, Size initial, Size limit, Size trailer, bool is_result)
{
	buf->header = VARHDRSZ;
	buf->limit = limit;
	buf->trailer = trailer;
	initial = Min(initial, (Size) buf->header + limit + RESERVE_SLACK + 1);
	buf->data = palloc(initial);
	buf->maxlen = (int) initial;
	buf->len = buf->header;
	buf->nrows = 0;
	buf->is_result = is_result;
	buf->data[buf->len] = '\0';
}

/*
 * InitJsonResult
 *		A buffer for a list's json result, in the current memory context;
 *		trailer is the most that will follow the last row.
 */
void
InitJsonResult(JsonBuffer *buf, int trailer)
{
	Size		limit = Min((Size) max_result_bytes, MAX_VALUE_BYTES);

	RequireValidSetting(MAX_RESULT_SETTING);
	InitBuffer(buf, RESULT_INITIAL_BYTES, limit, trailer, true);
}

/*
 * InitJsonRow
 *		A buffer for one row rendered as a json (or text) value.
 */
void
InitJsonRow(JsonBuffer *buf)
{
	InitBuffer(buf, INITIAL_BYTES, MAX_VALUE_BYTES, 0, false);
}

/*
 * ReportTooLarge
 *		PT413: buf, with the row being written, passes its limit.
 */
pg_noreturn static void
ReportTooLarge(JsonBuffer *buf)
{
	if (buf->is_result)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
				 errmsg("result is too large for one json value"),
				 errdetail("With task output " UINT64_FORMAT ", the result would take more than %zu bytes, the smaller of \"%s\" and 1GB.",
						   buf->nrows + 1, buf->limit, MAX_RESULT_SETTING),
				 errhint("Use export_task_outputs() to stream any number of rows, or list_task_outputs_page() to read them a page at a time.")));
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
			 errmsg("task output is too large for one json value"),
			 errdetail("Its JSON text takes more than %zu bytes.", buf->limit)));
}

/*
 * CheckJsonBufferLimit
 *		PT413 unless what buf holds, and its trailer, fit its limit; called
 *		after each row.
 */
void
CheckJsonBufferLimit(JsonBuffer *buf)
{
	if ((Size) (buf->len - buf->header) + buf->trailer > buf->limit)
		ReportTooLarge(buf);
}

/*
 * GrowJsonBuffer
 *		Make room for needed more bytes and a NUL, doubling; PT413 when that
 *		passes the limit by more than a writer's slack, so that nothing is
 *		allocated that one value could not hold.
 */
void
GrowJsonBuffer(JsonBuffer *buf, int needed)
{
	Size		wanted = (Size) buf->len + (Size) needed + 1;
	Size		most = (Size) buf->header + buf->limit + RESERVE_SLACK + 1;
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
 * CheckFinished
 *		The trailer is written: what buf holds must fit its limit.
 */
static void
CheckFinished(JsonBuffer *buf)
{
	buf->trailer = 0;
	CheckJsonBufferLimit(buf);
}

/*
 * JsonBufferDatum
 *		The finished buffer as a json (or text) datum, in place.
 */
Datum
JsonBufferDatum(JsonBuffer *buf)
{
	CheckFinished(buf);
	SET_VARSIZE(buf->data, buf->len);
	return PointerGetDatum(buf->data);
}

/*
 * JsonBufferCopyDatum
 *		A copy, exact in size, of the buffer as a json (or text) datum, in
 *		context; the buffer can be reused.
 */
Datum
JsonBufferCopyDatum(JsonBuffer *buf, MemoryContext context)
{
	char	   *copy;

	CheckFinished(buf);
	copy = MemoryContextAlloc(context, buf->len);
	memcpy(copy, buf->data, buf->len);
	SET_VARSIZE(copy, buf->len);
	return PointerGetDatum(copy);
}

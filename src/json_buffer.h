/*-------------------------------------------------------------------------
 *
 * json_buffer.h
 *		A growing buffer for JSON text that never grows past its limit.
 *
 * src/json_buffer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_JSON_BUFFER_H
#define TASK_OUTPUTS_JSON_BUFFER_H

/*
 * Like a StringInfo (data, len, maxlen, NUL-terminated by whoever finishes
 * writing), with room for a varlena header in front when it is to become a
 * json or text datum, and a limit: the most bytes of JSON it may hold.
 * Passing the limit is error PT413 (see json_buffer.c), raised before any
 * allocation that could, so a buffer never asks for more than one value
 * can hold.
 */
typedef struct JsonBuffer
{
	char	   *data;
	int			len;			/* bytes used, header included */
	int			maxlen;			/* bytes allocated */
	int			header;			/* bytes reserved in front (0 or VARHDRSZ) */
	Size		limit;			/* most bytes of JSON after the header */
	Size		trailer;		/* of which kept for what follows the rows */
	uint64		nrows;			/* rows written so far, for the message */
	bool		is_result;		/* a list's result, not one row */
} JsonBuffer;

extern void JsonBufferInit(void);
extern void InitJsonResult(JsonBuffer *buf, int trailer);
extern void InitJsonRow(JsonBuffer *buf);
extern void GrowJsonBuffer(JsonBuffer *buf, int needed);
extern void CheckJsonBufferLimit(JsonBuffer *buf);
extern void ResetJsonBuffer(JsonBuffer *buf);
extern Datum JsonBufferDatum(JsonBuffer *buf);
extern Datum JsonBufferCopyDatum(JsonBuffer *buf, MemoryContext context);

/*
 * Make sure "needed" more bytes, plus a terminating NUL, fit.  Inline so
 * that the common case costs one comparison: a row is a few dozen small
 * appends.
 */
static inline void
ReserveJsonBytes(JsonBuffer *buf, int needed)
{
	if (unlikely(needed >= buf->maxlen - buf->len))
		GrowJsonBuffer(buf, needed);
}

/*
 * Append n bytes without NUL-terminating (the renderers terminate once, at
 * the end); for punctuation, literals and preformatted pieces.
 */
static inline void
AppendJsonBytes(JsonBuffer *buf, const char *s, int n)
{
	ReserveJsonBytes(buf, n);
	memcpy(buf->data + buf->len, s, n);
	buf->len += n;
}

#define AppendJsonLiteral(buf, literal) \
	AppendJsonBytes(buf, literal, sizeof(literal) - 1)

/* Bytes that may still be written before the limit */
static inline Size
JsonBufferRoom(const JsonBuffer *buf)
{
	return (Size) buf->header + buf->limit - (Size) buf->len;
}

#endif							/* TASK_OUTPUTS_JSON_BUFFER_H */

/*-------------------------------------------------------------------------
 *
 * fast.c
 *	  Render jsonb values and JSON string literals to text, fast.
 *
 * AppendJsonbText walks the on-disk jsonb format (JsonbContainer headers
 * followed by JEntry arrays and a data area) recursively, instead of going
 * through JsonbIteratorNext, and writes straight into the output buffer.
 * Its output must stay byte-for-byte identical to the server's
 * JsonbToCString without indentation (the same on every supported version): ", " between elements, ": " after
 * each key, "{}" and "[]" for empty containers, a raw-scalar root printed
 * as the bare scalar, strings escaped as escape_json does, and numbers
 * printed as numeric_out does.  Numbers are decoded from the numeric
 * on-disk format (the same format numeric.c reads; it is fixed by
 * pg_upgrade compatibility) and printed here; anything unexpected in a
 * numeric falls back to numeric_out itself, so the fast path can only be
 * faster, never different.
 *
 * This file and numeric's and jsonb's layouts it reads are the one place
 * that depends on the server's private formats; core.c is the same
 * interface through the server's functions, and test/escapes.sql and
 * test/differential.sql, run on every version of the test matrix, fail if
 * a new server changes a layout.
 *
 * Buffer discipline: every write is preceded by ReserveJsonBytes() for at least
 * the bytes it may write, which keeps the invariant "out->len + pending
 * bytes < out->maxlen", so there is always room for the terminating NUL.
 * Internal helpers do not NUL-terminate; the exported functions do, once,
 * before returning.
 *
 * src/json_text/fast.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json_text.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

/*
 * Layout of the first 16-bit word of a numeric's data (after the 4-byte
 * varlena header), as defined by numeric.c.  The two top bits select the
 * format: 00 positive long, 01 negative long, 10 short, 11 special (NaN or
 * infinity, which jsonb cannot hold).  The long format keeps the display
 * scale in the low 14 bits and an int16 weight in the next word; the short
 * format packs sign, display scale and a 7-bit signed weight into the word.
 * Digits follow as int16 values in base 10000, most significant first.
 */
#define JT_NUM_FORMAT_MASK			0xC000
#define JT_NUM_NEG					0x4000
#define JT_NUM_SHORT				0x8000
#define JT_NUM_SPECIAL				0xC000
#define JT_NUM_DSCALE_MASK			0x3FFF
#define JT_NUM_SHORT_NEG			0x2000
#define JT_NUM_SHORT_DSCALE_MASK	0x1F80
#define JT_NUM_SHORT_DSCALE_SHIFT	7
#define JT_NUM_SHORT_WEIGHT_NEG		0x0040
#define JT_NUM_SHORT_WEIGHT_MASK	0x003F
#define JT_NUM_BASE					10000
#define JT_NUM_BASE_DIGITS			4

/* room kept after a string for the whole-word stores of CopyClean */
#define STRING_SLACK 8

/* Constants for testing eight bytes at a time (see SpecialBytes). */
#define JT_ONES		UINT64CONST(0x0101010101010101)
#define JT_LOW7		UINT64CONST(0x7F7F7F7F7F7F7F7F)
#define JT_HIGHS	UINT64CONST(0x8080808080808080)

/* "00" .. "99", for printing numeric digits two at a time */
static const char digit_pairs[201] =
"00010203040506070809"
"10111213141516171819"
"20212223242526272829"
"30313233343536373839"
"40414243444546474849"
"50515253545556575859"
"60616263646566676869"
"70717273747576777879"
"80818283848586878889"
"90919293949596979899";

static const char hex_digits[] = "0123456789abcdef";

static void RenderContainer(JsonBuffer *out, const JsonbContainer *jc);

/*
 * Does byte c need escaping in a JSON string literal?  escape_json escapes
 * '"', '\\' and every byte below 0x20; a NUL byte ends its input.
 */
static inline bool
IsSpecial(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

static inline uint64
Load8(const char *p)
{
	uint64		w;

	memcpy(&w, p, 8);
	return w;
}

static inline void
Store8(char *d, uint64 w)
{
	memcpy(d, &w, 8);
}

/*
 * Return a word with the high bit set in exactly those bytes of w that
 * IsSpecial accepts, and all other bits clear.
 *
 * Each test works on the low seven bits of every byte, where an addition
 * cannot carry into the next byte, so the per-byte result is exact (not
 * merely "some byte matches"), which lets the caller locate the first hit.
 */
static inline uint64
SpecialBytes(uint64 w)
{
	uint64		quote = w ^ (JT_ONES * (uint64) '"');
	uint64		bslash = w ^ (JT_ONES * (uint64) '\\');
	uint64		ok;

	/* high bit set where the byte is >= 0x20 */
	ok = ((w & JT_LOW7) + JT_ONES * 0x60) | w;
	/* ... and is not '"' */
	ok &= ((quote & JT_LOW7) + JT_LOW7) | quote;
	/* ... and is not '\\' */
	ok &= ((bslash & JT_LOW7) + JT_LOW7) | bslash;

	return ~ok & JT_HIGHS;
}

/*
 * Index (0..7) in memory order of the first byte flagged in a nonzero mask
 * returned by SpecialBytes.
 */
static inline int
FirstFlaggedByte(uint64 mask)
{
#ifdef WORDS_BIGENDIAN
	return (63 - pg_leftmost_one_pos64(mask)) >> 3;
#else
	return pg_rightmost_one_pos64(mask) >> 3;
#endif
}

#ifdef __SSE2__
/*
 * Bit i set where byte i of v needs escaping: the SSE2 form of
 * SpecialBytes, sixteen bytes at a time (SSE2 is part of x86-64).
 */
static inline int
SpecialMask16(__m128i v)
{
	__m128i		quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i		bslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));

	/* unsigned v <= 0x1f: min(v, 0x1f) == v (there is no unsigned < ) */
	__m128i		control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);

	return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, bslash), control));
}
#endif

/*
 * Copy bytes from *src to *dst until the first byte that needs escaping or
 * until end, advancing both pointers.  The bytes from "readable" up to end
 * may be read (readable is at or before *src).
 *
 * Sixteen (with SSE2) or eight bytes are tested and copied per step; a step
 * that meets a special byte stores them all but advances only past the
 * clean ones.  The caller keeps STRING_SLACK bytes of room beyond the
 * plain copy of the rest of the input, so whole-word stores never pass the
 * reserved space.
 *
 * The last one to seven bytes are tested as one word too, on little-endian
 * machines: the eight bytes that end at end, when they are all within the
 * current run of clean bytes (so the bytes stored again before *dst are
 * the same as those already there); else, when they are readable, shifted
 * so that the first byte left comes first, stored with the rest of the
 * word as slack.  Only short strings at the start of a readable area fall
 * back to a byte at a time.
 */
static pg_attribute_always_inline void
CopyClean(const char **src, const char *end, char **dst, const char *readable)
{
	const char *run = *src;
	const char *p = run;
	char	   *d = *dst;
	uint64		mask;
	int			n;
	int			k;

#ifdef __SSE2__
	while (end - p >= 16)
	{
		__m128i		v = _mm_loadu_si128((const __m128i *) p);
		int			mask16;

		_mm_storeu_si128((__m128i *) d, v);
		mask16 = SpecialMask16(v);
		if (mask16 != 0)
		{
			k = pg_rightmost_one_pos32((uint32) mask16);
			*src = p + k;
			*dst = d + k;
			return;
		}
		p += 16;
		d += 16;
	}
#endif
	while (end - p >= 8)
	{
		uint64		w = Load8(p);

		Store8(d, w);
		mask = SpecialBytes(w);
		if (mask != 0)
		{
			k = FirstFlaggedByte(mask);
			*src = p + k;
			*dst = d + k;
			return;
		}
		p += 8;
		d += 8;
	}

	n = (int) (end - p);
	if (n == 0)
	{
		*src = p;
		*dst = d;
		return;
	}
#ifndef WORDS_BIGENDIAN
	if (end - run >= 8)
	{
		/* the last eight bytes, the first 8 - n of them already copied */
		uint64		w = Load8(end - 8);

		Store8(d - (8 - n), w);
		mask = SpecialBytes(w) & (~UINT64CONST(0) << ((8 - n) * 8));
		k = (mask != 0) ? FirstFlaggedByte(mask) - (8 - n) : n;
		*src = p + k;
		*dst = d + k;
		return;
	}
	if (end - readable >= 8)
	{
		/* the last eight bytes, shifted down to the n bytes left */
		uint64		w = Load8(end - 8) >> ((8 - n) * 8);

		Store8(d, w);
		mask = SpecialBytes(w) & (JT_HIGHS >> ((8 - n) * 8));
		k = (mask != 0) ? FirstFlaggedByte(mask) : n;
		*src = p + k;
		*dst = d + k;
		return;
	}
#endif
	while (p < end && !IsSpecial((unsigned char) *p))
		*d++ = *p++;
	*src = p;
	*dst = d;
}

/*
 * Append s[0..len) as a quoted, escaped JSON string, with npre bytes of pre
 * before it and npost bytes of post after it (the punctuation around a
 * key: done here, the space is reserved once); no NUL terminator.  The
 * bytes from readable (at or before s) may be read.
 *
 * Space for the plain copy is reserved up front; each escape re-reserves
 * room for its expansion plus the rest of the input, so the copying loop
 * never has to check for space.  Escapes are those of escape_json: \" \\
 * \b \f \n \r \t, and \u00xx (lowercase hex) for the other bytes below
 * 0x20.  '/' and bytes >= 0x7f are copied unchanged.
 */
static pg_attribute_always_inline void
AppendStringImpl(JsonBuffer *out, const char *s, int len, const char *readable,
				 const char *pre, int npre, const char *post, int npost)
{
	const char *p = s;
	const char *end = s + len;
	char	   *dst;

	ReserveJsonBytes(out, npre + len + 2 + npost + STRING_SLACK);
	dst = out->data + out->len;
	memcpy(dst, pre, npre);
	dst += npre;
	*dst++ = '"';

	for (;;)
	{
		unsigned char c;

		CopyClean(&p, end, &dst, readable);
		if (p >= end)
			break;
		c = (unsigned char) *p++;
		if (c == '\0')
			break;				/* escape_json stops at a NUL, so do we */

		/* room for a 6-byte escape, the rest of the input and the quote */
		out->len = dst - out->data;
		ReserveJsonBytes(out, 6 + (int) (end - p) + 1 + npost + STRING_SLACK);
		dst = out->data + out->len;

		*dst++ = '\\';
		switch (c)
		{
			case '"':
			case '\\':
				*dst++ = (char) c;
				break;
			case '\b':
				*dst++ = 'b';
				break;
			case '\f':
				*dst++ = 'f';
				break;
			case '\n':
				*dst++ = 'n';
				break;
			case '\r':
				*dst++ = 'r';
				break;
			case '\t':
				*dst++ = 't';
				break;
			default:
				/* any other byte below 0x20 */
				dst[0] = 'u';
				dst[1] = '0';
				dst[2] = '0';
				dst[3] = hex_digits[c >> 4];
				dst[4] = hex_digits[c & 0xF];
				dst += 5;
				break;
		}
	}

	*dst++ = '"';
	memcpy(dst, post, npost);
	dst += npost;
	out->len = dst - out->data;
}

/*
 * A string of a jsonb container: its header and entries come before its
 * data, so the eight bytes before any string in it can be read.
 */
static void
AppendJsonbString(JsonBuffer *out, const char *s, int len)
{
	AppendStringImpl(out, s, len, s - 8, "", 0, "", 0);
}

/* an object's first key, and its ": " */
static void
AppendFirstKey(JsonBuffer *out, const char *s, int len)
{
	AppendStringImpl(out, s, len, s - 8, "", 0, ": ", 2);
}

/* a further key, with the ", " before it and the ": " after it */
static void
AppendNextKey(JsonBuffer *out, const char *s, int len)
{
	AppendStringImpl(out, s, len, s - 8, ", ", 2, ": ", 2);
}

/*
 * Write the four decimal digits of base-10000 digit dig (0..9999) at cp.
 */
static inline void
Put4(char *cp, int dig)
{
	int			hi = dig / 100;
	int			lo = dig - hi * 100;

	memcpy(cp, digit_pairs + hi * 2, 2);
	memcpy(cp + 2, digit_pairs + lo * 2, 2);
}

/*
 * Append a numeric via numeric_out itself; the fallback for any numeric the
 * fast path does not handle (short varlena header, special values, corrupt
 * digits), so that the output is always numeric_out's.
 */
static void
AppendNumericSlow(JsonBuffer *out, const char *num)
{
	char	   *str;

	str = DatumGetCString(DirectFunctionCall1(numeric_out,
											  PointerGetDatum(num)));
	AppendJsonBytes(out, str, strlen(str));
	pfree(str);
}

/*
 * Append the numeric stored at num exactly as numeric_out prints it.
 *
 * numeric_out prints the stored digits without rounding or normalizing:
 * a '-' if the sign is negative; the integer part as weight + 1 base-10000
 * digits (missing ones are zeros) with the leading zeros of the first one
 * dropped, or a single "0" if weight < 0; then, if the display scale is
 * positive, '.' and exactly dscale fraction digits, zero-filled where no
 * digit is stored.  This does the same straight into the output buffer.
 */
static void
AppendNumeric(JsonBuffer *out, const char *num)
{
	const uint16 *words;
	const int16 *digits;
	uint16		hdr;
	int			datalen;
	int			ndigits;
	int			weight;
	int			dscale;
	int			maxlen;
	int			dig;
	int			d;
	bool		neg;
	char	   *cp;

	if (!VARATT_IS_4B_U(num))
	{
		AppendNumericSlow(out, num);
		return;
	}
	datalen = VARSIZE(num) - VARHDRSZ;
	words = (const uint16 *) VARDATA(num);
	if (datalen < (int) sizeof(uint16))
	{
		AppendNumericSlow(out, num);
		return;
	}
	hdr = words[0];

	if ((hdr & JT_NUM_FORMAT_MASK) == JT_NUM_SPECIAL)
	{
		AppendNumericSlow(out, num);
		return;
	}
	else if (hdr & JT_NUM_SHORT)
	{
		neg = (hdr & JT_NUM_SHORT_NEG) != 0;
		dscale = (hdr & JT_NUM_SHORT_DSCALE_MASK) >> JT_NUM_SHORT_DSCALE_SHIFT;
		weight = hdr & JT_NUM_SHORT_WEIGHT_MASK;
		if (hdr & JT_NUM_SHORT_WEIGHT_NEG)
			weight -= JT_NUM_SHORT_WEIGHT_MASK + 1;
		digits = (const int16 *) (words + 1);
		ndigits = (datalen - (int) sizeof(uint16)) / (int) sizeof(int16);
	}
	else
	{
		if (datalen < (int) (2 * sizeof(uint16)))
		{
			AppendNumericSlow(out, num);
			return;
		}
		neg = (hdr & JT_NUM_FORMAT_MASK) == JT_NUM_NEG;
		dscale = hdr & JT_NUM_DSCALE_MASK;
		weight = (int16) words[1];
		digits = (const int16 *) (words + 2);
		ndigits = (datalen - (int) (2 * sizeof(uint16))) / (int) sizeof(int16);
	}

	/* sign, integer part, point, fraction and slack for the last group */
	maxlen = 1 + (weight >= 0 ? (weight + 1) * JT_NUM_BASE_DIGITS : 1) +
		1 + dscale + JT_NUM_BASE_DIGITS;
	ReserveJsonBytes(out, maxlen);
	cp = out->data + out->len;

	if (neg)
		*cp++ = '-';

	if (weight < 0)
	{
		*cp++ = '0';
		d = weight + 1;
	}
	else
	{
		/* first base-10000 digit: no leading zeros, but at least one digit */
		dig = (ndigits > 0) ? digits[0] : 0;
		if (unlikely((uint16) dig >= JT_NUM_BASE))
			goto corrupt;
		if (dig >= 1000)
		{
			Put4(cp, dig);
			cp += 4;
		}
		else if (dig >= 100)
		{
			*cp++ = (char) ('0' + dig / 100);
			memcpy(cp, digit_pairs + (dig % 100) * 2, 2);
			cp += 2;
		}
		else if (dig >= 10)
		{
			memcpy(cp, digit_pairs + dig * 2, 2);
			cp += 2;
		}
		else
			*cp++ = (char) ('0' + dig);

		for (d = 1; d <= weight; d++)
		{
			dig = (d < ndigits) ? digits[d] : 0;
			if (unlikely((uint16) dig >= JT_NUM_BASE))
				goto corrupt;
			Put4(cp, dig);
			cp += 4;
		}
	}

	if (dscale > 0)
	{
		char	   *endcp;
		int			i;

		*cp++ = '.';
		endcp = cp + dscale;
		/* whole groups; the last may overshoot into the reserved slack */
		for (i = 0; i < dscale; i += JT_NUM_BASE_DIGITS, d++)
		{
			dig = (d >= 0 && d < ndigits) ? digits[d] : 0;
			if (unlikely((uint16) dig >= JT_NUM_BASE))
				goto corrupt;
			Put4(cp, dig);
			cp += 4;
		}
		cp = endcp;
	}

	out->len = cp - out->data;
	return;

corrupt:
	/* out->len is untouched, so numeric_out can simply take over */
	AppendNumericSlow(out, num);
}

/*
 * Append one jsonb value given its JEntry and its place in the parent's data
 * area (base + off, len bytes).  Numerics and containers start at the next
 * int-aligned offset; the padding before them is part of their length.
 */
static inline void
RenderValue(JsonBuffer *out, JEntry je, const char *base,
			uint32 off, uint32 len)
{
	switch (je & JENTRY_TYPEMASK)
	{
		case JENTRY_ISSTRING:
			AppendJsonbString(out, base + off, (int) len);
			break;
		case JENTRY_ISNUMERIC:
			AppendNumeric(out, base + INTALIGN(off));
			break;
		case JENTRY_ISBOOL_FALSE:
			AppendJsonBytes(out, "false", 5);
			break;
		case JENTRY_ISBOOL_TRUE:
			AppendJsonBytes(out, "true", 4);
			break;
		case JENTRY_ISNULL:
			AppendJsonBytes(out, "null", 4);
			break;
		case JENTRY_ISCONTAINER:
			RenderContainer(out, (const JsonbContainer *)
							(base + INTALIGN(off)));
			break;
		default:
			elog(ERROR, "unrecognized jsonb entry type: 0x%08x", je);
	}
}

/*
 * Return the end offset of the entry whose JEntry is je and whose start
 * offset is start: either stored directly (every JB_OFFSET_STRIDE-th entry)
 * or start plus the stored length.
 */
static inline uint32
EntryEnd(JEntry je, uint32 start)
{
	return JBE_HAS_OFF(je) ? JBE_OFFLENFLD(je) : start + JBE_OFFLENFLD(je);
}

/*
 * The offset of entry index's data in jc's data area, as getJsonbOffset
 * finds it (inline here: it is needed once per object, and most objects
 * are small): the stored offset of the nearest entry before it that has
 * one, plus the lengths of the entries in between.
 */
static inline uint32
EntryOffset(const JsonbContainer *jc, int index)
{
	uint32		offset = 0;
	int			i;

	for (i = index - 1; i >= 0; i--)
	{
		offset += JBE_OFFLENFLD(jc->children[i]);
		if (JBE_HAS_OFF(jc->children[i]))
			break;
	}
	return offset;
}

/*
 * Append a non-scalar container (object or array), recursing into nested
 * containers.
 *
 * An object of n pairs has 2n JEntries: the n keys (sorted), then the n
 * values in the same order, and its data area holds all keys before all
 * values.  So keys and values are walked with two running offsets, the
 * value offset starting where the keys end.  Offsets are accumulated here
 * rather than asked of getJsonbOffset per entry, which would rescan up to
 * a stride of JEntries each time.
 */
static void
RenderContainer(JsonBuffer *out, const JsonbContainer *jc)
{
	uint32		count = JsonContainerSize(jc);
	uint32		i;

	/* jsonb nesting is bounded only by the stack of whoever built it */
	check_stack_depth();

	if (JsonContainerIsObject(jc))
	{
		const char *base = (const char *) &jc->children[count * 2];
		uint32		koff = 0;
		uint32		voff;

		if (count == 0)
		{
			AppendJsonBytes(out, "{}", 2);
			return;
		}

		voff = EntryOffset(jc, count);
		AppendJsonBytes(out, "{", 1);
		for (i = 0; i < count; i++)
		{
			JEntry		kje = jc->children[i];
			JEntry		vje = jc->children[count + i];
			uint32		kend = EntryEnd(kje, koff);
			uint32		vend = EntryEnd(vje, voff);

			if (unlikely(!JBE_ISSTRING(kje)))
				elog(ERROR, "jsonb object key is not a string: 0x%08x", kje);
			if (i > 0)
				AppendNextKey(out, base + koff, (int) (kend - koff));
			else
				AppendFirstKey(out, base + koff, (int) (kend - koff));
			RenderValue(out, vje, base, voff, vend - voff);
			koff = kend;
			voff = vend;
		}
		AppendJsonBytes(out, "}", 1);
	}
	else if (JsonContainerIsArray(jc))
	{
		const char *base = (const char *) &jc->children[count];
		uint32		off = 0;

		if (count == 0)
		{
			AppendJsonBytes(out, "[]", 2);
			return;
		}

		AppendJsonBytes(out, "[", 1);
		for (i = 0; i < count; i++)
		{
			JEntry		je = jc->children[i];
			uint32		end = EntryEnd(je, off);

			if (i > 0)
				AppendJsonBytes(out, ", ", 2);
			RenderValue(out, je, base, off, end - off);
			off = end;
		}
		AppendJsonBytes(out, "]", 1);
	}
	else
		elog(ERROR, "unrecognized jsonb container header: 0x%08x", jc->header);
}

/*
 * Append s[0..len) as a JSON string literal, with quotes, escaped exactly
 * as escape_json does; see AppendStringImpl.  Exported wrapper that adds
 * the NUL terminator the buffer's users expect.
 */
void
AppendJsonString(JsonBuffer *out, const char *s, int len)
{
	AppendStringImpl(out, s, len, s, "", 0, "", 0);
	out->data[out->len] = '\0';
}

/*
 * Append the text form of jsonb value jb exactly as jsonb_out renders it.
 *
 * The binary size is a good estimate of the text size (a JEntry's four
 * bytes roughly pay for the quotes and separators, a numeric's header for
 * its digits), so that much is reserved once, unless it would pass the
 * buffer's limit, where the estimate must not cause an error the real
 * output would not; later writes reserve precisely in any case.
 * A raw scalar root (a one-element array flagged JB_FSCALAR) prints as
 * the bare scalar.
 */
void
AppendJsonbText(JsonBuffer *out, Jsonb *jb)
{
	const JsonbContainer *root = &jb->root;
	Size		hint = VARSIZE(jb);

	if (hint < JsonBufferRoom(out))
		ReserveJsonBytes(out, (int) hint);

	/*
	 * A row's document is read from shared buffers for the first time here,
	 * and the walk is not a plain sequential scan the hardware would follow
	 * (entries, then keys, then values): ask for its first 4kB at once.
	 */
#ifdef __GNUC__
	{
		Size		off;

		for (off = 64; off < Min(hint, 4096); off += 64)
			__builtin_prefetch((const char *) jb + off);
	}
#endif

	if (JsonContainerIsScalar(root))
	{
		JEntry		je = root->children[0];

		if (unlikely(JsonContainerSize(root) != 1 ||
					 !JsonContainerIsArray(root)))
			elog(ERROR, "invalid jsonb scalar root header: 0x%08x",
				 root->header);
		/* the first entry's offset-or-length field is its length either way */
		RenderValue(out, je, (const char *) &root->children[1],
					0, JBE_OFFLENFLD(je));
	}
	else
		RenderContainer(out, root);

	out->data[out->len] = '\0';
}

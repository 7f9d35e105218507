/*-------------------------------------------------------------------------
 *
 * rules.c
 *		The column rules of task outputs and flow executions.
 *
 * Each rule rejects a bad value with PT400 (PT413 for size) and a DETAIL
 * naming the value or, where the value could be large, its size; nothing
 * is ever truncated or otherwise changed to make it fit.  Lengths are
 * counted in characters, sizes in bytes of the stored jsonb.
 *
 * src/rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "rules.h"
#include "task_outputs.h"

#define MAX_NAME_CHARS	200
#define MAX_TAGS		64
#define MAX_TAG_CHARS	100

/*
 * CheckName
 *		A task or flow execution name: 1 to 200 characters.
 */
void
CheckName(const char *column, Datum value, bool isnull)
{
	text	   *t;
	int			nchars;

	if (isnull)
		ReportInvalidArgument(column, psprintf("%s must not be null.", column));
	t = DatumGetTextPP(value);
	nchars = pg_mbstrlen_with_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	if (nchars < 1 || nchars > MAX_NAME_CHARS)
		ReportInvalidArgument(column,
							  psprintf("%s must have 1 to %d characters; it has %d.",
									   column, MAX_NAME_CHARS, nchars));
}

/*
 * CheckSummary
 *		A summary is a JSON object.
 */
void
CheckSummary(Datum value, bool isnull)
{
	Jsonb	   *summary;

	if (isnull)
		ReportInvalidArgument("summary", "summary must be a JSON object, not null.");
	summary = DatumGetJsonbP(value);
	if (!JB_ROOT_IS_OBJECT(summary))
		ReportInvalidArgument("summary",
							  psprintf("summary must be a JSON object; it is a JSON %s.",
									   JB_ROOT_IS_SCALAR(summary) ? "scalar" : "array"));
}

/*
 * CheckTags
 *		At most 64 distinct, non-empty tags of at most 100 characters, in a
 *		one-dimensional array without nulls.
 */
void
CheckTags(Datum value, bool isnull)
{
	ArrayType  *array;
	Datum	   *elements;
	bool	   *elemnulls;
	int			n;
	int			i,
				j;

	if (isnull)
		ReportInvalidArgument("tags", "tags must be an array, not null; use '{}' for none.");
	array = DatumGetArrayTypeP(value);
	if (ARR_NDIM(array) > 1)
		ReportInvalidArgument("tags",
							  psprintf("tags must be a one-dimensional array; it has %d dimensions.",
									   ARR_NDIM(array)));
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &elemnulls, &n);
	if (n > MAX_TAGS)
		ReportInvalidArgument("tags",
							  psprintf("At most %d tags are allowed; there are %d.",
									   MAX_TAGS, n));
	for (i = 0; i < n; i++)
	{
		text	   *tag;
		int			nchars;

		if (elemnulls[i])
			ReportInvalidArgument("tags",
								  psprintf("Tag %d is null; tags must be non-empty strings.", i + 1));
		tag = DatumGetTextPP(elements[i]);
		nchars = pg_mbstrlen_with_len(VARDATA_ANY(tag), VARSIZE_ANY_EXHDR(tag));
		if (nchars < 1 || nchars > MAX_TAG_CHARS)
			ReportInvalidArgument("tags",
								  psprintf("Tag %d has %d characters; a tag has 1 to %d.",
										   i + 1, nchars, MAX_TAG_CHARS));
		for (j = 0; j < i; j++)
		{
			text	   *other = DatumGetTextPP(elements[j]);

			if (VARSIZE_ANY_EXHDR(tag) == VARSIZE_ANY_EXHDR(other) &&
				memcmp(VARDATA_ANY(tag), VARDATA_ANY(other), VARSIZE_ANY_EXHDR(tag)) == 0)
				ReportInvalidArgument("tags",
									  psprintf("Tag \"%s\" appears more than once.",
											   text_to_cstring(tag)));
		}
	}
}

/*
 * CheckOutputSize
 *		summary + output within task_outputs.max_output_bytes (PT413), with a
 *		WARNING past task_outputs.warn_output_bytes.  Sizes are those of the
 *		uncompressed stored jsonb, read from the headers without detoasting.
 */
void
CheckOutputSize(Datum summary, bool summary_isnull, Datum output, bool output_isnull)
{
	Size		summary_bytes = summary_isnull ? 0 : toast_raw_datum_size(summary) - VARHDRSZ;
	Size		output_bytes = output_isnull ? 0 : toast_raw_datum_size(output) - VARHDRSZ;
	Size		total = summary_bytes + output_bytes;

	if (total > (Size) task_outputs_max_output_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
				 errmsg("task output is too large"),
				 errdetail("summary and output take %zu bytes (summary %zu, output %zu); task_outputs.max_output_bytes is %d.",
						   total, summary_bytes, output_bytes,
						   task_outputs_max_output_bytes),
				 errhint("Store large results elsewhere and keep a reference in the output.")));
	if (task_outputs_warn_output_bytes > 0 &&
		total > (Size) task_outputs_warn_output_bytes)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("task output is large"),
				 errdetail("summary and output take %zu bytes (summary %zu, output %zu); task_outputs.warn_output_bytes is %d.",
						   total, summary_bytes, output_bytes,
						   task_outputs_warn_output_bytes)));
}

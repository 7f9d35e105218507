/*-------------------------------------------------------------------------
 *
 * rules.c
 *		The column rules of task outputs and flow executions, and the size
 *		settings they use.
 *
 * Each rule rejects a bad value with PT400 (PT413 for size) and a DETAIL
 * naming the value or, where the value could be large, its size; nothing
 * is ever truncated or otherwise changed to make it fit.  Lengths are
 * counted in characters, sizes in bytes of the stored jsonb.  Each kind of
 * check owns its whole message.
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
#include "utils/guc.h"
#include "utils/jsonb.h"

#include "errors.h"
#include "rules.h"
#include "settings.h"
#include "tenant.h"

#define MAX_OUTPUT_SETTING	"task_outputs.max_output_bytes"
#define WARN_OUTPUT_SETTING	"task_outputs.warn_output_bytes"
#define MAX_OUTPUT_LIMIT	(128 * 1024 * 1024)

#define MAX_NAME_CHARS	200
#define MAX_TAGS		64
#define MAX_TAG_CHARS	100

static int	max_output_bytes = 16 * 1024 * 1024;
static int	warn_output_bytes = 0;

static void
AssignMaxOutputBytes(int newval, void *extra)
{
	SettingAssigned(MAX_OUTPUT_SETTING);
}

static void
AssignWarnOutputBytes(int newval, void *extra)
{
	SettingAssigned(WARN_OUTPUT_SETTING);
}

/*
 * RulesInit
 *		Define the settings of this module; called by _PG_init.
 */
void
RulesInit(void)
{
	CheckEarlyInt(MAX_OUTPUT_SETTING, 1024, MAX_OUTPUT_LIMIT, GUC_UNIT_BYTE);
	DefineCustomIntVariable(MAX_OUTPUT_SETTING,
							"Largest summary plus output of one task output.",
							"Larger writes fail with SQLSTATE PT413.",
							&max_output_bytes,
							16 * 1024 * 1024,
							1024,
							MAX_OUTPUT_LIMIT,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, AssignMaxOutputBytes, NULL);

	CheckEarlyInt(WARN_OUTPUT_SETTING, 0, MAX_OUTPUT_LIMIT, GUC_UNIT_BYTE);
	DefineCustomIntVariable(WARN_OUTPUT_SETTING,
							"Summary plus output size above which a write raises a warning.",
							"0 turns the warning off.  The data is never truncated.",
							&warn_output_bytes,
							0,
							0,
							MAX_OUTPUT_LIMIT,
							PGC_USERSET,
							GUC_UNIT_BYTE,
							NULL, AssignWarnOutputBytes, NULL);
}

void
ReportNullColumn(const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
			 errmsg("invalid %s", column),
			 errdetail("Column \"%s\" must not be null.", column)));
}

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
		ReportNullColumn(column);
	t = DatumGetTextPP(value);
	nchars = pg_mbstrlen_with_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	if (nchars < 1 || nchars > MAX_NAME_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid %s", column),
				 errdetail("Column \"%s\" must have 1 to %d characters; it has %d.",
						   column, MAX_NAME_CHARS, nchars)));
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
		ReportNullColumn("summary");
	summary = DatumGetJsonbP(value);
	if (!JB_ROOT_IS_OBJECT(summary))
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid summary"),
				 errdetail("Column \"summary\" must be a JSON object; it is a JSON %s.",
						   JB_ROOT_IS_SCALAR(summary) ? "scalar" : "array")));
}

/*
 * ReportInvalidTags
 *		PT400 for the tags column; detail says which rule and which tag.
 */
pg_noreturn static void
ReportInvalidTags(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
			 errmsg("invalid tags"),
			 errdetail_internal("%s", detail),
			 errhint("Tags are at most %d distinct, non-empty strings of at most %d characters.",
					 MAX_TAGS, MAX_TAG_CHARS)));
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
		ReportNullColumn("tags");
	array = DatumGetArrayTypeP(value);
	if (ARR_NDIM(array) > 1)
		ReportInvalidTags(psprintf("The array has %d dimensions; it must have one.",
								   ARR_NDIM(array)));
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &elemnulls, &n);
	if (n > MAX_TAGS)
		ReportInvalidTags(psprintf("There are %d tags.", n));
	for (i = 0; i < n; i++)
	{
		text	   *tag;
		int			nchars;

		if (elemnulls[i])
			ReportInvalidTags(psprintf("Tag %d is null.", i + 1));
		tag = DatumGetTextPP(elements[i]);
		nchars = pg_mbstrlen_with_len(VARDATA_ANY(tag), VARSIZE_ANY_EXHDR(tag));
		if (nchars < 1 || nchars > MAX_TAG_CHARS)
			ReportInvalidTags(psprintf("Tag %d has %d characters.", i + 1, nchars));
		for (j = 0; j < i; j++)
		{
			text	   *other = DatumGetTextPP(elements[j]);

			if (VARSIZE_ANY_EXHDR(tag) == VARSIZE_ANY_EXHDR(other) &&
				memcmp(VARDATA_ANY(tag), VARDATA_ANY(other), VARSIZE_ANY_EXHDR(tag)) == 0)
				ReportInvalidTags(psprintf("Tag \"%s\" appears more than once.",
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

	RequireValidSetting(MAX_OUTPUT_SETTING);
	RequireValidSetting(WARN_OUTPUT_SETTING);
	if (total > (Size) max_output_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_TOO_LARGE),
				 errmsg("task output is too large"),
				 errdetail("Summary and output take %zu bytes (summary %zu, output %zu); \"%s\" is %d.",
						   total, summary_bytes, output_bytes,
						   MAX_OUTPUT_SETTING, max_output_bytes),
				 errhint("Store large results elsewhere and keep a reference in the output.")));
	if (warn_output_bytes > 0 && total > (Size) warn_output_bytes)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("task output is large"),
				 errdetail("Summary and output take %zu bytes (summary %zu, output %zu); \"%s\" is %d.",
						   total, summary_bytes, output_bytes,
						   WARN_OUTPUT_SETTING, warn_output_bytes)));
}

/*
 * CheckActorColumn
 *		last_modified_by of a row written as given (a trusted load).
 */
void
CheckActorColumn(Datum value, bool isnull)
{
	if (isnull || !IsValidActor(TextDatumGetCString(value)))
		ereport(ERROR,
				(errcode(ERRCODE_TASK_OUTPUTS_BAD_REQUEST),
				 errmsg("invalid last_modified_by"),
				 errdetail("Column \"last_modified_by\" of a loaded row must be \"system\", a UUID, or an identifier matching ^[a-z][a-z0-9_-]{0,62}$.")));
}

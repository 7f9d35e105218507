/*-------------------------------------------------------------------------
 *
 * settings.c
 *		Values of task_outputs.* settings given before the library was
 *		loaded: checked when it loads, an error at first use when invalid.
 *
 * Until the library is loaded into a backend, a task_outputs.* setting is
 * a placeholder that accepts any text (SET, set_config, ALTER ROLE ... SET
 * and postgresql.conf all work before the first call of the API).  When
 * the library defines the setting, PostgreSQL applies the placeholder's
 * values through the setting's checks and, for one that fails, only warns
 * and keeps the default.  An invalid organization id would then silently
 * give way to the JWT claims' organization, an out-of-range limit to the
 * default.
 *
 * String settings (tenant.c) keep such a value: their check hooks accept
 * anything while DefiningSettings() is true, mark an invalid value in the
 * setting's extra, and the first call that uses it raises
 * ReportInvalidEarlyValue's error -- for every value PostgreSQL keeps,
 * stacked ones included.
 *
 * An integer setting's range is checked by PostgreSQL before any hook
 * runs, so for those each module checks, while it defines its settings,
 * the value the placeholder holds (CheckEarlyInt); an invalid one is
 * remembered, and the first call that depends on the setting raises the
 * error the SET would have raised.  The error is forgotten as soon as the
 * setting is assigned again (by SET, RESET, or the end of the transaction
 * that set it locally): then the setting holds a value that was checked.
 *
 * The remembered values live in TopMemoryContext; there are at most a few.
 *
 * src/settings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"
#include "utils/memutils.h"

#include "settings.h"

#define MAX_EARLY_SETTINGS 8

typedef struct EarlyValue
{
	const char *name;			/* the setting (a string constant) */
	char	   *value;			/* its invalid value, NULL when none */
	int			sqlerrcode;		/* what the SET would have raised */
} EarlyValue;

static EarlyValue early_values[MAX_EARLY_SETTINGS];
static int	n_early_values = 0;
static int	n_invalid = 0;
static bool defining = false;

void
BeginDefiningSettings(void)
{
	defining = true;
}

void
EndDefiningSettings(void)
{
	defining = false;
}

/*
 * DefiningSettings
 *		Whether the library is defining its settings (_PG_init).
 */
bool
DefiningSettings(void)
{
	return defining;
}

/*
 * ReportInvalidEarlyValue
 *		The error of setting name's value, given before the library was
 *		loaded, which the setting's checks refuse.
 */
void
ReportInvalidEarlyValue(const char *name, const char *value, int sqlerrcode)
{
	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("invalid value for parameter \"%s\": \"%s\"", name, value),
			 errdetail("The value was set before the task_outputs library was loaded, when it could not be checked."),
			 errhint("Set \"%s\" to a valid value, or reset it.", name)));
}

/*
 * RememberInvalid
 *		Remember that setting name held value, which its checks refuse.
 */
static void
RememberInvalid(const char *name, const char *value, int sqlerrcode)
{
	EarlyValue *entry;

	if (n_early_values >= MAX_EARLY_SETTINGS)
		elog(ERROR, "too many task_outputs settings");
	entry = &early_values[n_early_values++];
	entry->name = name;
	entry->value = MemoryContextStrdup(TopMemoryContext, value);
	entry->sqlerrcode = sqlerrcode;
	n_invalid++;
}

/*
 * CheckEarlyInt
 *		Before an integer setting is defined: remember its placeholder value
 *		if it is not an integer (with the setting's units) within min..max.
 */
void
CheckEarlyInt(const char *name, int min, int max, int flags)
{
	const char *value = GetConfigOption(name, true, false);
	int			result;

	if (value != NULL &&
		(!parse_int(value, &result, flags, NULL) || result < min || result > max))
		RememberInvalid(name, value, ERRCODE_INVALID_PARAMETER_VALUE);
}

/*
 * SettingAssigned
 *		Called by the assign hook of setting name: once defined, a new value
 *		has passed the setting's checks, so an early invalid value is
 *		forgotten.
 */
void
SettingAssigned(const char *name)
{
	int			i;

	if (defining || n_invalid == 0)
		return;
	for (i = 0; i < n_early_values; i++)
	{
		if (early_values[i].value != NULL && strcmp(early_values[i].name, name) == 0)
		{
			pfree(early_values[i].value);
			early_values[i].value = NULL;
			n_invalid--;
		}
	}
}

/*
 * RequireValidSetting
 *		Raise the error of setting name's early invalid value, if it has one.
 */
void
RequireValidSetting(const char *name)
{
	int			i;

	if (n_invalid == 0)
		return;
	for (i = 0; i < n_early_values; i++)
	{
		if (early_values[i].value != NULL && strcmp(early_values[i].name, name) == 0)
			ReportInvalidEarlyValue(name, early_values[i].value,
									early_values[i].sqlerrcode);
	}
}

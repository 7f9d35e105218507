/*-------------------------------------------------------------------------
 *
 * settings.h
 *		Values of task_outputs.* settings given before the library was
 *		loaded: checked when it loads, an error at first use when invalid.
 *
 * src/settings.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_SETTINGS_H
#define TASK_OUTPUTS_SETTINGS_H

#include "compat.h"

typedef bool (*SettingValidator) (const char *value);

extern void BeginDefiningSettings(void);
extern void EndDefiningSettings(void);
extern bool DefiningSettings(void);
pg_noreturn extern void ReportInvalidEarlyValue(const char *name, const char *value,
												int sqlerrcode);
extern void CheckEarlyInt(const char *name, int min, int max, int flags);
extern void SettingAssigned(const char *name);
extern void RequireValidSetting(const char *name);

#endif							/* TASK_OUTPUTS_SETTINGS_H */

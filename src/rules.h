/*-------------------------------------------------------------------------
 *
 * rules.h
 *		The column rules of task outputs and flow executions.
 *
 * src/rules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_RULES_H
#define TASK_OUTPUTS_RULES_H

#include "compat.h"

extern void RulesInit(void);
extern void CheckName(const char *column, Datum value, bool isnull);
extern void CheckSummary(Datum value, bool isnull);
extern void CheckTags(Datum value, bool isnull);
extern void CheckOutputSize(Datum summary, bool summary_isnull,
							Datum output, bool output_isnull);
extern void CheckActorColumn(Datum value, bool isnull);
pg_noreturn extern void ReportNullColumn(const char *column);

#endif							/* TASK_OUTPUTS_RULES_H */

/*-------------------------------------------------------------------------
 *
 * triggers.h
 *		What the tables' trigger functions share: the calling protocol and
 *		the checks of immutable columns.
 *
 * src/triggers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_TRIGGERS_H
#define TASK_OUTPUTS_TRIGGERS_H

#include "commands/trigger.h"

#include "compat.h"

/* events a trigger function accepts: bits (1 << TRIGGER_EVENT_xxx) */
#define EVENT_BIT(event)	(1 << (event))

/* how a trigger function must be fired */
typedef enum TriggerTiming
{
	FIRED_BEFORE_ROW,
	FIRED_AFTER_ROW,
	FIRED_AFTER_STATEMENT
} TriggerTiming;

extern TriggerData *CheckTriggerProtocol(FunctionCallInfo fcinfo, const char *name,
										 TriggerTiming timing, int events,
										 const char *expected, int natts);
extern bool ColumnChanged(TupleDesc tupdesc, int column,
						  Datum *old_values, bool *old_isnull,
						  Datum *new_values, bool *new_isnull);
extern void CheckUnchanged(TupleDesc tupdesc, int column,
						   Datum *old_values, bool *old_isnull,
						   Datum *new_values, bool *new_isnull,
						   const char *table);

/* a column replaced in the row a BEFORE trigger returns */
typedef struct ColumnReplacements
{
	int			n;
	int			cols[32];
	Datum		values[32];
	bool		isnull[32];
} ColumnReplacements;

static inline void
ReplaceColumn(ColumnReplacements *repl, int column, Datum value, bool isnull)
{
	Assert(repl->n < lengthof(repl->cols));
	repl->cols[repl->n] = column + 1;
	repl->values[repl->n] = value;
	repl->isnull[repl->n] = isnull;
	repl->n++;
}

extern HeapTuple ReplaceColumns(HeapTuple tuple, TupleDesc tupdesc,
								ColumnReplacements *repl);

#endif							/* TASK_OUTPUTS_TRIGGERS_H */

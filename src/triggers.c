/*-------------------------------------------------------------------------
 *
 * triggers.c
 *		What the tables' trigger functions share: the calling protocol and
 *		the checks of immutable columns.
 *
 * Every trigger function checks how it was fired (trigger manager, timing,
 * level, event) and the column count of its table, so that a library and
 * table definitions that disagree fail loudly rather than misread a row.
 * BEFORE triggers build the row they return with heap_modify_tuple_by_cols
 * (ReplaceColumns).
 *
 * src/triggers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "errors.h"
#include "triggers.h"

/*
 * CheckTriggerProtocol
 *		Fail unless called by the trigger manager with the given timing, for
 *		one of events, on a table of natts columns; expected says how it
 *		must be fired.
 */
TriggerData *
CheckTriggerProtocol(FunctionCallInfo fcinfo, const char *name, TriggerTiming timing,
					 int events, const char *expected, int natts)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		ok;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager", name)));
	switch (timing)
	{
		case FIRED_BEFORE_ROW:
			ok = TRIGGER_FIRED_BEFORE(trigdata->tg_event) &&
				TRIGGER_FIRED_FOR_ROW(trigdata->tg_event);
			break;
		case FIRED_AFTER_ROW:
			ok = TRIGGER_FIRED_AFTER(trigdata->tg_event) &&
				TRIGGER_FIRED_FOR_ROW(trigdata->tg_event);
			break;
		default:
			ok = TRIGGER_FIRED_AFTER(trigdata->tg_event) &&
				TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event);
			break;
	}
	if (!ok || !(events & EVENT_BIT(trigdata->tg_event & TRIGGER_EVENT_OPMASK)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired %s", name, expected)));
	if (RelationGetDescr(trigdata->tg_relation)->natts != natts)
		ReportLibraryMismatch(psprintf("table \"%s\"",
									   RelationGetRelationName(trigdata->tg_relation)));
	return trigdata;
}

/*
 * ColumnChanged
 *		Whether column (0-based) differs between the old and the new row.
 */
bool
ColumnChanged(TupleDesc tupdesc, int column, Datum *old_values, bool *old_isnull,
			  Datum *new_values, bool *new_isnull)
{
	Form_pg_attribute attr = TupleDescAttr(tupdesc, column);

	return old_isnull[column] != new_isnull[column] ||
		(!old_isnull[column] &&
		 !datum_image_eq(old_values[column], new_values[column],
						 attr->attbyval, attr->attlen));
}

/*
 * CheckUnchanged
 *		PT409 unless column (0-based), which never changes after insert, has
 *		the same value in the old and the new row of table.
 */
void
CheckUnchanged(TupleDesc tupdesc, int column, Datum *old_values, bool *old_isnull,
			   Datum *new_values, bool *new_isnull, const char *table)
{
	const char *name;

	if (!ColumnChanged(tupdesc, column, old_values, old_isnull, new_values, new_isnull))
		return;
	name = NameStr(TupleDescAttr(tupdesc, column)->attname);
	ereport(ERROR,
			(errcode(ERRCODE_TASK_OUTPUTS_CONFLICT),
			 errmsg("cannot change %s of a %s", name, table),
			 errdetail("Column \"%s\" is fixed when the %s is created.", name, table)));
}

/*
 * ReplaceColumns
 *		tuple with the replaced columns, or tuple itself when none is.
 */
HeapTuple
ReplaceColumns(HeapTuple tuple, TupleDesc tupdesc, ColumnReplacements *repl)
{
	if (repl->n == 0)
		return tuple;
	return heap_modify_tuple_by_cols(tuple, tupdesc, repl->n, repl->cols,
									 repl->values, repl->isnull);
}

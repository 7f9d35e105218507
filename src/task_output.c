/*-------------------------------------------------------------------------
 *
 * task_output.c
 *		The API's record: checking a descriptor against the layout this
 *		library was built for, and copying a row into it.
 *
 * src/task_output.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"

#include "errors.h"
#include "task_output.h"

/* the column types, in column order (InvalidOid: the status enum) */
static const Oid column_type[TASK_OUTPUT_NATTS] = {
	UUIDOID, UUIDOID, UUIDOID, TEXTOID, InvalidOid, JSONBOID, JSONBOID,
	TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
};

/*
 * CheckTaskOutputDescriptor
 *		Fail unless tupdesc has the task_output columns this library was
 *		built for: a mismatch means the SQL objects and the library disagree.
 */
void
CheckTaskOutputDescriptor(TupleDesc tupdesc)
{
	int			i;
	bool		ok = (tupdesc->natts == TASK_OUTPUT_NATTS);

	for (i = 0; ok && i < TASK_OUTPUT_NATTS; i++)
	{
		Oid			typid = TupleDescAttr(tupdesc, i)->atttypid;

		if (column_type[i] == InvalidOid)
			ok = type_is_enum(typid);
		else
			ok = (typid == column_type[i]);
	}
	if (!ok)
		ReportLibraryMismatch("type task_output");
}

/*
 * CopyTaskOutput
 *		tuple (of tupdesc, a task_output) formed anew as result_desc, in the
 *		current memory context: for a row that lives in SPI's memory, which
 *		SPI_finish frees.
 */
HeapTuple
CopyTaskOutput(TupleDesc result_desc, HeapTuple tuple, TupleDesc tupdesc)
{
	Datum		values[TASK_OUTPUT_NATTS];
	bool		isnull[TASK_OUTPUT_NATTS];

	CheckTaskOutputDescriptor(tupdesc);
	heap_deform_tuple(tuple, tupdesc, values, isnull);
	return heap_form_tuple(result_desc, values, isnull);
}

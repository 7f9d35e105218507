/*-------------------------------------------------------------------------
 *
 * list.h
 *		Rendering the rows of a read as a JSON array.
 *
 * src/list.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_LIST_H
#define TASK_OUTPUTS_LIST_H

#include "tcop/dest.h"

#include "filters.h"
#include "json_buffer.h"

extern DestReceiver *RenderList(ReadRequest *request, JsonBuffer *result,
								int64 limit_rows, uint64 max_rows,
								int more_trailer);

#endif							/* TASK_OUTPUTS_LIST_H */

/*-------------------------------------------------------------------------
 *
 * json_text.h
 *		JSON text of strings and jsonb values, as PostgreSQL renders them.
 *
 * src/json_text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_JSON_TEXT_H
#define TASK_OUTPUTS_JSON_TEXT_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

extern void AppendJsonString(StringInfo out, const char *s, int len);
extern void AppendJsonbText(StringInfo out, Jsonb *jb);

#endif							/* TASK_OUTPUTS_JSON_TEXT_H */

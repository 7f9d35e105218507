/*-------------------------------------------------------------------------
 *
 * uuid7.h
 *		Time-ordered UUIDs (RFC 9562 version 7), generated in C.
 *
 * src/uuid7.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_UUID7_H
#define TASK_OUTPUTS_UUID7_H

#include "utils/uuid.h"

extern void GenerateUuidV7(pg_uuid_t *uuid);
extern Datum NewUuidV7Datum(void);

#endif							/* TASK_OUTPUTS_UUID7_H */

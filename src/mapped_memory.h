/*-------------------------------------------------------------------------
 *
 * mapped_memory.h
 *		A memory context whose chunks are anonymous mappings of their own.
 *
 * src/mapped_memory.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_MAPPED_MEMORY_H
#define TASK_OUTPUTS_MAPPED_MEMORY_H

#include "compat.h"

#ifdef HAVE_MAPPED_MEMORY_CONTEXT
extern MemoryContext MappedMemoryContextCreate(MemoryContext parent,
											   const char *name);
#endif

#endif							/* TASK_OUTPUTS_MAPPED_MEMORY_H */

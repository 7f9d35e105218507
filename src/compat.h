/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every shim for differences between PostgreSQL major versions.
 *
 * The supported versions are 15 (from 15.1), 16, 17, 18 and 19, exactly
 * those the version matrix tests.  The sources are written against the
 * newest API where a macro can map it onto older servers (pg_noreturn);
 * where a call's signature changed, they call a Compat macro that takes
 * the union of the arguments and passes each server what it expects.  No
 * other file tests PG_VERSION_NUM.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_COMPAT_H
#define TASK_OUTPUTS_COMPAT_H

/* InitMaterializedSRF appeared in 15.1 (15.0 called it SetSingleFuncCall) */
#if PG_VERSION_NUM < 150001
#error "task_outputs requires PostgreSQL 15.1 or later"
#endif

/*
 * The varlena macros (VARSIZE, SET_VARSIZE, VARDATA, ...) moved from
 * postgres.h to varatt.h in 16; up to 18 the headers the sources include
 * brought it in, from 19 they no longer all do.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * From 18 a function that does not return is declared with pg_noreturn, a
 * C11 function specifier written before the declaration; before 18 with
 * pg_attribute_noreturn() after it, a GCC attribute that may equally stand
 * first.
 */
#if PG_VERSION_NUM < 180000
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * From 19 a TupleDesc built by hand must be finished with
 * TupleDescFinalize(), which computes what tuple deforming relies on;
 * before 19 there is nothing to finish.
 */
#if PG_VERSION_NUM < 190000
#define TupleDescFinalize(tupdesc) ((void) 0)
#endif

/*
 * index_beginscan() takes an IndexScanInstrumentation (EXPLAIN's counters;
 * NULL when nobody reads them) from 18, and the table scan's ScanOptions
 * flags from 19.
 */
#if PG_VERSION_NUM >= 190000
#define CompatIndexBeginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan(heap, index, snapshot, NULL, nkeys, norderbys, SO_NONE)
#elif PG_VERSION_NUM >= 180000
#define CompatIndexBeginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan(heap, index, snapshot, NULL, nkeys, norderbys)
#else
#define CompatIndexBeginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan(heap, index, snapshot, nkeys, norderbys)
#endif

/*
 * From 19 array_iter_setup() takes the element type's length, by-value flag
 * and alignment and keeps them in the iterator, and array_iter_next() takes
 * only the element number; before 19 every array_iter_next() call took them
 * and array_iter_setup() did not.  Callers give them to both.
 */
#if PG_VERSION_NUM >= 190000
#define CompatArrayIterSetup(it, array, elmlen, elmbyval, elmalign) \
	array_iter_setup(it, array, elmlen, elmbyval, elmalign)
#define CompatArrayIterNext(it, isnull, i, elmlen, elmbyval, elmalign) \
	array_iter_next(it, isnull, i)
#else
#define CompatArrayIterSetup(it, array, elmlen, elmbyval, elmalign) \
	array_iter_setup(it, array)
#define CompatArrayIterNext(it, isnull, i, elmlen, elmbyval, elmalign) \
	array_iter_next(it, isnull, i, elmlen, elmbyval, elmalign)
#endif

/*
 * Up to 15, pfree and repalloc find a chunk's memory context through the
 * pointer stored just before the chunk, so the extension can have a memory
 * context type of its own (mapped_memory.c); from 16 the chunk header
 * encodes the context's type among a fixed set.  The methods' signatures
 * are those of 15.
 */
#if PG_VERSION_NUM < 160000
#define HAVE_MAPPED_MEMORY_CONTEXT 1
#endif

#endif							/* TASK_OUTPUTS_COMPAT_H */

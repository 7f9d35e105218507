/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every shim for differences between the PostgreSQL major versions the
 *		extension supports: 15, 16, 17, 18 and 19.
 *
 * The sources are written against the newest API and this file maps it
 * onto older servers; no other file tests PG_VERSION_NUM.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_COMPAT_H
#define TASK_OUTPUTS_COMPAT_H

#include "access/genam.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "utils/arrayaccess.h"
#include "utils/guc.h"

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
 * 18 replaced pg_attribute_noreturn(), written after a declaration, by
 * pg_noreturn, written before it; GCC's attribute may go before too.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/* 18 dropped ExecutorRun's execute_once argument */
#if PG_VERSION_NUM >= 180000
#define CompatExecutorRun(queryDesc, direction, count) \
	ExecutorRun(queryDesc, direction, count)
#else
#define CompatExecutorRun(queryDesc, direction, count) \
	ExecutorRun(queryDesc, direction, count, true)
#endif

/*
 * 18 added an instrumentation argument to index_beginscan, 19 a flags
 * argument.
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
 * 19 moved the element type's properties from array_iter_next to
 * array_iter_setup.
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
 * The GUC machinery frees a setting's "extra": with free() up to 15; from
 * 16 with guc_free(), which takes only what guc_malloc() gave.
 */
#if PG_VERSION_NUM >= 160000
#define CompatGucMalloc(size) guc_malloc(LOG, size)
#else
#define CompatGucMalloc(size) malloc(size)
#endif

/* 17 renamed the search_path a cached plan was made under, and its check */
#if PG_VERSION_NUM >= 170000
#define CompatSearchPathMatches(path) SearchPathMatchesCurrentEnvironment(path)
#else
#define CompatSearchPathMatches(path) OverrideSearchPathMatchesCurrent(path)
#endif

/*
 * 16 exported find_option; before, the variables are an array sorted by
 * name, case-insensitively, which guc_source.c searches itself.
 */
#if PG_VERSION_NUM >= 160000
#define HAVE_FIND_OPTION 1
#endif

#endif							/* TASK_OUTPUTS_COMPAT_H */

/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every shim for differences between PostgreSQL major versions.
 *
 * The sources are written against the newest API and this file maps it
 * onto older servers (13 and up); no other file tests PG_VERSION_NUM.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_COMPAT_H
#define TASK_OUTPUTS_COMPAT_H

#include "executor/spi.h"
#include "funcapi.h"
#include "utils/guc.h"

/* MarkGUCPrefixReserved appeared in 15; before, placeholders only warned */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* InitMaterializedSRF appeared in 15.x/16; SetSingleFuncCall in 15.0 */
#if PG_VERSION_NUM < 150000
#define MAT_SRF_USE_EXPECTED_DESC	0x01
#define MAT_SRF_BLESS				0x02
extern void CompatInitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags);
#define InitMaterializedSRF(fcinfo, flags) CompatInitMaterializedSRF(fcinfo, flags)
#endif

/*
 * SPI_execute_plan_extended with a DestReceiver appeared in 14.  On 13 the
 * plan runs through a cursor and each fetched batch is fed to the receiver,
 * which is equivalent but copies the rows through a tuple table.
 */
#if PG_VERSION_NUM >= 140000
static inline int
CompatExecutePlanToReceiver(SPIPlanPtr plan, ParamListInfo params,
							bool read_only, DestReceiver *dest)
{
	SPIExecuteOptions options;

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = read_only;
	options.dest = dest;
	return SPI_execute_plan_extended(plan, &options);
}
#else
extern int	CompatExecutePlanToReceiver(SPIPlanPtr plan, ParamListInfo params,
										bool read_only, DestReceiver *dest);
#endif

/*
 * Up to 15, pfree and repalloc find a chunk's memory context through the
 * pointer stored just before the chunk, so the extension can have a memory
 * context type of its own (mapped_memory.c); from 16 the chunk header
 * encodes the context's type among a fixed set.  The methods' signatures
 * are those of 14 and 15.
 */
#if PG_VERSION_NUM >= 140000 && PG_VERSION_NUM < 160000
#define HAVE_MAPPED_MEMORY_CONTEXT 1
#endif

#endif							/* TASK_OUTPUTS_COMPAT_H */

/*-------------------------------------------------------------------------
 *
 * uuid7.c
 *		Time-ordered UUIDs (RFC 9562 version 7), generated in C.
 *
 * Layout: 48 bits of Unix time in milliseconds, the version (7), 12 bits of
 * sub-millisecond time, the variant (0b10), and 62 random bits.  The 60 bits
 * of time are kept monotonic within a backend: when the clock has not moved
 * past the last value (or went back), the last value plus one is used, so
 * ids made by one session always sort in creation order.  That state is
 * per backend and is why the SQL function is PARALLEL RESTRICTED.
 *
 * src/uuid7.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "uuid7.h"

PG_FUNCTION_INFO_V1(uuid_generate_v7);

/* last 60-bit time value handed out: ms << 12 | sub-ms fraction */
static uint64 last_uuid7_time = 0;

/* microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01) */
#define UNIX_TO_POSTGRES_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

/*
 * GenerateUuidV7
 *		Fill *uuid with a new version 7 UUID.
 */
void
GenerateUuidV7(pg_uuid_t *uuid)
{
	int64		unix_usecs = GetCurrentTimestamp() + UNIX_TO_POSTGRES_USECS;
	uint64		unix_ms = (uint64) unix_usecs / 1000;

	/* scale the microseconds within the millisecond to 12 bits */
	uint64		fraction = ((uint64) unix_usecs % 1000) * 4096 / 1000;
	uint64		time60 = (unix_ms << 12) | fraction;
	unsigned char random_bytes[8];

	if (time60 <= last_uuid7_time)
		time60 = last_uuid7_time + 1;
	last_uuid7_time = time60;

	if (!pg_strong_random(random_bytes, sizeof(random_bytes)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random values")));

	unix_ms = time60 >> 12;
	uuid->data[0] = (unsigned char) (unix_ms >> 40);
	uuid->data[1] = (unsigned char) (unix_ms >> 32);
	uuid->data[2] = (unsigned char) (unix_ms >> 24);
	uuid->data[3] = (unsigned char) (unix_ms >> 16);
	uuid->data[4] = (unsigned char) (unix_ms >> 8);
	uuid->data[5] = (unsigned char) unix_ms;
	uuid->data[6] = (unsigned char) (0x70 | ((time60 >> 8) & 0x0f));
	uuid->data[7] = (unsigned char) (time60 & 0xff);
	uuid->data[8] = (unsigned char) (0x80 | (random_bytes[0] & 0x3f));
	memcpy(&uuid->data[9], &random_bytes[1], 7);
}

/*
 * NewUuidV7Datum
 *		A new version 7 UUID as a Datum, palloc'd.
 */
Datum
NewUuidV7Datum(void)
{
	pg_uuid_t  *uuid = palloc(sizeof(pg_uuid_t));

	GenerateUuidV7(uuid);
	return UUIDPGetDatum(uuid);
}

/*
 * uuid_generate_v7
 *		SQL: a new version 7 UUID.
 */
Datum
uuid_generate_v7(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(NewUuidV7Datum());
}

/*-------------------------------------------------------------------------
 *
 * mapped_memory.c
 *		A memory context whose chunks are anonymous mappings of their own:
 *		for a buffer that is written once, front to back, grows to hundreds
 *		of megabytes and is handed to the caller in place.
 *
 * A large palloc'd chunk is a mapping that malloc makes and remaps as a
 * StringInfo doubles.  Its pages are faulted in, and zeroed, 4kB at a
 * time; a remap that cannot grow in place moves, and a mapping that is
 * partly advised for huge pages is several kernel areas that mremap
 * refuses, so malloc copies the whole buffer instead; freeing it returns
 * 4kB pages one by one.  For a list of 200 MB that was a fifth of the
 * time of list_task_outputs().
 *
 * Here each chunk reserves the address space of the largest chunk at once
 * (MaxAllocSize: inaccessible, so it takes neither memory nor commit
 * charge), aligned to a huge page and advised as a candidate for huge
 * pages before any page is touched, and makes the part in use readable and
 * writable as it grows.  The chunk never moves, repalloc is in place, and
 * the kernel fills and frees it 2MB at a time where transparent huge pages
 * are enabled, 4kB at a time otherwise.
 *
 * To the rest of the server the chunks are ordinary palloc'd chunks:
 * pfree, repalloc and GetMemoryChunkSpace work on them, and resetting or
 * deleting the context (or its parent) unmaps them.  That relies on how
 * those find a chunk's context, the pointer stored just before it, which
 * holds up to PostgreSQL 15 (compat.h says where this is built); later
 * servers encode the context's type in the chunk header, among a fixed set.
 *
 * src/mapped_memory.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"
#include "mapped_memory.h"

#ifdef HAVE_MAPPED_MEMORY_CONTEXT

#include <sys/mman.h>

#include "lib/ilist.h"
#include "nodes/memnodes.h"
#include "utils/memutils.h"

/*
 * Alignment of the mappings and granularity of what is made accessible: a
 * huge page on x86-64 (and a harmless alignment elsewhere).
 */
#define MAPPED_ALIGN ((Size) 2 * 1024 * 1024)

typedef struct MappedContext
{
	MemoryContextData header;	/* standard memory context fields */
	dlist_head	chunks;			/* every mapping of the context */
} MappedContext;

/* at the start of each mapping, just before the chunk */
typedef struct MappedChunkHeader
{
	dlist_node	node;			/* in the context's list */
	Size		reserved;		/* bytes of address space, header included */
	Size		accessible;		/* of which readable and writable */
	Size		size;			/* the size asked for the chunk */
	MemoryContext context;		/* must be last: where pfree finds it */
} MappedChunkHeader;

#define MAPPED_HDRSZ sizeof(MappedChunkHeader)

StaticAssertDecl(MAPPED_HDRSZ == MAXALIGN(MAPPED_HDRSZ) &&
				 offsetof(MappedChunkHeader, context) + sizeof(MemoryContext) == MAPPED_HDRSZ,
				 "a mapped chunk must follow its context pointer, maxaligned");

#define ChunkHeader(pointer) \
	((MappedChunkHeader *) ((char *) (pointer) - MAPPED_HDRSZ))
#define HeaderChunk(hdr) ((void *) ((char *) (hdr) + MAPPED_HDRSZ))

static void *MappedAlloc(MemoryContext context, Size size);
static void MappedFree(MemoryContext context, void *pointer);
static void *MappedRealloc(MemoryContext context, void *pointer, Size size);
static void MappedReset(MemoryContext context);
static void MappedDelete(MemoryContext context);
static Size MappedGetChunkSpace(MemoryContext context, void *pointer);
static bool MappedIsEmpty(MemoryContext context);
static void MappedStats(MemoryContext context, MemoryStatsPrintFunc printfunc,
						void *passthru, MemoryContextCounters *totals,
						bool print_to_stderr);
#ifdef MEMORY_CONTEXT_CHECKING
static void MappedCheck(MemoryContext context);
#endif

static const MemoryContextMethods MappedMethods = {
	MappedAlloc,
	MappedFree,
	MappedRealloc,
	MappedReset,
	MappedDelete,
	MappedGetChunkSpace,
	MappedIsEmpty,
	MappedStats
#ifdef MEMORY_CONTEXT_CHECKING
	,MappedCheck
#endif
};

/*
 * ReserveAligned
 *		bytes of inaccessible address space aligned to MAPPED_ALIGN, or NULL.
 *		Over-reserve by the alignment and give back both ends.
 */
static char *
ReserveAligned(Size bytes)
{
	char	   *raw;
	char	   *aligned;
	Size		head;
	Size		tail;

	raw = mmap(NULL, bytes + MAPPED_ALIGN, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	aligned = (char *) TYPEALIGN(MAPPED_ALIGN, raw);
	head = aligned - raw;
	tail = MAPPED_ALIGN - head;
	if (head > 0)
		(void) munmap(raw, head);
	if (tail > 0)
		(void) munmap(aligned + bytes, tail);
	return aligned;
}

/*
 * MakeAccessible
 *		Make the mapping at base readable and writable from *accessible up to
 *		"bytes", rounded up to MAPPED_ALIGN; false when the kernel refuses
 *		(the commit limit).
 */
static bool
MakeAccessible(MemoryContext context, char *base, Size *accessible, Size bytes)
{
	Size		target = TYPEALIGN(MAPPED_ALIGN, bytes);

	if (target <= *accessible)
		return true;
	if (mprotect(base + *accessible, target - *accessible,
				 PROT_READ | PROT_WRITE) != 0)
		return false;
	context->mem_allocated += target - *accessible;
	*accessible = target;
	return true;
}

static void *
MappedAlloc(MemoryContext context, Size size)
{
	MappedContext *set = (MappedContext *) context;
	Size		reserved = TYPEALIGN(MAPPED_ALIGN, Max(size, MaxAllocSize) + MAPPED_HDRSZ);
	Size		accessible = 0;
	char	   *base;
	MappedChunkHeader *hdr;

	base = ReserveAligned(reserved);
	if (base == NULL)
		return NULL;

	/* before the first touch, so that the first fault can be a huge page */
#ifdef MADV_HUGEPAGE
	(void) madvise(base, reserved, MADV_HUGEPAGE);
#endif
	if (!MakeAccessible(context, base, &accessible, MAPPED_HDRSZ + size))
	{
		(void) munmap(base, reserved);
		return NULL;
	}

	hdr = (MappedChunkHeader *) base;
	hdr->reserved = reserved;
	hdr->accessible = accessible;
	hdr->size = size;
	hdr->context = context;
	dlist_push_tail(&set->chunks, &hdr->node);
	return HeaderChunk(hdr);
}

static void
MappedFree(MemoryContext context, void *pointer)
{
	MappedChunkHeader *hdr = ChunkHeader(pointer);

	dlist_delete(&hdr->node);
	context->mem_allocated -= hdr->accessible;
	if (munmap(hdr, hdr->reserved) != 0)
		elog(WARNING, "could not unmap %zu bytes: %m", hdr->reserved);
}

/*
 * MappedRealloc
 *		Grow or shrink in place; a chunk asked to grow past its reservation
 *		(only repalloc_huge can) moves to a new mapping.
 */
static void *
MappedRealloc(MemoryContext context, void *pointer, Size size)
{
	MappedChunkHeader *hdr = ChunkHeader(pointer);
	void	   *moved;

	if (MAPPED_HDRSZ + size <= hdr->reserved)
	{
		if (!MakeAccessible(context, (char *) hdr, &hdr->accessible,
							MAPPED_HDRSZ + size))
			return NULL;
		hdr->size = size;
		return pointer;
	}

	moved = MappedAlloc(context, size);
	if (moved == NULL)
		return NULL;
	memcpy(moved, pointer, hdr->size);
	MappedFree(context, pointer);
	return moved;
}

static void
MappedReset(MemoryContext context)
{
	MappedContext *set = (MappedContext *) context;
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &set->chunks)
	{
		MappedChunkHeader *hdr = dlist_container(MappedChunkHeader, node, iter.cur);

		MappedFree(context, HeaderChunk(hdr));
	}
	Assert(context->mem_allocated == 0);
}

static void
MappedDelete(MemoryContext context)
{
	MappedReset(context);
	free(context);
}

static Size
MappedGetChunkSpace(MemoryContext context, void *pointer)
{
	return ChunkHeader(pointer)->accessible;
}

static bool
MappedIsEmpty(MemoryContext context)
{
	return dlist_is_empty(&((MappedContext *) context)->chunks);
}

static void
MappedStats(MemoryContext context, MemoryStatsPrintFunc printfunc,
			void *passthru, MemoryContextCounters *totals,
			bool print_to_stderr)
{
	MappedContext *set = (MappedContext *) context;
	dlist_iter	iter;
	Size		nmappings = 0;
	Size		accessible = 0;
	Size		used = 0;

	dlist_foreach(iter, &set->chunks)
	{
		MappedChunkHeader *hdr = dlist_container(MappedChunkHeader, node, iter.cur);

		nmappings++;
		accessible += hdr->accessible;
		used += MAPPED_HDRSZ + hdr->size;
	}

	if (printfunc)
	{
		char		stats_string[200];

		snprintf(stats_string, sizeof(stats_string),
				 "%zu total in %zu mappings; %zu free; %zu used",
				 accessible, nmappings, accessible - used, used);
		printfunc(context, passthru, stats_string, print_to_stderr);
	}
	if (totals)
	{
		totals->nblocks += nmappings;
		totals->totalspace += accessible;
		totals->freespace += accessible - used;
	}
}

#ifdef MEMORY_CONTEXT_CHECKING
static void
MappedCheck(MemoryContext context)
{
	MappedContext *set = (MappedContext *) context;
	dlist_iter	iter;
	Size		accessible = 0;

	dlist_foreach(iter, &set->chunks)
	{
		MappedChunkHeader *hdr = dlist_container(MappedChunkHeader, node, iter.cur);

		if (hdr->context != context ||
			MAPPED_HDRSZ + hdr->size > hdr->accessible ||
			hdr->accessible > hdr->reserved)
			elog(WARNING, "problem in mapped memory context %s: bad chunk %p",
				 context->name, HeaderChunk(hdr));
		accessible += hdr->accessible;
	}
	if (accessible != context->mem_allocated)
		elog(WARNING, "problem in mapped memory context %s: %zu bytes accounted, %zu mapped",
			 context->name, context->mem_allocated, accessible);
}
#endif

/*
 * MappedMemoryContextCreate
 *		A new mapped memory context, child of parent.
 *
 * MemoryContextIsValid knows only the core context types' tags, so this
 * one carries AllocSet's; nothing outside aset.c reads the tag as more
 * than a validity mark, and every operation goes through the methods.
 */
MemoryContext
MappedMemoryContextCreate(MemoryContext parent, const char *name)
{
	MappedContext *set = (MappedContext *) malloc(sizeof(MappedContext));

	if (set == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed while creating memory context \"%s\".", name)));
	dlist_init(&set->chunks);
	MemoryContextCreate(&set->header, T_AllocSetContext, &MappedMethods,
						parent, name);
	return &set->header;
}

#endif							/* HAVE_MAPPED_MEMORY_CONTEXT */

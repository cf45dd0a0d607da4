/*
 * icp_arena: a chain of chunks with a bump pointer. Allocations larger than
 * a chunk get a chunk of their own. Reset keeps the first chunk so a batch
 * loop reaches a steady state with no allocation at all. Build with
 * -DICP_ARENA_DEBUG to give every allocation its own block (ASan then sees
 * overruns between neighbours).
 */
#include "core.h"


typedef struct chunk {
	struct chunk *next;
	size_t size;
	size_t used;
	/* payload follows, 16-aligned */
} chunk;

#define CHUNK_HDR ((sizeof(chunk) + 15) & ~(size_t)15)

struct icp_arena {
	chunk *head;
	size_t chunk_size;
	size_t total;
};

icp_arena *icp_arena_new(size_t chunk_size)
{
	icp_arena *a = icp_calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	return a;
}

static void free_chain(chunk *c)
{
	while (c) {
		chunk *n = c->next;
		icp_free(c);
		c = n;
	}
}

void icp_arena_free(icp_arena *a)
{
	if (!a)
		return;
	free_chain(a->head);
	icp_free(a);
}

void *icp_arena_alloc(icp_arena *a, size_t n)
{
	chunk *c;
	size_t want, sz;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
#ifndef ICP_ARENA_DEBUG
	c = a->head;
	if (c && c->size - c->used >= n) {
		void *p = (uint8_t *)c + CHUNK_HDR + c->used;
		c->used += n;
		a->total += n;
		return p;
	}
	want = n > a->chunk_size ? n : a->chunk_size;
#else
	want = n;
#endif
	if (icp_add_size(want, CHUNK_HDR, &sz))
		return NULL;
	c = icp_malloc(sz);
	if (!c)
		return NULL;
	c->size = want;
	c->used = n;
	/* A big one-off block goes behind the current chunk so the current
	 * chunk keeps serving small allocations. */
	if (a->head && want > a->chunk_size) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	a->total += n;
	return (uint8_t *)c + CHUNK_HDR;
}

void *icp_arena_memdup(icp_arena *a, const void *p, size_t n)
{
	void *d = icp_arena_alloc(a, n);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

char *icp_arena_strdup(icp_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *d = icp_arena_alloc(a, n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

void icp_arena_reset(icp_arena *a)
{
	chunk *keep = NULL, *c = a->head;

	/* Keep one standard-size chunk, free everything else. */
	while (c) {
		chunk *n = c->next;
		if (!keep && c->size == a->chunk_size) {
			keep = c;
			keep->next = NULL;
			keep->used = 0;
		} else {
			icp_free(c);
		}
		c = n;
	}
	a->head = keep;
	a->total = 0;
}

size_t icp_arena_bytes(const icp_arena *a)
{
	return a->total;
}

/*
 * coord: the pure part of balancing. Fair share is ceil(partitions /
 * members). Which partitions a worker wants is decided by rendezvous
 * hashing (highest random weight): every worker ranks every partition by
 * hash(worker, partition) and claims from the top of its own ranking, so
 * workers that start at the same moment mostly want different partitions
 * and the etcd create-if-absent race is rare. When over its share, a worker
 * gives back the bottom of its ranking, i.e. what it wanted least.
 * No etcd, no clock: unit-tested in tests/coord/test_assign.c.
 */
#include "coord/coord.h"

#include <stdlib.h>

size_t icp_coord_fair_share(size_t n_tps, size_t n_members)
{
	if (n_members == 0)
		n_members = 1;
	return n_tps / n_members + (n_tps % n_members != 0);
}

/* FNV-1a 64 then a murmur3 finalizer: FNV alone is weak in its low bits
 * for inputs that differ only in the last byte ("t/1" vs "t/2"). */
uint64_t icp_coord_score(const char *worker_id, const char *tp)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)worker_id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0) * 1099511628211ULL; /* separator: ("ab","c") != ("a","bc") */
	for (p = (const unsigned char *)tp; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

typedef struct rank_item {
	uint64_t score;
	const char *tp;
	size_t idx;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
	const rank_item *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->tp, y->tp);
}

void icp_coord_rank(const char *worker_id, const char *const *tps, size_t *idx, size_t n)
{
	rank_item *items;
	size_t i;

	if (n < 2)
		return;
	items = icp_malloc(n * sizeof(*items));
	if (!items) {
		/* Out of memory: keep the given order. Ranking only spreads the
		 * load; any order is correct. */
		return;
	}
	for (i = 0; i < n; i++) {
		items[i].tp = tps[idx[i]];
		items[i].idx = idx[i];
		items[i].score = icp_coord_score(worker_id, items[i].tp);
	}
	qsort(items, n, sizeof(*items), cmp_rank);
	for (i = 0; i < n; i++)
		idx[i] = items[i].idx;
	icp_free(items);
}

int icp_coord_split_tp(const char *tp, icp_slice *topic, int32_t *partition, icp_error *err)
{
	const char *slash = tp ? strrchr(tp, '/') : NULL;
	const char *p;
	int64_t v = 0;

	if (!slash || slash == tp || slash[1] == 0)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "coord: \"%s\" is not \"topic/partition\"", tp ? tp : "(null)");
	for (p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || v > INT32_MAX)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "coord: partition of \"%s\" is not a decimal int32", tp);
		v = v * 10 + (*p - '0');
	}
	if (v > INT32_MAX)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "coord: partition of \"%s\" is not a decimal int32", tp);
	*topic = icp_slice_make(tp, (size_t)(slash - tp));
	*partition = (int32_t)v;
	return ICP_OK;
}

/*
 * Compaction planning, pure: which small files go together into which
 * output file. Candidates are grouped by their key (spec, partition
 * tuple, schema: maint_int.h); a group with enough candidates is packed
 * first-fit decreasing, which fills bins to the target with few of them
 * and is deterministic for a given set of files (so a retried pass plans
 * the same bins). A bin of one file would rewrite it for nothing: dropped.
 */
#include "maint/maint_int.h"

#include <stdlib.h>

int icp_compact_is_small(int64_t size, int64_t target)
{
	return size >= 0 && size < target - target / 4;
}

typedef struct ord {
	size_t i;
	const icp_compact_cand *c;
} ord;

static int key_cmp(const icp_compact_cand *a, const icp_compact_cand *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = n ? memcmp(a->key, b->key, n) : 0;
	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int ord_cmp(const void *pa, const void *pb)
{
	const ord *a = pa, *b = pb;
	int c = key_cmp(a->c, b->c);
	if (c)
		return c;
	if (a->c->size != b->c->size)
		return a->c->size > b->c->size ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

void icp_compact_plan_dispose(icp_compact_plan *p)
{
	for (size_t i = 0; i < p->n_bins; i++)
		icp_free(p->bins[i].files);
	icp_free(p->bins);
	memset(p, 0, sizeof(*p));
}

/* Packs o[0..n) (one group, largest first) into new bins of p. */
static int pack(icp_compact_plan *p, const ord *o, size_t n, int64_t target, int64_t mem_cap)
{
	size_t first = p->n_bins, cap = p->n_bins + n;
	icp_compact_bin *nb = icp_realloc(p->bins, (cap ? cap : 1) * sizeof(*nb));
	if (!nb)
		return ICP_ERR_NOMEM;
	p->bins = nb;
	for (size_t k = 0; k < n; k++) {
		const icp_compact_cand *c = o[k].c;
		size_t b = first;
		for (; b < p->n_bins; b++)
			if (p->bins[b].bytes + c->size <= target &&
			    (mem_cap <= 0 || p->bins[b].mem + c->mem <= mem_cap))
				break;
		if (b == p->n_bins) {
			memset(&p->bins[b], 0, sizeof(p->bins[b]));
			/* at most n files in a bin */
			if (!(p->bins[b].files = icp_calloc(n, sizeof(size_t))))
				return ICP_ERR_NOMEM;
			p->n_bins++;
		}
		p->bins[b].files[p->bins[b].n++] = o[k].i;
		p->bins[b].bytes += c->size;
		p->bins[b].mem += c->mem;
	}
	/* drop bins of one file */
	{
		size_t w = first;
		for (size_t b = first; b < p->n_bins; b++) {
			if (p->bins[b].n < 2) {
				icp_free(p->bins[b].files);
				continue;
			}
			p->bins[w++] = p->bins[b];
		}
		p->n_bins = w;
	}
	return ICP_OK;
}

int icp_compact_plan_make(const icp_compact_cand *c, size_t n, int64_t target, int min_files,
                          int64_t mem_cap, icp_compact_plan *out)
{
	ord *o;
	int rc = ICP_OK;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return ICP_OK;
	o = icp_malloc(n * sizeof(*o));
	if (!o)
		return ICP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		o[i].i = i;
		o[i].c = &c[i];
	}
	qsort(o, n, sizeof(*o), ord_cmp);
	for (size_t s = 0; s < n && rc == ICP_OK;) {
		size_t e = s + 1;
		while (e < n && key_cmp(o[s].c, o[e].c) == 0)
			e++;
		if (e - s >= (size_t)(min_files > 0 ? min_files : 1)) {
			out->groups++;
			rc = pack(out, o + s, e - s, target, mem_cap);
		}
		s = e;
	}
	icp_free(o);
	return rc;
}

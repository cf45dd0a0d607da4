/*
 * A partition's listing: segment names parsed and .kfs/.index paired.
 *
 * Listing ahead: at the start of a poll, the LIST of every active
 * partition is sent at once on up to processor.fetch_concurrency threads,
 * instead of one after another as each partition's turn comes, with the
 * footer of its newest complete segment when the partition does not hold
 * that one yet (for the available offset). On S3 a request costs a round
 * trip (tens of ms across regions); with hundreds of idle partitions the
 * poll was the sum of them.
 *
 * Ownership: the threads exist only inside icp_parts_prelist. Each claims
 * partitions by an atomic index and writes only the `pre` of the ones it
 * claimed (the listing, the start key it listed after); the join hands
 * them back to the main thread. partition.c takes a listing only when it
 * was made after the key it would list after now (a rewind or a finished
 * segment since makes it list again itself), so a listing ahead is never
 * used for the wrong range, and a footer only for the object it was
 * fetched for; a failed one is simply not there (the partition lists or
 * fetches, and reports the error, itself).
 */
#include "processor/proc_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* ------------------------------------------------ a partition's listing */

int icp_parts_parse_u64(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;
	/* any width (brokers pad to 20 digits); must fit an int64 */
	if (n == 0 || n > 32)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* segment-<digits>.kfs / .index under the partition prefix */
static int seg_name(const char *key, size_t plen, int64_t *base, int *is_index)
{
	const char *n = key + plen, *dot;
	if (strncmp(n, "segment-", 8) != 0)
		return -1;
	dot = strrchr(n, '.');
	if (!dot || strchr(n, '/'))
		return -1;
	if (strcmp(dot, ".kfs") == 0)
		*is_index = 0;
	else if (strcmp(dot, ".index") == 0)
		*is_index = 1;
	else
		return -1;
	return icp_parts_parse_u64(n + 8, (size_t)(dot - n - 8), base);
}

static int seg_cmp(const void *a, const void *b)
{
	const icp_seg_ref *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Pairs the .kfs and .index keys of a partition's listing by base offset
 * (any decimal width), in base order. *out points into l (icp_free it). */
int icp_segs_pair(const icp_storage_listing *l, size_t plen, icp_seg_ref **out, size_t *n_out,
                         icp_error *err)
{
	size_t i, n = 0;
	icp_seg_ref *segs = icp_calloc(l->n ? l->n : 1, sizeof(*segs));
	if (!segs)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < l->n; i++) {
		int64_t base;
		int is_index;
		size_t j;
		if (seg_name(l->items[i].key, plen, &base, &is_index))
			continue;
		/* Lexical order puts a pair side by side; scan only if not. */
		if (n && segs[n - 1].base == base)
			j = n - 1;
		else
			for (j = 0; j < n && segs[j].base != base; j++)
				;
		if (j == n) {
			segs[n].base = base;
			n++;
		}
		if (is_index) {
			segs[j].index = l->items[i].key;
		} else {
			segs[j].kfs = l->items[i].key;
			segs[j].kfs_size = l->items[i].size;
		}
	}
	qsort(segs, n, sizeof(*segs), seg_cmp);
	*out = segs;
	*n_out = n;
	return ICP_OK;
}

/* ---------------------------------------------------- listing ahead */

typedef struct lister {
	icp_processor *p;
	icp_part **parts;
	size_t n;
	atomic_size_t next;
} lister;

const icp_seg_ref *icp_segs_newest_complete(const icp_seg_ref *segs, size_t n)
{
	while (n-- > 0)
		if (segs[n].kfs && segs[n].index)
			return &segs[n];
	return NULL;
}

int icp_part_avail_stale(const icp_part *pt, const char *kfs)
{
	/* fetched again while it has no END!: the object may be completed
	 * in place (same key), and segread takes this footer for its read */
	return !pt->avail_key || strcmp(pt->avail_key, kfs) != 0 || !pt->avail_footer_ok ||
	       memcmp(pt->avail_footer + 12, "END!", 4) != 0;
}

/* The footer of the newest complete segment listed, when the partition
 * does not hold it already (update_avail in partition.c would fetch it,
 * one request per partition in turn, for the available offset). */
static void newest_footer(icp_processor *p, icp_part *pt)
{
	const icp_seg_ref *s = icp_segs_newest_complete(pt->pre.segs, pt->pre.n_segs);
	icp_error e;
	icp_error_init(&e);
	if (s && icp_part_avail_stale(pt, s->kfs) && (pt->pre.foot_key = icp_strdup(s->kfs)) &&
	    icp_segread_footer(p, s, pt->pre.footer, &e) != ICP_OK) {
		icp_free(pt->pre.foot_key); /* the partition asks again itself */
		pt->pre.foot_key = NULL;
	}
}

/* The listing only: the footer stays for update_avail, after the take. */
static void drop_listing(icp_part *pt)
{
	icp_storage_list_dispose(&pt->pre.l);
	memset(&pt->pre.l, 0, sizeof(pt->pre.l));
	icp_free(pt->pre.after);
	pt->pre.after = NULL;
	icp_free(pt->pre.segs);
	pt->pre.segs = NULL;
	pt->pre.n_segs = 0;
	pt->pre.ready = 0;
}

static void *lister_main(void *arg)
{
	lister *ls = arg;
	size_t i;
	while ((i = atomic_fetch_add(&ls->next, 1)) < ls->n) {
		icp_part *pt = ls->parts[i];
		icp_error e;
		icp_error_init(&e);
		if (pt->last_key && !(pt->pre.after = icp_strdup(pt->last_key)))
			continue;
		if (icp_storage_list(ls->p->segments, pt->prefix, pt->last_key, 0, &pt->pre.l, &e) !=
		        ICP_OK ||
		    icp_segs_pair(&pt->pre.l, strlen(pt->prefix), &pt->pre.segs, &pt->pre.n_segs,
		                  &e) != ICP_OK) {
			drop_listing(pt);
			continue;
		}
		pt->pre.ready = 1;
		newest_footer(ls->p, pt);
	}
	return NULL;
}

void icp_part_prelist_drop(icp_part *pt)
{
	drop_listing(pt);
	icp_free(pt->pre.foot_key);
	pt->pre.foot_key = NULL;
}

int icp_part_prelist_footer(icp_part *pt, const char *kfs, uint8_t out[ICP_SEGMENT_FOOTER_SIZE])
{
	int same = pt->pre.foot_key && strcmp(pt->pre.foot_key, kfs) == 0;
	if (same)
		memcpy(out, pt->pre.footer, ICP_SEGMENT_FOOTER_SIZE);
	icp_free(pt->pre.foot_key);
	pt->pre.foot_key = NULL;
	return same;
}

int icp_part_prelist_take(icp_part *pt, icp_storage_listing *out, icp_seg_ref **segs,
                          size_t *n_segs)
{
	int same;
	if (!pt->pre.ready)
		return 0;
	same = pt->last_key ? pt->pre.after && strcmp(pt->pre.after, pt->last_key) == 0
	                    : pt->pre.after == NULL;
	if (same) {
		*out = pt->pre.l; /* the pairs point into its items, which move along */
		memset(&pt->pre.l, 0, sizeof(pt->pre.l));
		*segs = pt->pre.segs;
		*n_segs = pt->pre.n_segs;
		pt->pre.segs = NULL;
	}
	drop_listing(pt);
	return same;
}

void icp_parts_prelist(icp_processor *p, icp_part **parts, size_t n)
{
	pthread_t th[64];
	size_t k, started = 0, want = (size_t)p->cfg->processor.fetch_concurrency;
	lister ls;

	for (k = 0; k < n; k++) /* what an earlier poll left is stale */
		icp_part_prelist_drop(parts[k]);
	if (want > ICP_ARRAY_LEN(th))
		want = ICP_ARRAY_LEN(th);
	if (want > n)
		want = n;
	if (want < 2)
		return; /* one LIST at a time either way */
	ls.p = p;
	ls.parts = parts;
	ls.n = n;
	atomic_init(&ls.next, 0);
	for (k = 0; k < want; k++) {
		if (pthread_create(&th[k], NULL, lister_main, &ls) != 0)
			break; /* fewer threads (or none: every partition lists itself) */
		started++;
	}
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
}

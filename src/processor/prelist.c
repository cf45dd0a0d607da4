/*
 * Listing ahead: at the start of a poll, the LIST of every active
 * partition is sent at once on up to processor.fetch_concurrency threads,
 * instead of one after another as each partition's turn comes. On S3 a
 * LIST costs a round trip (tens of ms across regions); with hundreds of
 * idle partitions the poll was the sum of them.
 *
 * Ownership: the threads exist only inside icp_parts_prelist. Each claims
 * partitions by an atomic index and writes only the `pre` of the ones it
 * claimed (the listing, the start key it listed after); the join hands
 * them back to the main thread. partition.c takes a listing only when it
 * was made after the key it would list after now (a rewind or a finished
 * segment since makes it list again itself), so a listing ahead is never
 * used for the wrong range; a failed one is simply not there (the
 * partition lists, and reports the error, itself).
 */
#include "processor/proc_int.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct lister {
	icp_processor *p;
	icp_part **parts;
	size_t n;
	atomic_size_t next;
} lister;

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
		    ICP_OK) {
			icp_storage_list_dispose(&pt->pre.l);
			icp_free(pt->pre.after);
			pt->pre.after = NULL;
			continue;
		}
		pt->pre.ready = 1;
	}
	return NULL;
}

void icp_part_prelist_drop(icp_part *pt)
{
	icp_storage_list_dispose(&pt->pre.l);
	memset(&pt->pre.l, 0, sizeof(pt->pre.l));
	icp_free(pt->pre.after);
	pt->pre.after = NULL;
	pt->pre.ready = 0;
}

int icp_part_prelist_take(icp_part *pt, icp_storage_listing *out)
{
	int same;
	if (!pt->pre.ready)
		return 0;
	same = pt->last_key ? pt->pre.after && strcmp(pt->pre.after, pt->last_key) == 0
	                    : pt->pre.after == NULL;
	if (same) {
		*out = pt->pre.l;
		memset(&pt->pre.l, 0, sizeof(pt->pre.l));
	}
	icp_part_prelist_drop(pt);
	return same;
}

void icp_parts_prelist(icp_processor *p, icp_part **parts, size_t n)
{
	pthread_t th[64];
	size_t k, started = 0, want = (size_t)p->cfg->processor.fetch_concurrency;
	lister ls;

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
	for (k = 0; k < n; k++)
		icp_part_prelist_drop(parts[k]);
	for (k = 0; k < want; k++) {
		if (pthread_create(&th[k], NULL, lister_main, &ls) != 0)
			break; /* fewer threads (or none: every partition lists itself) */
		started++;
	}
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
}

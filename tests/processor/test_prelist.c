/*
 * Listing ahead (src/processor/prelist.c): the LISTs of many partitions
 * sent at once give each partition the listing it would have made itself,
 * and a listing made after another key than the partition's current one
 * is never used.
 */
#include "processor/proc_int.h"

#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NPART 40

static void test_prelist(void)
{
	char dir[] = "/tmp/icp-prelist-XXXXXX", url[64], key[128];
	icp_config cfg;
	icp_processor p;
	icp_part *parts[NPART], *pt;
	icp_storage_listing l;
	icp_seg_ref *pairs = NULL;
	size_t n_pairs = 0;
	icp_error err;
	int i, j;

	icp_error_init(&err);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(url, sizeof(url), "file://%s", dir);
	memset(&p, 0, sizeof(p));
	memset(&cfg, 0, sizeof(cfg));
	cfg.processor.fetch_concurrency = 8;
	p.cfg = &cfg;
	CHECK_EQ_INT(icp_storage_open(url, &p.segments, &err), ICP_OK);
	for (i = 0; i < NPART; i++) {
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "t/%d/", i);
		for (j = 0; j < i % 5 + 1; j++) {
			/* 48 bytes ending in a footer that names the segment */
			char body[49];
			snprintf(body, sizeof(body), "%032d%012d%s", 0, i * 1000 + j, "END!");
			snprintf(key, sizeof(key), "%ssegment-%020d.kfs", prefix, j * 100);
			CHECK_EQ_INT(icp_storage_put(p.segments, key, icp_slice_make(body, 48), 0, &err),
			             ICP_OK);
			if (i % 3 == 0) { /* complete pairs here: their newest footer comes ahead */
				snprintf(key, sizeof(key), "%ssegment-%020d.index", prefix, j * 100);
				CHECK_EQ_INT(icp_storage_put(p.segments, key, icp_slice_cstr("i"), 0, &err),
				             ICP_OK);
			}
		}
		parts[i] = icp_calloc(1, sizeof(icp_part));
		parts[i]->prefix = icp_strdup(prefix);
		if (i % 2) { /* listed after its first segment */
			snprintf(key, sizeof(key), "%ssegment-%020d.kfs", prefix, 0);
			parts[i]->last_key = icp_strdup(key);
		}
	}
	icp_parts_prelist(&p, parts, NPART);
	for (i = 0; i < NPART; i++) {
		int paired = i % 3 == 0, segs = i % 5 + 1;
		size_t want = (size_t)((segs - i % 2) * (paired ? 2 : 1));
		uint8_t f[ICP_SEGMENT_FOOTER_SIZE];
		pt = parts[i];
		CHECK(pt->pre.ready);
		memset(&l, 0, sizeof(l));
		if (i % 7 == 3) { /* moved on since: the listing is not for it */
			icp_free(pt->last_key);
			pt->last_key = icp_strdup("t/zzz");
			CHECK_EQ_INT(icp_part_prelist_take(pt, &l, &pairs, &n_pairs), 0);
			CHECK_EQ_INT((int)l.n, 0);
		} else {
			CHECK_EQ_INT(icp_part_prelist_take(pt, &l, &pairs, &n_pairs), 1);
			CHECK_EQ_INT((int)l.n, (int)want);
			CHECK_EQ_INT((int)n_pairs, segs - i % 2); /* paired as listed */
		}
		CHECK(!pt->pre.ready && pt->pre.l.n == 0 && pt->pre.after == NULL);
		CHECK_EQ_INT(icp_part_prelist_take(pt, &l, &pairs, &n_pairs), 0); /* taken once */
		icp_storage_list_dispose(&l);
		icp_free(pairs);
		pairs = NULL;
		/* the newest complete segment's footer came too (where the
		 * listing has a complete pair), for that object only, once */
		snprintf(key, sizeof(key), "t/%d/segment-%020d.kfs", i, (segs - 1) * 100);
		if (paired && want) {
			char body[49];
			snprintf(body, sizeof(body), "%032d%012d%s", 0, i * 1000 + segs - 1, "END!");
			if (i % 2) {
				CHECK_EQ_INT(icp_part_prelist_footer(pt, "t/other.kfs", f), 0);
				CHECK_EQ_INT(icp_part_prelist_footer(pt, key, f), 0); /* dropped */
			} else {
				CHECK_EQ_INT(icp_part_prelist_footer(pt, key, f), 1);
				CHECK(memcmp(f, body + 32, ICP_SEGMENT_FOOTER_SIZE) == 0);
				CHECK_EQ_INT(icp_part_prelist_footer(pt, key, f), 0);
			}
		} else {
			CHECK_EQ_INT(icp_part_prelist_footer(pt, key, f), 0);
		}
	}
	/* a partition that holds that footer already is not asked again */
	pt = parts[0];
	pt->avail_key = icp_strdup("t/0/segment-00000000000000000000.kfs");
	memcpy(pt->avail_footer + 12, "END!", 4);
	pt->avail_footer_ok = 1;
	icp_parts_prelist(&p, parts, NPART);
	CHECK(pt->pre.ready && pt->pre.foot_key == NULL);
	icp_free(pt->avail_key);
	/* one thread allowed: nothing is listed ahead */
	cfg.processor.fetch_concurrency = 1;
	icp_parts_prelist(&p, parts, NPART);
	CHECK(!parts[0]->pre.ready);
	for (i = 0; i < NPART; i++) {
		icp_part_prelist_drop(parts[i]);
		icp_free(parts[i]->prefix);
		icp_free(parts[i]->last_key);
		icp_free(parts[i]);
	}
	icp_storage_free(p.segments);
	snprintf(key, sizeof(key), "rm -rf %s", dir);
	CHECK_EQ_INT(system(key), 0);
}

int main(void)
{
	TEST_RUN(test_prelist);
	return TEST_DONE();
}

/*
 * Discovery and reading, per topic-partition.
 *
 * Keys: {namespace}/{topic}/{partition}/segment-{base}.kfs|.index. A poll
 * lists a partition's prefix after the last segment it finished (so a
 * processed segment is never listed or read again while the process
 * lives), pairs .kfs with .index, and reads complete segments in base
 * offset order. It stops at the first segment whose .index is missing: an
 * upload in progress, retried next poll. A segment whose successor starts
 * at or below the partition's next offset holds nothing new and is skipped
 * unread; otherwise reading starts at the index entry for the next offset.
 */
#include "processor/proc_int.h"

#include "log/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct seg {
	int64_t base;
	const char *kfs;
	uint64_t kfs_size;
	const char *index;
} seg;

static int parse_u64(const char *s, size_t n, int64_t *out)
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

static icp_part *find_part(icp_processor *p, const icp_table *t, int32_t partition)
{
	size_t i;
	for (i = 0; i < p->n_parts; i++)
		if (p->parts[i]->table == t && p->parts[i]->partition == partition)
			return p->parts[i];
	return NULL;
}

static int add_part(icp_processor *p, icp_table *t, const char *prefix, int32_t partition,
                    icp_error *err)
{
	icp_part *pt;
	icp_buf tp, pre;
	int64_t next;
	char num[16];

	if (p->n_parts == p->cap_parts) {
		size_t ncap = p->cap_parts ? p->cap_parts * 2 : 16;
		icp_part **np = icp_realloc(p->parts, ncap * sizeof(*np));
		if (!np)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		p->parts = np;
		p->cap_parts = ncap;
	}
	pt = icp_calloc(1, sizeof(*pt));
	if (!pt)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	snprintf(num, sizeof(num), "%d", partition);
	icp_buf_init(&tp, 0);
	icp_buf_init(&pre, 0);
	icp_buf_printf(&tp, "%s/%s", t->map->topic, num);
	icp_buf_printf(&pre, "%s%s/", prefix, num);
	pt->topic = icp_strdup(t->map->topic);
	pt->partition = partition;
	pt->tp = (char *)icp_buf_detach(&tp, NULL);
	pt->prefix = (char *)icp_buf_detach(&pre, NULL);
	pt->table = t;
	if (!pt->topic || !pt->tp || !pt->prefix) {
		icp_free(pt->topic);
		icp_free(pt->tp);
		icp_free(pt->prefix);
		icp_free(pt);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	next = icp_offsets_get(&t->committed, pt->tp);
	pt->committed_next = pt->next = next < 0 ? 0 : next;
	pt->last_ts = -1;
	pt->committed_ts = -1;
	pt->avail_last = -1;
	pt->owned = p->coord == NULL; /* with leases: once claimed */
	pt->stop_base = -1;
	pt->stop_offset = -1;
	icp_obs_part_init(p, pt);
	p->parts[p->n_parts++] = pt;
	ICP_DEBUG("partition discovered", "topic", pt->topic, "partition", num, "table",
	         t->map->table);
	return ICP_OK;
}

static int topic_prefix(icp_processor *p, const icp_table *t, icp_buf *prefix, icp_error *err)
{
	icp_buf_init(prefix, 0);
	if (p->cfg->s3.namespace[0])
		icp_buf_printf(prefix, "%s/", p->cfg->s3.namespace);
	icp_buf_printf(prefix, "%s/", t->map->topic);
	if (prefix->status) {
		icp_buf_dispose(prefix);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	return ICP_OK;
}

int icp_parts_add(icp_processor *p, icp_table *t, int32_t partition, icp_error *err)
{
	icp_buf prefix;
	int rc;
	if (partition < 0 || find_part(p, t, partition))
		return ICP_OK;
	rc = topic_prefix(p, t, &prefix, err);
	if (rc == ICP_OK)
		rc = add_part(p, t, (char *)prefix.data, partition, err);
	icp_buf_dispose(&prefix);
	return rc;
}

int icp_parts_discover(icp_processor *p, icp_error *err)
{
	size_t i, j;
	int rc = ICP_OK;

	/* discovery.mode: etcd (the KafScale metadata snapshot), auto (the
	 * snapshot when there is one, else S3), s3 (list the bucket) */
	if (p->cfg->discovery.mode != ICP_DISCOVERY_S3 && p->coord) {
		rc = icp_proc_coord_discover(p, err);
		if (rc == ICP_OK || rc != ICP_ERR_NOT_FOUND ||
		    p->cfg->discovery.mode == ICP_DISCOVERY_ETCD)
			return rc;
		icp_error_clear(err);
		rc = ICP_OK;
	}

	for (i = 0; i < p->n_tables && rc == ICP_OK; i++) {
		icp_table *t = &p->tables[i];
		icp_storage_listing l = {0};
		icp_buf prefix;
		rc = topic_prefix(p, t, &prefix, err);
		if (rc != ICP_OK)
			return rc;
		rc = icp_storage_list(p->segments, (char *)prefix.data, NULL, 1, &l, err);
		for (j = 0; rc == ICP_OK && j < l.n; j++) {
			const char *k = l.items[j].key + prefix.len;
			size_t n = strlen(k);
			int64_t part;
			if (!l.items[j].is_prefix || n < 2 || parse_u64(k, n - 1, &part) ||
			    part > INT32_MAX)
				continue; /* not a partition folder */
			if (!find_part(p, t, (int32_t)part))
				rc = add_part(p, t, (char *)prefix.data, (int32_t)part, err);
		}
		icp_storage_list_dispose(&l);
		icp_buf_dispose(&prefix);
	}
	return rc;
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
	return parse_u64(n + 8, (size_t)(dot - n - 8), base);
}

static int seg_cmp(const void *a, const void *b)
{
	const seg *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* The segment reader's source: the streaming object reader, plus the
 * footer this poll already fetched, so the reader's footer check costs no
 * second request. */
typedef struct seg_src {
	icp_storage_reader *r;
	uint8_t footer[ICP_SEGMENT_FOOTER_SIZE];
	uint64_t footer_pos;
} seg_src;

static int src_read(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err)
{
	seg_src *s = ctx;
	return s->r->read(s->r, buf, n, got, err);
}

static int src_read_at(void *ctx, uint64_t pos, uint8_t *buf, size_t n, icp_error *err)
{
	seg_src *s = ctx;
	if (pos == s->footer_pos && n == ICP_SEGMENT_FOOTER_SIZE) {
		memcpy(buf, s->footer, n);
		return ICP_OK;
	}
	if (!s->r->read_at)
		return icp_error_set(err, ICP_ERR_INVALID, "object reader cannot seek");
	return s->r->read_at(s->r, pos, buf, n, err);
}

/* Reads one complete segment from the partition's next offset.
 *
 * Requests: one 16-byte ranged GET of the footer (completeness, and the
 * segment's last offset, so a segment holding nothing new is never
 * downloaded), then one streaming GET of the .kfs from where reading
 * starts. The .index is fetched only when reading starts inside the
 * segment (after a restart or a rewind), to seek with a ranged GET.
 * *sink_failed tells the caller the table's open data file may be
 * inconsistent (a write into the warehouse failed). */
static int read_segment(icp_processor *p, icp_part *pt, const seg *s, int *progress,
                        int *sink_failed, icp_error *err)
{
	icp_buf ib;
	icp_segment_index idx;
	icp_storage_reader *sr = NULL;
	icp_segment_reader *r = NULL;
	icp_segment_source src;
	seg_src ss;
	icp_batch b;
	icp_table *t = pt->table;
	uint64_t start = 0;
	int64_t last;
	int rc;

	memset(&idx, 0, sizeof(idx));
	icp_buf_init(&ib, 64u << 20);
	/* Complete means the .kfs ends with END!: without it the object is
	 * still being written (not corrupt): wait for it. */
	if (s->kfs_size < ICP_SEGMENT_HEADER_SIZE + ICP_SEGMENT_FOOTER_SIZE)
		return ICP_END;
	rc = icp_storage_read_range(p->segments, s->kfs, s->kfs_size - ICP_SEGMENT_FOOTER_SIZE,
	                            ICP_SEGMENT_FOOTER_SIZE, &ib, err);
	if (rc != ICP_OK)
		goto out;
	if (ib.len != ICP_SEGMENT_FOOTER_SIZE || memcmp(ib.data + 12, "END!", 4) != 0) {
		rc = ICP_END;
		goto out;
	}
	memcpy(ss.footer, ib.data, ICP_SEGMENT_FOOTER_SIZE);
	ss.footer_pos = s->kfs_size - ICP_SEGMENT_FOOTER_SIZE;
	last = (int64_t)icp_load_be64(ib.data + 4);
	if (last > pt->avail_last)
		pt->avail_last = last;
	if (last >= 0 && last < pt->next) {
		rc = ICP_OK; /* all of it is committed or buffered already */
		goto out;
	}
	icp_buf_reset(&ib);
	if (pt->next > s->base) {
		const icp_index_entry *e;
		rc = icp_storage_get(p->segments, s->index, &ib, err);
		if (rc == ICP_OK)
			rc = icp_segment_index_parse(icp_slice_make(ib.data, ib.len), s->index,
			                             s->kfs_size, &idx, err);
		if (rc != ICP_OK)
			goto out;
		e = icp_segment_index_seek(&idx, pt->next);
		if (e)
			start = e->position;
	}
	rc = icp_storage_reader_open(p->segments, s->kfs, start, &sr, err);
	if (rc != ICP_OK)
		goto out;
	memset(&src, 0, sizeof(src));
	ss.r = sr;
	src.ctx = &ss;
	src.read = src_read;
	src.read_at = src_read_at;
	src.size = sr->size;
	src.start = start;
	src.name = s->kfs;
	rc = icp_segment_reader_new(&src, &p->seg_opts, &r, err);
	if (rc != ICP_OK)
		goto out;
	if (idx.n_entries)
		icp_segment_reader_check_index(r, &idx);
	while ((rc = icp_segment_reader_next(r, &b, err)) == ICP_OK) {
		size_t n = 0;
		if (b.last_offset < pt->next)
			continue;
		if (b.n_records) {
			uint64_t t0 = icp_mono_ns();
			icp_batch fb;
			int64_t stop_at = -1;
			icp_rows_out ro;
			rc = icp_filter_batch(p, pt, &b, &fb, &stop_at, err);
			if (rc != ICP_OK)
				goto out; /* nothing appended: read again from here */
			rc = icp_table_file_ready(p, t, err);
			if (rc == ICP_OK)
				rc = icp_rows_append(t, pt, &fb, pt->next,
				                     p->cfg->schema.mode == ICP_SCHEMA_STRICT, &ro, err);
			if (rc != ICP_OK) {
				*sink_failed = 1;
				goto out;
			}
			n = ro.written;
			if (ro.stop_at >= 0)
				stop_at = ro.stop_at; /* before the filter's, if any */
			if (ro.invalid)
				icp_metrics_counter_add(t->m_invalid, ro.invalid);
			if (n) {
				t->dirty = 1;
				t->pending_rows += n;
				*progress = 1;
				icp_metrics_counter_add(t->m_written, n);
				icp_metrics_counter_inc(t->m_batches);
			}
			if (ro.below)
				icp_metrics_counter_add(t->m_dropped, ro.below);
			icp_metrics_histogram_observe(t->m_latency,
			                              (double)(icp_mono_ns() - t0) / 1e6);
			if (stop_at >= 0) {
				/* strict mode met an invalid record: nothing at or
				 * past it is read (filter.c logged it) */
				pt->next = stop_at;
				pt->stopped = 1;
				pt->stop_offset = stop_at;
				p->any_corrupt = 1;
				rc = ICP_END; /* segment not finished: not marked read */
				goto out;
			}
		}
		pt->next = b.last_offset + 1;
		rc = icp_table_file_maybe_roll(p, t, err);
		if (rc != ICP_OK) {
			*sink_failed = 1;
			goto out;
		}
		/* Past the shutdown deadline: stop here; what was read so far
		 * is consistent (next is per batch) and may still commit. */
		if (icp_once_batch_done(p, pt, &b)) {
			rc = ICP_END; /* not finished: never marked as read */
			goto out;
		}
	}
	if (rc == ICP_END) {
		rc = ICP_OK;
		icp_metrics_counter_inc(t->m_segments);
	}
	icp_metrics_counter_add(t->m_bytes, sr->size - start);
out:
	icp_segment_reader_free(r);
	icp_storage_reader_close(sr);
	icp_segment_index_dispose(&idx);
	icp_buf_dispose(&ib);
	return rc;
}

int icp_part_poll(icp_processor *p, icp_part *pt, int *progress, icp_error *err)
{
	icp_storage_listing l = {0};
	seg *segs = NULL;
	size_t i, n = 0, plen = strlen(pt->prefix);
	int rc;

	if (pt->stop_offset >= 0 && pt->next >= pt->stop_offset)
		return ICP_OK; /* stopped at an invalid record (strict) */
	rc = icp_storage_list(p->segments, pt->prefix, pt->last_key, 0, &l, err);
	if (rc != ICP_OK)
		goto out;
	segs = icp_calloc(l.n ? l.n : 1, sizeof(*segs));
	if (!segs) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Pair .kfs with .index by base offset (any decimal width). */
	for (i = 0; i < l.n; i++) {
		int64_t base;
		int is_index;
		size_t j;
		if (seg_name(l.items[i].key, plen, &base, &is_index))
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
			segs[j].index = l.items[i].key;
		} else {
			segs[j].kfs = l.items[i].key;
			segs[j].kfs_size = l.items[i].size;
		}
	}
	qsort(segs, n, sizeof(*segs), seg_cmp);
	for (i = 0; i < n; i++) {
		const seg *s = &segs[i];
		if (!s->kfs || !s->index)
			break; /* upload in progress: stop, keep order */
		if (pt->stop_base >= 0 && s->base >= pt->stop_base)
			break; /* stopped at a corrupt segment: nothing from it on */
		if (p->stop && *p->stop)
			break; /* stopping: keep the rest for later */
		if (!(i + 1 < n && segs[i + 1].base <= pt->next && segs[i + 1].kfs)) {
			int sink_failed = 0;
			icp_once_segment_begin(p, pt, n - i);
			rc = read_segment(p, pt, s, progress, &sink_failed, err);
			if (rc == ICP_END) {
				rc = ICP_OK;
				break; /* no footer yet: an upload in progress */
			}
			if (rc == ICP_ERR_CORRUPT || rc == ICP_ERR_TOO_LARGE) {
				char num[16];
				snprintf(num, sizeof(num), "%d", pt->partition);
				pt->stopped = 1;
				pt->stop_base = s->base;
				icp_free(pt->error);
				pt->error = icp_strdup(err->msg);
				p->any_corrupt = 1;
				icp_metrics_counter_inc(p->m_err_decode);
				ICP_ERROR("corrupt segment: partition stopped", "topic", pt->topic,
				          "partition", num, "key", s->kfs, "err", err->msg);
				/* Records of the bad segment may be in the open file:
				 * drop the table's uncommitted data; its partitions
				 * (this one up to the bad segment) are read again. */
				icp_table_discard(p, pt->table, "corrupt segment in one of its partitions");
				*progress = 1;
				icp_error_clear(err);
				rc = ICP_OK;
				goto out;
			}
			if (rc != ICP_OK && sink_failed) {
				/* The open data file may hold part of a batch: drop the
				 * table's uncommitted data; its partitions rewind. */
				icp_metrics_counter_inc(p->m_err_sink);
				icp_table_discard(p, pt->table, "writing a data file failed");
			}
			if (rc != ICP_OK)
				goto out;
		}
		icp_free(pt->last_key);
		pt->last_key = icp_strdup(s->kfs);
		if (!pt->last_key) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	icp_free(segs);
	icp_storage_list_dispose(&l);
	return rc;
}

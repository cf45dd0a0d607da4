/*
 * Discovery and polling, per topic-partition, and the partition's
 * position: only the functions of this file write pt->next,
 * committed_next, last_ts/committed_ts, stopped/stop_* and error (others
 * call icp_part_advance, _stop_at, _committed, _reset, ...); it moves
 * back only through rewind_to.
 *
 * Keys: {namespace}/{topic}/{partition}/segment-{base}.kfs|.index. A poll
 * lists a partition's prefix after the last segment the writing pass
 * finished (so a processed segment is never listed or read again while
 * the process lives), pairs .kfs with .index, and reads complete segments
 * in base offset order. It stops at the first segment that is not
 * complete (.index or END! footer missing): an upload in progress,
 * retried next poll, reported as a stall when complete segments follow
 * it for processor.stall_warning_seconds. Only names decide what is
 * skipped: a segment whose successor starts at or below the read position
 * holds nothing new; any other is read (from the index entry for the read
 * position, see segread.c).
 */
#include "processor/txn_int.h"

#include "log/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef icp_seg_ref seg;

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
	if (t->map->isolation_level == ICP_ISOLATION_READ_COMMITTED) {
		pt->txn = icp_txn_new(pt->next);
		if (!pt->txn) {
			icp_part_free(pt);
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		}
	}
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
			if (!l.items[j].is_prefix || n < 2 || icp_parts_parse_u64(k, n - 1, &part) ||
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

void icp_part_free(icp_part *pt)
{
	if (!pt)
		return;
	icp_segread_close(pt);
	icp_segread_ahead_close(pt);
	icp_segread_forget_index(pt);
	icp_part_prelist_drop(pt);
	icp_free(pt->topic);
	icp_free(pt->tp);
	icp_free(pt->prefix);
	icp_free(pt->last_key);
	icp_free(pt->error);
	icp_free(pt->avail_key);
	icp_free(pt->stall_key);
	icp_txn_free(pt->txn);
	icp_free(pt);
}

/* The available offset: the newest complete pair's footer (fetched once
 * per new newest segment, kept for its read), else what the names say.
 * Computed before reading, so lag is right while a backlog is read. An
 * error only leaves the estimate as it was. */
static void update_avail(icp_processor *p, icp_part *pt, const seg *segs, size_t n)
{
	const seg *s = icp_segs_newest_complete(segs, n);
	int64_t avail;
	if (!s)
		return;
	avail = s->base - 1; /* everything before it, by the names */
	if (icp_part_avail_stale(pt, s->kfs)) {
		icp_error e;
		if (!pt->avail_key || strcmp(pt->avail_key, s->kfs) != 0) {
			icp_free(pt->avail_key);
			pt->avail_key = icp_strdup(s->kfs);
		}
		icp_error_init(&e);
		pt->avail_footer_ok =
			pt->avail_key && (icp_part_prelist_footer(pt, s->kfs, pt->avail_footer) ||
			                  icp_segread_footer(p, s, pt->avail_footer, &e) == ICP_OK);
	}
	if (pt->avail_footer_ok && memcmp(pt->avail_footer + 12, "END!", 4) == 0) {
		/* a hint, not trusted below the segment's own base */
		int64_t last = (int64_t)icp_load_be64(pt->avail_footer + 4);
		avail = last >= s->base ? last : s->base;
	}
	if (avail > pt->avail_last)
		pt->avail_last = avail;
}

/* Stall: the partition waits on `key` (incomplete) while `later`
 * complete segments follow it. Reported after stall_warning_seconds,
 * then again every stall_warning_seconds; cleared when it moves. */
static void update_stall(icp_processor *p, icp_part *pt, const char *key, int later)
{
	int64_t now = icp_now_ms(), after = p->cfg->processor.stall_warning_seconds * 1000;
	if (!key || !later) {
		if (pt->stalled) {
			char num[16];
			snprintf(num, sizeof(num), "%d", pt->partition);
			ICP_INFO("partition no longer stalled", "topic", pt->topic, "partition", num);
		}
		icp_free(pt->stall_key);
		pt->stall_key = NULL;
		pt->stalled = 0;
		icp_metrics_gauge_set(pt->m_stalled, 0);
		return;
	}
	if (!pt->stall_key || strcmp(pt->stall_key, key) != 0) {
		icp_free(pt->stall_key);
		pt->stall_key = icp_strdup(key);
		pt->stall_since_ms = now;
		pt->stall_warned_ms = 0;
		pt->stalled = 0;
		icp_metrics_gauge_set(pt->m_stalled, 0);
		return;
	}
	if (now - pt->stall_since_ms < after)
		return;
	pt->stalled = 1;
	icp_metrics_gauge_set(pt->m_stalled, 1);
	if (!pt->stall_warned_ms || now - pt->stall_warned_ms >= after) {
		char num[16], secs[24], n[16];
		snprintf(num, sizeof(num), "%d", pt->partition);
		snprintf(secs, sizeof(secs), "%lld", (long long)((now - pt->stall_since_ms) / 1000));
		snprintf(n, sizeof(n), "%d", later);
		pt->stall_warned_ms = now;
		ICP_WARN("partition stalled: waiting on an incomplete segment while later complete "
		         "segments exist", "topic", pt->topic, "partition", num, "key", key,
		         "waiting_seconds", secs, "complete_segments_after", n);
	}
}

/* A complete segment failed a check: the partition stops before it. */
static void stop_corrupt(icp_processor *p, icp_part *pt, const seg *s, icp_error *err)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", pt->partition);
	icp_part_stop_before(pt, s->base);
	icp_part_set_error(pt, err->msg);
	p->any_corrupt = 1;
	icp_metrics_counter_inc(p->m_err_decode);
	ICP_ERROR("corrupt segment: partition stopped", "topic", pt->topic, "partition", num, "key",
	          s->kfs, "err", err->msg);
	/* Records of the bad segment may be in the open file: drop the
	 * table's uncommitted data; its partitions (this one up to the bad
	 * segment) are read again. */
	icp_table_discard(p, pt->table, "corrupt segment in one of its partitions");
	icp_error_clear(err);
}

/* Lists the partition after the last segment the writing pass finished
 * (or takes the listing made ahead) and pairs its segments. */
static int list_segments(icp_processor *p, icp_part *pt, icp_storage_listing *l, seg **out,
                         size_t *n_out, icp_error *err)
{
	int rc;
	if (icp_part_prelist_take(pt, l, out, n_out))
		return ICP_OK;
	rc = icp_storage_list(p->segments, pt->prefix, pt->last_key, 0, l, err);
	if (rc != ICP_OK)
		return rc;
	return icp_segs_pair(l, strlen(pt->prefix), out, n_out, err);
}

/* The segment the next partition's turn will read first, from its
 * listing made ahead: after pt's last listed segment the read-ahead may
 * start on it (segread.c). Only a whole-object read (the position at the
 * segment's base) can use a body fetched ahead; none when the next
 * partition is stopped or has nothing listed. */
static void next_turn_segment(icp_processor *p, icp_part *pt, seg *last)
{
	size_t i, k, n;
	icp_part *q = NULL;
	const seg *segs;
	for (i = 0; i < p->n_parts && p->parts[i] != pt; i++)
		;
	for (i++; i < p->n_parts; i++)
		if (icp_part_active(p, p->parts[i])) {
			q = p->parts[i];
			break;
		}
	if (!q || !q->pre.ready || q->stopped || q->stop_base >= 0 ||
	    (q->stop_offset >= 0 && q->next >= q->stop_offset))
		return;
	segs = q->pre.segs;
	n = q->pre.n_segs;
	for (k = 0; k < n; k++) {
		if (!segs[k].kfs || !segs[k].index || (k + 1 < n && segs[k + 1].base <= q->next))
			continue;
		if (segs[k].base == q->next) {
			last->next_kfs = segs[k].kfs; /* lives in q's listing until its turn */
			last->next_kfs_size = segs[k].kfs_size;
			last->next_part = q;
		}
		break;
	}
}

static int complete_after(const seg *segs, size_t n, size_t i)
{
	int k = 0;
	for (i++; i < n; i++)
		k += segs[i].kfs && segs[i].index;
	return k;
}

/* The writing pass finished segment i when the next name starts at or
 * below its position, or when it read i to its end and waits on nothing. */
static int set_last_key(icp_part *pt, const seg *s, icp_error *err)
{
	icp_free(pt->last_key);
	pt->last_key = icp_strdup(s->kfs);
	return pt->last_key ? ICP_OK : icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
}

int icp_part_poll(icp_processor *p, icp_part *pt, int *progress, int *more, icp_error *err)
{
	icp_storage_listing l = {0};
	seg *segs = NULL;
	const char *waiting = NULL;
	size_t i, n = 0;
	int rc, later = 0;

	*more = 0;
	icp_segread_sync(pt); /* a rewind since the last turn: reading state goes */
	if (pt->stop_offset >= 0 && pt->next >= pt->stop_offset)
		return ICP_OK; /* stopped at an invalid record (strict) */
	rc = list_segments(p, pt, &l, &segs, &n, err);
	if (rc != ICP_OK)
		goto out;
	update_avail(p, pt, segs, n);
again:
	for (i = 0; i < n; i++) {
		const seg *s = &segs[i];
		int64_t from = icp_part_read_pos(pt);
		int sink_failed = 0;
		if (!s->kfs || !s->index) {
			/* an upload in progress: stop, keep order */
			waiting = s->kfs ? s->kfs : s->index;
			later = complete_after(segs, n, i);
			break;
		}
		if (pt->stop_base >= 0 && s->base >= pt->stop_base)
			break; /* stopped at a corrupt segment: nothing from it on */
		if (p->stop && *p->stop)
			break; /* stopping: keep the rest for later */
		if (icp_proc_turn_over(p)) {
			*more = 1;
			break;
		}
		/* The names decide: a segment whose successor starts at or
		 * below the read position holds nothing to read. */
		if (i + 1 < n && segs[i + 1].base <= from) {
			if (segs[i + 1].base <= pt->next && (rc = set_last_key(pt, s, err)) != ICP_OK)
				goto out;
			continue;
		}
		icp_once_segment_begin(p, pt, n - i);
		if (i + 1 < n && segs[i + 1].kfs && segs[i + 1].index) {
			segs[i].next_kfs = segs[i + 1].kfs;
			segs[i].next_kfs_size = segs[i + 1].kfs_size;
		} else if (i + 1 == n) {
			next_turn_segment(p, pt, &segs[i]);
		}
		rc = icp_segread(p, pt, s, from, progress, &sink_failed, err);
		if (rc == ICP_AGAIN) {
			rc = ICP_OK;
			goto again; /* the read position moved (transactions) */
		}
		if (rc == ICP_YIELD) {
			*more = 1; /* another turn is owed; nothing is waiting */
			rc = ICP_OK;
			goto out;
		}
		if (rc == ICP_END) {
			rc = ICP_OK;
			if (!pt->stopped && !(p->stop && *p->stop)) {
				waiting = s->kfs; /* no footer yet: an upload in progress */
				later = complete_after(segs, n, i);
			}
			break;
		}
		if (rc == ICP_ERR_CORRUPT || rc == ICP_ERR_TOO_LARGE) {
			stop_corrupt(p, pt, s, err);
			*progress = 1;
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
		if (icp_part_read_pos(pt) == pt->next && (rc = set_last_key(pt, s, err)) != ICP_OK)
			goto out;
	}
	update_stall(p, pt, waiting, later);
out:
	icp_free(segs);
	icp_storage_list_dispose(&l);
	return rc;
}

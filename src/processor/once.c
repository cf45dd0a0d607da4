/*
 * --once as a batch job run by hand: progress lines while it reads, a
 * closing summary, and leaving nothing behind that a stop abandons.
 *
 * Progress (info level, every processor.progress_interval_seconds, one
 * line per table that has read something or has segments left): records
 * written so far, MB/s of batch bytes read since the last line, segments
 * done and segments left. Segments left come from the listing each
 * partition poll already makes (icp_once_segment_begin is told how many
 * listed segments remain from the one being read on); a segment counts as
 * done when the partition's last fully read key moves past it. Partitions
 * not listed yet in this run count nothing: no request is made for
 * progress. The time check is one monotonic clock read per batch
 * (icp_once_batch_done, called from the read loop), so a segment that
 * takes minutes still reports.
 *
 * Stopping: the read loop asks icp_once_batch_done after every batch
 * whether to stop. In --once it stops at the first batch boundary after
 * a SIGINT/SIGTERM (what was read so far is consistent and is committed);
 * in run mode only past the shutdown deadline, as before. A second signal
 * in --once (*p->stop == 2) aborts: commit retries give up
 * (icp_processor_past_deadline), tables not committed yet are skipped and
 * their data is abandoned (icp_once_abandon).
 *
 * Abandoning (icp_once_abandon, at the end of --once and of run mode):
 * whatever is still uncommitted (the open data file, closed data files of
 * a commit that definitely failed) is dropped through icp_table_discard,
 * which aborts the open file and deletes the closed ones unless the table
 * is in doubt (commit-protocol.md: files of a commit with an unknown
 * outcome are never deleted).
 *
 * State lives in p->once (NULL outside --once: every hook is then a
 * no-op apart from the deadline check). Partitions are found by pointer;
 * reading is sequential, so the last one found is cached.
 */
#include "processor/proc_int.h"

#include "log/log.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct once_part {
	const icp_part *pt;
	int64_t from;      /* committed next offset when first seen */
	int64_t read_to;   /* pt->next before an abandon, -1: none */
	uint64_t done;     /* segments read to their end in this run */
	uint64_t left;     /* listed segments not passed yet */
	int reading;       /* a segment began and has not been passed */
	char *key;         /* pt->last_key at the last look (copy) */
} once_part;

typedef struct once_table {
	int64_t start_main;     /* main snapshot at the start, -1: none */
	int64_t start_commit_ms;
	uint64_t bytes;         /* batch bytes read */
	uint64_t bytes_line;    /* ... at the last progress line */
	uint64_t abandoned;     /* rows dropped uncommitted at the end */
	int active;             /* read something since the last line */
} once_table;

struct icp_once {
	uint64_t interval_ns, start_ns, line_ns;
	once_table *tables;
	once_part *parts;
	size_t n_parts, cap_parts, hint;
};

static const char *u64s(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "%llu", (unsigned long long)v);
	return buf;
}

static const char *i64s(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

int icp_once_begin(icp_processor *p, icp_error *err)
{
	icp_once *o;
	size_t i;

	o = icp_calloc(1, sizeof(*o));
	if (o)
		o->tables = icp_calloc(p->n_tables ? p->n_tables : 1, sizeof(*o->tables));
	if (!o || !o->tables) {
		icp_free(o);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	o->interval_ns = (uint64_t)p->cfg->processor.progress_interval_seconds * 1000000000u;
	o->start_ns = o->line_ns = icp_mono_ns();
	for (i = 0; i < p->n_tables; i++) {
		o->tables[i].start_main = icp_ice_metadata_main_snapshot(p->tables[i].meta);
		o->tables[i].start_commit_ms = p->tables[i].last_commit_ms;
	}
	icp_once_free(p->once);
	p->once = o;
	return ICP_OK;
}

void icp_once_free(icp_once *o)
{
	size_t i;
	if (!o)
		return;
	for (i = 0; i < o->n_parts; i++)
		icp_free(o->parts[i].key);
	icp_free(o->parts);
	icp_free(o->tables);
	icp_free(o);
}

/* The state of pt, added on first sight (NULL only when out of memory:
 * progress then simply leaves it out). */
static once_part *find_part(icp_once *o, const icp_part *pt)
{
	size_t i;
	if (o->hint < o->n_parts && o->parts[o->hint].pt == pt)
		return &o->parts[o->hint];
	for (i = 0; i < o->n_parts; i++)
		if (o->parts[i].pt == pt) {
			o->hint = i;
			return &o->parts[i];
		}
	return NULL;
}

static once_part *part_of(icp_once *o, const icp_part *pt)
{
	once_part *op = find_part(o, pt);
	if (op)
		return op;
	if (o->n_parts == o->cap_parts) {
		size_t ncap = o->cap_parts ? o->cap_parts * 2 : 16;
		once_part *np = icp_realloc(o->parts, ncap * sizeof(*np));
		if (!np)
			return NULL;
		o->parts = np;
		o->cap_parts = ncap;
	}
	op = &o->parts[o->n_parts];
	memset(op, 0, sizeof(*op));
	op->pt = pt;
	op->from = pt->committed_next;
	op->read_to = -1;
	if (pt->last_key)
		op->key = icp_strdup(pt->last_key);
	o->hint = o->n_parts++;
	return op;
}

static int same_key(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Notices that the segment being read was passed (its key became the
 * partition's last fully read one). A rewind (last_key NULL) passes
 * nothing: the data is read again. */
static void sync_part(once_part *op)
{
	const char *now = op->pt->last_key;
	if (same_key(op->key, now))
		return;
	if (op->reading && now) {
		op->done++;
		if (op->left)
			op->left--;
	}
	op->reading = 0;
	icp_free(op->key);
	op->key = now ? icp_strdup(now) : NULL;
}

static size_t table_index(const icp_processor *p, const icp_table *t)
{
	return (size_t)(t - p->tables);
}

static void progress_lines(icp_processor *p, uint64_t now)
{
	icp_once *o = p->once;
	double secs = (double)(now - o->line_ns) / 1e9;
	size_t i, j;

	for (i = 0; i < o->n_parts; i++)
		sync_part(&o->parts[i]);
	for (i = 0; i < p->n_tables; i++) {
		once_table *ot = &o->tables[i];
		uint64_t done = 0, left = 0;
		char rec[24], mbs[32], sd[24], sl[24], el[24];
		for (j = 0; j < o->n_parts; j++)
			if (o->parts[j].pt->table == &p->tables[i]) {
				done += o->parts[j].done;
				left += o->parts[j].left;
			}
		if (!ot->active && left == 0)
			continue;
		snprintf(mbs, sizeof(mbs), "%.1f",
		         secs > 0 ? (double)(ot->bytes - ot->bytes_line) / 1e6 / secs : 0.0);
		ICP_INFO("progress", "table", p->tables[i].map->table, "records",
		         u64s(rec, sizeof(rec), icp_sink_rows(&p->tables[i].sink)), "mb_per_s", mbs,
		         "segments_done", u64s(sd, sizeof(sd), done), "segments_left",
		         u64s(sl, sizeof(sl), left), "elapsed_s",
		         u64s(el, sizeof(el), (now - o->start_ns) / 1000000000u));
		ot->bytes_line = ot->bytes;
		ot->active = 0;
	}
	o->line_ns = now;
}

static void maybe_progress(icp_processor *p)
{
	uint64_t now = icp_mono_ns();
	if (now - p->once->line_ns >= p->once->interval_ns)
		progress_lines(p, now);
}

int icp_once_batch_done(icp_processor *p, icp_part *pt, const icp_batch *b)
{
	icp_once *o = p->once;
	if (o) {
		once_table *ot = &o->tables[table_index(p, pt->table)];
		ot->bytes += 12u + (uint64_t)(b->batch_length > 0 ? b->batch_length : 0);
		ot->active = 1;
		maybe_progress(p);
		if (p->stop && *p->stop)
			return 1; /* --once interrupted: stop at this batch boundary */
	}
	return icp_processor_past_deadline(p);
}

void icp_once_segment_begin(icp_processor *p, icp_part *pt, size_t left)
{
	once_part *op;
	if (!p->once || !(op = part_of(p->once, pt)))
		return;
	sync_part(op);
	op->left = left;
	op->reading = 1;
}

void icp_once_part_polled(icp_processor *p, icp_part *pt)
{
	once_part *op;
	if (!p->once)
		return;
	op = part_of(p->once, pt);
	if (op)
		sync_part(op);
	maybe_progress(p);
}

int icp_once_aborting(const icp_processor *p)
{
	return p->stop && *p->stop >= 2;
}

void icp_once_abandon(icp_processor *p, const char *why)
{
	size_t i;
	for (i = 0; i < p->n_tables; i++) {
		icp_table *t = &p->tables[i];
		if (!icp_table_busy(t))
			continue;
		if (p->once) {
			size_t j;
			p->once->tables[i].abandoned += icp_sink_rows(&t->sink);
			for (j = 0; j < p->n_parts; j++) {
				once_part *op = p->parts[j]->table == t ? part_of(p->once, p->parts[j]) : NULL;
				if (op)
					op->read_to = p->parts[j]->next;
			}
		}
		icp_table_discard(p, t, why);
	}
}

/* Snapshots this worker added on main since the start (newest first up
 * to the one main had then): their count, files and records. */
static void table_added(const icp_processor *p, const icp_table *t, int64_t start_main,
                        int64_t *newest, int64_t *files, int64_t *records)
{
	int64_t id = icp_ice_metadata_main_snapshot(t->meta);
	int guard = 0;
	*newest = -1;
	*files = *records = 0;
	while (id >= 0 && id != start_main && guard++ < 100000) {
		icp_ice_snapshot s;
		const char *w = icp_ice_metadata_summary(t->meta, id, "kafscale.writer");
		const char *f = icp_ice_metadata_summary(t->meta, id, "added-data-files");
		const char *r = icp_ice_metadata_summary(t->meta, id, "added-records");
		if (w && strcmp(w, p->cfg->processor.worker_id) == 0) {
			if (*newest < 0)
				*newest = id;
			*files += f ? strtoll(f, NULL, 10) : 0;
			*records += r ? strtoll(r, NULL, 10) : 0;
		}
		if (icp_ice_metadata_snapshot(t->meta, id, &s) != ICP_OK)
			break;
		id = s.parent_id;
	}
}

void icp_once_summary(icp_processor *p, const char *outcome)
{
	icp_once *o = p->once;
	char a[24], b[24], c[24], d[24], e[24];
	size_t i, j;

	if (!o)
		return;
	for (i = 0; i < o->n_parts; i++)
		sync_part(&o->parts[i]);
	for (i = 0; i < p->n_tables; i++) {
		icp_table *t = &p->tables[i];
		int64_t snap = -1, files = 0, records = 0;
		/* only when a commit of ours landed (t->meta is then at or past
		 * it); another writer's snapshots are not ours to report */
		if (t->last_commit_ms != o->tables[i].start_commit_ms)
			table_added(p, t, o->tables[i].start_main, &snap, &files, &records);
		ICP_INFO("once summary: table", "table", t->map->table, "snapshot",
		         snap >= 0 ? i64s(a, sizeof(a), snap) : "none", "files",
		         i64s(b, sizeof(b), files), "records", i64s(c, sizeof(c), records),
		         "abandoned_records", u64s(d, sizeof(d), o->tables[i].abandoned), "outcome",
		         outcome);
	}
	for (j = 0; j < p->n_parts; j++) {
		icp_part *pt = p->parts[j];
		once_part *op = find_part(o, pt);
		const char *status = "done";
		if (pt->stopped)
			status = "stopped";
		else if (pt->error)
			status = "error";
		else if (!icp_part_active(p, pt))
			status = "not owned";
		else if (op && op->read_to > pt->committed_next)
			status = "not committed"; /* read, then abandoned: read again next run */
		else if (p->stop && *p->stop && (!op || op->left || op->reading))
			status = "interrupted"; /* not listed yet, or segments left */
		ICP_INFO("once summary: partition", "table", pt->table->map->table, "topic", pt->topic,
		         "partition", i64s(a, sizeof(a), pt->partition), "from",
		         i64s(b, sizeof(b), op ? op->from : pt->committed_next), "to",
		         i64s(c, sizeof(c), pt->committed_next), "segments_done",
		         u64s(d, sizeof(d), op ? op->done : 0), "status", status,
		         pt->error ? "reason" : NULL, pt->error);
	}
	ICP_INFO("once finished", "outcome", outcome, "elapsed_ms",
	         u64s(e, sizeof(e), (icp_mono_ns() - o->start_ns) / 1000000u));
}

/*
 * The maintenance thread of run mode (maintenance.enabled): every
 * maintenance.interval_seconds it runs a pass over the mapped tables
 * (icp_proc_maintain_table, the pass of `iceberg-processor maintain`),
 * beside ingest and never blocking it.
 *
 * Ownership (docs/internals/threading.md):
 * - The thread owns its catalog, warehouse store and etcd client: it
 *   opens them itself (again after a failure) and frees them when it
 *   leaves. Ingest's catalog, stores and tables are never touched: a pass
 *   loads each table fresh from the catalog, and its commits meet
 *   ingest's as any other writer's (ingest reloads and retries on a
 *   conflict, commit.c).
 * - What the thread reads of the processor is copied at start (table
 *   names, store options; the config outlives the processor), except the
 *   worker's etcd lease id, which the main thread publishes after each
 *   etcd round (an atomic).
 * - Each table's last pass is kept here behind the mutex; the main thread
 *   copies it into /status when it publishes (icp_maintd_status). The
 *   mutex also guards the stop flag, which the condition variable the
 *   thread sleeps on signals: a stop wakes it at once.
 * - Metrics (kafscale_processor_maintenance_*): handles made at start,
 *   updated by the thread only (atomics).
 *
 * One worker per table: with offsets.backend etcd, a table is maintained
 * under the key <offsets.key_prefix>/maintenance/<table>, created only if
 * absent (txn version = 0), attached to the worker's etcd lease and
 * deleted after the pass: at most one worker maintains a table at a
 * time, and a dead worker's key goes with its lease. A table whose key
 * another worker holds is skipped this round. Every worker has its own
 * clock, so the end of a table's last pass is kept too, in
 * <prefix>/maintenance-last/<table> (written with the delete, no lease):
 * a worker that takes the key less than an interval after it gives it
 * back and skips the table, and the workers together maintain each table
 * about once an interval. Without etcd the process maintains every
 * table.
 *
 * Shutdown: icp_maintd_stop sets the flag and wakes the thread; a pass in
 * progress ends after its current step (each step commits or leaves the
 * table as it was; src/maint) and the remaining tables are skipped.
 */
#include "processor/proc_int.h"

#include "etcd/etcd.h"
#include "json/json.h"
#include "log/log.h"
#include "metrics/metrics.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define P "kafscale_processor_maintenance_"

enum { MD_PASSES, MD_FAILURES, MD_SKIPPED, MD_EXPIRED, MD_IN, MD_OUT, MD_ORPHANS, MD_BYTES,
       MD_LAST, MD_DURATION, MD_FAMILIES };

static const double duration_buckets[] = {0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600};

static const icp_metrics_desc md_descs[MD_FAMILIES] = {
	[MD_PASSES] = {ICP_METRICS_COUNTER, P "passes_total",
		"Maintenance passes run on a table (run mode), failed ones included.", {"table"},
		NULL, 0},
	[MD_FAILURES] = {ICP_METRICS_COUNTER, P "failures_total",
		"Maintenance passes of a table that failed.", {"table"}, NULL, 0},
	[MD_SKIPPED] = {ICP_METRICS_COUNTER, P "skipped_total",
		"Rounds in which another worker held the table's maintenance key (etcd), or no "
		"etcd lease was held: the table was not maintained by this worker.", {"table"},
		NULL, 0},
	[MD_EXPIRED] = {ICP_METRICS_COUNTER, P "snapshots_expired_total",
		"Snapshots removed by maintenance.", {"table"}, NULL, 0},
	[MD_IN] = {ICP_METRICS_COUNTER, P "files_compacted_in_total",
		"Data files replaced by compaction.", {"table"}, NULL, 0},
	[MD_OUT] = {ICP_METRICS_COUNTER, P "files_compacted_out_total",
		"Data files written by compaction.", {"table"}, NULL, 0},
	[MD_ORPHANS] = {ICP_METRICS_COUNTER, P "orphans_removed_total",
		"Orphan files removed by maintenance.", {"table"}, NULL, 0},
	[MD_BYTES] = {ICP_METRICS_COUNTER, P "bytes_freed_total",
		"Bytes of files deleted by maintenance.", {"table"}, NULL, 0},
	[MD_LAST] = {ICP_METRICS_GAUGE, P "last_pass_timestamp_seconds",
		"Unix time the last maintenance pass of the table ended (ok or not).", {"table"},
		NULL, 0},
	[MD_DURATION] = {ICP_METRICS_HISTOGRAM, P "pass_duration_seconds",
		"Duration of a table's maintenance pass.", {"table"}, duration_buckets,
		ICP_ARRAY_LEN(duration_buckets)},
};

/* A table's last pass, as /status shows it (under icp_maintd.mu). */
typedef struct md_last {
	int ran;                       /* a pass ended */
	int ok;
	char error[sizeof(((icp_error *)0)->msg)];
	int64_t ended_ms, duration_ms;
	icp_processor_maint_report rep; /* rep.table unused */
	uint64_t passes;
	int64_t skipped_ms;            /* last round another worker held it (0: none) */
} md_last;

typedef struct md_table {
	char *ns, *name, *label;       /* copies: the thread never reads icp_table */
	char *key;                     /* etcd: <prefix>/maintenance/<label> */
	char *last_key;                /* etcd: <prefix>/maintenance-last/<label> */
	icp_metrics_counter *m[MD_LAST];
	icp_metrics_gauge *m_last;
	icp_metrics_histogram *m_duration;
	md_last last;                  /* under mu */
} md_table;

struct icp_maintd {
	const icp_config *cfg;
	md_table *t;
	size_t n;
	icp_storage_opts store_opts;   /* the warehouse's (env.c) */
	int use_etcd;
	_Atomic int64_t lease;         /* the worker's etcd lease (main thread) */
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;             /* monotonic clock */
	int stop;                      /* under mu */
	/* the thread's own (opened and freed by it) */
	icp_storage *wh;
	icp_catalog *cat;
	icp_etcd *etcd;
};

/* ------------------------------------------------------------ stop */

static int stopping(void *arg)
{
	icp_maintd *m = arg;
	int s;
	pthread_mutex_lock(&m->mu);
	s = m->stop;
	pthread_mutex_unlock(&m->mu);
	return s;
}

/* Sleeps until ns (monotonic) or a stop; 1 when stopping. */
static int sleep_until(icp_maintd *m, uint64_t due_ns)
{
	int s;
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		struct timespec ts;
		uint64_t now = icp_mono_ns();
		if (now >= due_ns)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		{
			uint64_t at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
			              (due_ns - now);
			ts.tv_sec = (time_t)(at / 1000000000ull);
			ts.tv_nsec = (long)(at % 1000000000ull);
		}
		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
	}
	s = m->stop;
	pthread_mutex_unlock(&m->mu);
	return s;
}

/* ----------------------------------------------------------- handles */

static void handles_close(icp_maintd *m)
{
	icp_catalog_free(m->cat);
	icp_storage_free(m->wh);
	icp_etcd_free(m->etcd);
	m->cat = NULL;
	m->wh = NULL;
	m->etcd = NULL;
}

static int handles_open(icp_maintd *m, icp_error *err)
{
	const icp_config *cfg = m->cfg;
	int rc = ICP_OK;
	if (!m->wh)
		rc = icp_storage_open_ex(cfg->iceberg.warehouse, &m->store_opts, &m->wh, err);
	if (rc == ICP_OK && !m->cat) {
		icp_catalog_opts co;
		icp_proc_catalog_opts(cfg, m->wh, &co);
		rc = icp_catalog_open(&co, &m->cat, err);
	}
	if (rc == ICP_OK && m->use_etcd && !m->etcd) {
		icp_etcd_opts eo;
		int64_t t = cfg->offsets.lease_ttl_seconds * 1000 / 4;
		memset(&eo, 0, sizeof(eo));
		eo.endpoints = (const char *const *)cfg->etcd.endpoints.items;
		eo.n_endpoints = cfg->etcd.endpoints.n;
		eo.username = cfg->etcd.username;
		eo.password = cfg->etcd.password;
		eo.ca_file = cfg->etcd.tls.ca_file;
		eo.cert_file = cfg->etcd.tls.cert_file;
		eo.key_file = cfg->etcd.tls.key_file;
		/* as the coordinator's: one call well inside a keep-alive period */
		eo.timeout_ms = (int)(t < 500 ? 500 : t > 5000 ? 5000 : t);
		rc = icp_etcd_new(&eo, &m->etcd, err);
		if (rc != ICP_OK)
			icp_error_prefix(err, "etcd");
	}
	return rc;
}

/* ------------------------------------------------ the table's etcd key */

/* When the last pass of a table recorded in etcd (its -last key, any
 * worker's) ended less than an interval ago, less a tenth (at most 1 s)
 * so that a worker's own next round is never "too early": 1. */
static int recent(const icp_maintd *m, icp_arena *a, const icp_etcd_range_resp *r)
{
	int64_t iv = m->cfg->maintenance.interval_seconds * 1000, ended = 0;
	const icp_json *v;
	icp_json *root = NULL;
	icp_error e;
	if (r->n != 1)
		return 0;
	icp_error_init(&e);
	if (icp_json_parse(a, (const char *)r->kvs[0].value.ptr, r->kvs[0].value.len, NULL, &root,
	                   &e) != ICP_OK ||
	    !(v = icp_json_get(root, "ended_at")) || icp_json_as_int64(v, &ended) != ICP_OK)
		return 0; /* unreadable: maintain */
	return icp_now_ms() - ended < iv - (iv / 10 < 1000 ? iv / 10 : 1000);
}

/* Takes t's key under lease: *held = 1 when this worker holds it now
 * (created now, or left by an earlier pass of ours whose delete did not
 * go through), 0 when another worker does. *too_soon = 1 when the key
 * was taken but the table's last pass (any worker's) ended less than an
 * interval ago: give it back and skip the table, so that the workers
 * together maintain a table about once an interval. */
static int key_take(icp_maintd *m, md_table *t, int64_t lease, int *held, int *too_soon,
                    icp_error *err)
{
	icp_slice key = icp_slice_cstr(t->key);
	icp_arena *a = icp_arena_new(1024);
	icp_buf val;
	icp_etcd_cmp cmp;
	icp_etcd_op ok_ops[2], get;
	icp_etcd_txn txn;
	icp_etcd_txn_resp resp;
	int rc;

	*held = *too_soon = 0;
	icp_buf_init(&val, 0);
	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	icp_buf_append_str(&val, "{\"owner_id\":");
	icp_buf_append_json_str(&val, (const uint8_t *)m->cfg->processor.worker_id,
	                        strlen(m->cfg->processor.worker_id));
	icp_buf_printf(&val, ",\"started_at\":%lld}", (long long)icp_now_ms());
	if (val.status) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&cmp, 0, sizeof(cmp));
	cmp.target = ICP_ETCD_CMP_VERSION;
	cmp.op = ICP_ETCD_EQUAL;
	cmp.key = key;
	memset(ok_ops, 0, sizeof(ok_ops));
	ok_ops[0].type = ICP_ETCD_OP_PUT;
	ok_ops[0].key = key;
	ok_ops[0].value = icp_slice_make(val.data, val.len);
	ok_ops[0].lease = lease;
	ok_ops[1].type = ICP_ETCD_OP_GET;
	ok_ops[1].key = icp_slice_cstr(t->last_key);
	memset(&get, 0, sizeof(get));
	get.type = ICP_ETCD_OP_GET;
	get.key = key;
	memset(&txn, 0, sizeof(txn));
	txn.cmps = &cmp;
	txn.n_cmps = 1;
	txn.success = ok_ops;
	txn.n_success = 2;
	txn.failure = &get;
	txn.n_failure = 1;
	memset(&resp, 0, sizeof(resp));
	rc = icp_etcd_txn_do(m->etcd, a, &txn, &resp, err);
	if (rc == ICP_ERR_UNKNOWN) {
		/* applied or not: the key says (ours carries our lease) */
		icp_etcd_kv *kv = NULL;
		icp_error_clear(err);
		rc = icp_etcd_get(m->etcd, a, key, &kv, err);
		if (rc == ICP_ERR_NOT_FOUND) {
			icp_error_clear(err);
			rc = ICP_OK;
		} else if (rc == ICP_OK) {
			*held = kv->lease == lease;
		}
		goto out;
	}
	if (rc != ICP_OK)
		goto out;
	if (resp.succeeded) {
		*held = 1;
		*too_soon = resp.n_responses == 2 && recent(m, a, &resp.responses[1].range);
	} else if (resp.n_responses == 1 && resp.responses[0].range.n == 1) {
		*held = resp.responses[0].range.kvs[0].lease == lease;
	}
out:
	icp_buf_dispose(&val);
	icp_arena_free(a);
	return rc;
}

/* Deletes t's key if it still carries lease, and when a pass ran
 * (ended_ms > 0) records its end in the -last key (no lease: it outlives
 * the worker). A failure leaves the key to the next pass of ours
 * (key_take finds it ours) or to the lease's end. */
static void key_give(icp_maintd *m, md_table *t, int64_t lease, int64_t ended_ms)
{
	icp_slice key = icp_slice_cstr(t->key);
	icp_arena *a = icp_arena_new(512);
	icp_etcd_cmp cmp;
	icp_etcd_op ops[2];
	icp_etcd_txn txn;
	icp_etcd_txn_resp resp;
	icp_buf val;
	icp_error e;

	if (!a)
		return;
	icp_error_init(&e);
	icp_buf_init(&val, 0);
	icp_buf_append_str(&val, "{\"owner_id\":");
	icp_buf_append_json_str(&val, (const uint8_t *)m->cfg->processor.worker_id,
	                        strlen(m->cfg->processor.worker_id));
	icp_buf_printf(&val, ",\"ended_at\":%lld}", (long long)ended_ms);
	memset(&cmp, 0, sizeof(cmp));
	cmp.target = ICP_ETCD_CMP_LEASE;
	cmp.op = ICP_ETCD_EQUAL;
	cmp.key = key;
	cmp.number = lease;
	memset(ops, 0, sizeof(ops));
	ops[0].type = ICP_ETCD_OP_DELETE;
	ops[0].key = key;
	ops[1].type = ICP_ETCD_OP_PUT;
	ops[1].key = icp_slice_cstr(t->last_key);
	ops[1].value = icp_slice_make(val.data, val.len);
	memset(&txn, 0, sizeof(txn));
	txn.cmps = &cmp;
	txn.n_cmps = 1;
	txn.success = ops;
	txn.n_success = ended_ms > 0 && val.status == ICP_OK ? 2 : 1;
	memset(&resp, 0, sizeof(resp));
	if (icp_etcd_txn_do(m->etcd, a, &txn, &resp, &e) != ICP_OK)
		ICP_WARN("maintenance key not deleted; it goes with the worker's etcd lease",
		         "table", t->label, "err", e.msg);
	icp_buf_dispose(&val);
	icp_arena_free(a);
}

/* ------------------------------------------------------------ a pass */

static void record(icp_maintd *m, md_table *t, const icp_processor_maint_report *rep, int rc,
                   const icp_error *e, int64_t started_ms, int64_t ended_ms)
{
	char ms[24], exp[24], bytes[24], st[24], en[24], cin[24], cout[24], orph[24];
	double secs = (double)(ended_ms - started_ms) / 1000.0;

	icp_metrics_counter_inc(t->m[MD_PASSES]);
	if (rc != ICP_OK)
		icp_metrics_counter_inc(t->m[MD_FAILURES]);
	icp_metrics_counter_add(t->m[MD_EXPIRED], (uint64_t)rep->snapshots_expired);
	icp_metrics_counter_add(t->m[MD_IN], (uint64_t)rep->files_compacted_in);
	icp_metrics_counter_add(t->m[MD_OUT], (uint64_t)rep->files_compacted_out);
	icp_metrics_counter_add(t->m[MD_ORPHANS], (uint64_t)rep->orphans_removed);
	icp_metrics_counter_add(t->m[MD_BYTES], (uint64_t)rep->bytes_freed);
	icp_metrics_gauge_set(t->m_last, (double)ended_ms / 1000.0);
	icp_metrics_histogram_observe(t->m_duration, secs);

	pthread_mutex_lock(&m->mu);
	t->last.ran = 1;
	t->last.ok = rc == ICP_OK;
	snprintf(t->last.error, sizeof(t->last.error), "%s", rc == ICP_OK ? "" : e->msg);
	t->last.ended_ms = ended_ms;
	t->last.duration_ms = ended_ms - started_ms;
	t->last.rep = *rep;
	t->last.rep.table = NULL;
	t->last.passes++;
	pthread_mutex_unlock(&m->mu);

	snprintf(ms, sizeof(ms), "%lld", (long long)(ended_ms - started_ms));
	snprintf(exp, sizeof(exp), "%lld", (long long)rep->snapshots_expired);
	snprintf(bytes, sizeof(bytes), "%lld", (long long)rep->bytes_freed);
	snprintf(cin, sizeof(cin), "%lld", (long long)rep->files_compacted_in);
	snprintf(cout, sizeof(cout), "%lld", (long long)rep->files_compacted_out);
	snprintf(orph, sizeof(orph), "%lld", (long long)rep->orphans_removed);
	snprintf(st, sizeof(st), "%lld", (long long)started_ms);
	snprintf(en, sizeof(en), "%lld", (long long)ended_ms);
	if (rc == ICP_OK)
		ICP_INFO("maintenance pass", "table", t->label, "worker",
		         m->cfg->processor.worker_id, "files_compacted_in", cin,
		         "files_compacted_out", cout, "snapshots_expired", exp, "orphans_removed", orph,
		         "bytes_freed", bytes, "duration_ms", ms, "started_ms", st, "ended_ms", en);
	else
		ICP_ERROR("maintenance pass failed; retried next interval", "table", t->label,
		          "worker", m->cfg->processor.worker_id, "err", e->msg, "duration_ms", ms,
		          "started_ms", st, "ended_ms", en);
}

static void skipped(icp_maintd *m, md_table *t, const char *why)
{
	icp_metrics_counter_inc(t->m[MD_SKIPPED]);
	pthread_mutex_lock(&m->mu);
	t->last.skipped_ms = icp_now_ms();
	pthread_mutex_unlock(&m->mu);
	ICP_DEBUG("maintenance of the table skipped this round", "table", t->label, "reason", why);
}

static void pass_table(icp_maintd *m, md_table *t)
{
	icp_processor_maint_report rep;
	int64_t lease = 0, t0, t1;
	icp_error e;
	int rc, held = 1, too_soon = 0, ran;

	icp_error_init(&e);
	if (m->use_etcd) {
		lease = atomic_load(&m->lease);
		if (lease == 0) {
			skipped(m, t, "no etcd lease held");
			return;
		}
		rc = key_take(m, t, lease, &held, &too_soon, &e);
		if (rc != ICP_OK) {
			ICP_WARN("maintenance key not taken; table skipped this round", "table",
			         t->label, "err", e.msg);
			skipped(m, t, "etcd");
			return;
		}
		if (!held) {
			skipped(m, t, "another worker maintains it");
			return;
		}
		if (too_soon) {
			key_give(m, t, lease, 0);
			skipped(m, t, "maintained less than an interval ago");
			return;
		}
	}
	t0 = icp_now_ms();
	rc = icp_proc_maintain_table(m->cfg, m->cat, m->wh, t->ns, t->name, t->label, 0, stopping,
	                             m, &rep, &e);
	t1 = icp_now_ms();
	/* stopped before a step: nothing was done, nothing to record */
	ran = rc == ICP_OK || !stopping(m);
	if (ran)
		record(m, t, &rep, rc, &e, t0, t1);
	if (m->use_etcd)
		key_give(m, t, lease, ran ? t1 : 0);
}

static void *thread_main(void *arg)
{
	icp_maintd *m = arg;
	uint64_t interval = (uint64_t)m->cfg->maintenance.interval_seconds * 1000000000ull;
	uint64_t due = icp_mono_ns() + interval;

	while (!sleep_until(m, due)) {
		icp_error e;
		size_t i;
		icp_error_init(&e);
		if (handles_open(m, &e) != ICP_OK) {
			ICP_WARN("maintenance cannot reach the catalog or store; retried next interval",
			         "err", e.msg);
			handles_close(m); /* opened again from scratch */
		} else {
			for (i = 0; i < m->n && !stopping(m); i++)
				pass_table(m, &m->t[i]);
		}
		/* from the end of the pass: a slow pass never runs back to back */
		due = icp_mono_ns() + interval;
	}
	handles_close(m);
	return NULL;
}

/* ------------------------------------------------------------ public */

static char *key_of(const icp_config *cfg, const char *dir, const char *label)
{
	const char *pfx = cfg->offsets.key_prefix && *cfg->offsets.key_prefix
	                          ? cfg->offsets.key_prefix : "processors";
	size_t plen;
	icp_buf b;
	while (*pfx == '/')
		pfx++;
	plen = strlen(pfx);
	while (plen > 0 && pfx[plen - 1] == '/')
		plen--;
	icp_buf_init(&b, 0);
	icp_buf_append(&b, (const uint8_t *)pfx, plen);
	icp_buf_printf(&b, "/%s/%s", dir, label);
	icp_buf_append_byte(&b, 0);
	if (b.status) {
		icp_buf_dispose(&b);
		return NULL;
	}
	return (char *)icp_buf_detach(&b, NULL);
}

static int tables_init(icp_maintd *m, icp_processor *p, icp_error *err)
{
	icp_metrics_family *fam[MD_FAMILIES];
	size_t i, k;
	for (k = 0; k < MD_FAMILIES; k++) {
		int rc = icp_metrics_declare(icp_metrics_global(), &md_descs[k], &fam[k], err);
		if (rc != ICP_OK)
			return rc;
	}
	size_t n = 0;
	/* the mappings' tables, then their dead-letter tables (maintained
	 * the same way: they grow with every invalid record) */
	for (i = 0; i < p->n_tables; i++)
		n += p->tables[i].dlq ? 2 : 1;
	m->t = icp_calloc(n ? n : 1, sizeof(*m->t));
	if (!m->t)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	m->n = n;
	for (i = 0; i < n; i++) {
		md_table *t = &m->t[i];
		const icp_table *it = i < p->n_tables ? &p->tables[i] : NULL;
		if (!it) { /* the i - n_tables'th dead-letter table */
			size_t j, d = i - p->n_tables;
			for (j = 0; j < p->n_tables; j++)
				if (p->tables[j].dlq && d-- == 0)
					break;
			it = p->tables[j].dlq;
		}
		t->ns = icp_strdup(it->ns);
		t->name = icp_strdup(it->name);
		t->label = icp_strdup(it->map->table);
		t->key = key_of(m->cfg, "maintenance", it->map->table);
		t->last_key = key_of(m->cfg, "maintenance-last", it->map->table);
		if (!t->ns || !t->name || !t->label || !t->key || !t->last_key)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		/* every series up front: scrapes show 0 before the first pass */
		for (k = 0; k < MD_LAST; k++)
			t->m[k] = icp_metrics_counter_get(fam[k], ICP_METRICS_VALUES(t->label), NULL);
		t->m_last = icp_metrics_gauge_get(fam[MD_LAST], ICP_METRICS_VALUES(t->label), NULL);
		t->m_duration = icp_metrics_histogram_get(fam[MD_DURATION],
		                                          ICP_METRICS_VALUES(t->label), NULL);
	}
	return ICP_OK;
}

int icp_maintd_start(icp_processor *p, icp_maintd **out, icp_error *err)
{
	icp_maintd *m;
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc, e;

	*out = NULL;
	m = icp_calloc(1, sizeof(*m));
	if (!m)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	m->cfg = p->cfg;
	m->use_etcd = p->coord != NULL;
	atomic_init(&m->lease, 0);
	icp_proc_store_opts(p, 1, &m->store_opts);
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	rc = tables_init(m, p, err);
	if (rc != ICP_OK) {
		icp_maintd_free(m);
		return rc;
	}
	/* signals stay with the main thread (its handlers and waits) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&m->th, NULL, thread_main, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		icp_maintd_free(m);
		return icp_error_set(err, ICP_ERR_IO, "cannot start the maintenance thread: %s",
		                     strerror(e));
	}
	m->started = 1;
	*out = m;
	return ICP_OK;
}

void icp_maintd_stop(icp_maintd *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void icp_maintd_free(icp_maintd *m)
{
	size_t i;
	if (!m)
		return;
	if (m->started) {
		icp_maintd_stop(m);
		pthread_join(m->th, NULL);
	}
	for (i = 0; i < m->n; i++) {
		icp_free(m->t[i].ns);
		icp_free(m->t[i].name);
		icp_free(m->t[i].label);
		icp_free(m->t[i].key);
		icp_free(m->t[i].last_key);
	}
	icp_free(m->t);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	icp_free(m);
}

void icp_maintd_set_lease(icp_maintd *m, int64_t lease_id)
{
	if (m)
		atomic_store(&m->lease, lease_id);
}

void icp_maintd_status(icp_maintd *m, size_t i, icp_buf *b)
{
	md_last l;
	if (!m || i >= m->n) {
		icp_buf_append_str(b, ",\"maintenance\":null");
		return;
	}
	pthread_mutex_lock(&m->mu);
	l = m->t[i].last;
	pthread_mutex_unlock(&m->mu);
	icp_buf_printf(b, ",\"maintenance\":{\"interval_seconds\":%lld,\"passes\":%llu,"
	               "\"last_skipped_ms\":%lld,\"last_pass\":",
	               (long long)m->cfg->maintenance.interval_seconds,
	               (unsigned long long)l.passes, (long long)l.skipped_ms);
	if (!l.ran) {
		icp_buf_append_str(b, "null}");
		return;
	}
	icp_buf_printf(b, "{\"ended_ms\":%lld,\"duration_ms\":%lld,\"result\":\"%s\",\"error\":",
	               (long long)l.ended_ms, (long long)l.duration_ms, l.ok ? "ok" : "error");
	if (l.ok)
		icp_buf_append_str(b, "null");
	else
		icp_buf_append_json_str(b, (const uint8_t *)l.error, strlen(l.error));
	icp_buf_printf(b,
	               ",\"snapshots_expired\":%lld,\"snapshots_kept\":%lld,"
	               "\"manifest_lists_deleted\":%lld,\"manifests_deleted\":%lld,"
	               "\"data_files_deleted\":%lld,\"files_compacted_in\":%lld,"
	               "\"files_compacted_out\":%lld,\"orphans_removed\":%lld,\"bytes_freed\":%lld}}",
	               (long long)l.rep.snapshots_expired, (long long)l.rep.snapshots_kept,
	               (long long)l.rep.manifest_lists_deleted, (long long)l.rep.manifests_deleted,
	               (long long)l.rep.data_files_deleted, (long long)l.rep.files_compacted_in,
	               (long long)l.rep.files_compacted_out, (long long)l.rep.orphans_removed,
	               (long long)l.rep.bytes_freed);
}

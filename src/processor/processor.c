/*
 * Processor lifecycle: open stores and catalog, load the mapped tables,
 * then poll (discover partitions, read new segments into data files) and
 * commit every table on the commit interval, or once at the end for
 * --once. After each successful commit the local offsets cache is
 * rewritten (offsets.backend: local) — a cache for people and tools only:
 * progress is always read back from the tables.
 */
#include "processor/proc_int.h"

#include "log/log.h"
#include "pool/pool.h"
#include "registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int uses_registry_columns(const icp_config *cfg)
{
	size_t i;
	for (i = 0; i < cfg->n_mappings; i++)
		if (cfg->mappings[i].schema.source == ICP_SOURCE_REGISTRY)
			return 1;
	return 0;
}

/* ------------------------------------------------- start-up checks */

static int local_endpoint(const icp_config *cfg)
{
	return strncmp(cfg->s3.endpoint, "file://", 7) == 0;
}

static const char *endpoint_name(const icp_config *cfg)
{
	return cfg->s3.endpoint[0] ? cfg->s3.endpoint : "(AWS default)";
}

/* file://: the bucket is the directory <endpoint>/<bucket>. Checked
 * before the store is opened, which would create it: a mistyped bucket
 * must stop start-up, not become an empty bucket polled forever. */
static int check_local_bucket(const icp_config *cfg, icp_error *err)
{
	icp_buf dir;
	struct stat st;
	int rc = ICP_OK;

	icp_buf_init(&dir, 0);
	icp_buf_printf(&dir, "%s/%s", cfg->s3.endpoint + 7, cfg->s3.bucket);
	errno = 0;
	if (dir.status)
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	else if (stat((char *)dir.data, &st) != 0 || !S_ISDIR(st.st_mode))
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "segments bucket s3.bucket \"%s\" does not exist at s3.endpoint "
		                   "%s: directory %s: %s", cfg->s3.bucket, cfg->s3.endpoint,
		                   (char *)dir.data, errno ? strerror(errno) : "not a directory");
	else if (access((char *)dir.data, R_OK | X_OK) != 0)
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "segments bucket s3.bucket \"%s\" at s3.endpoint %s cannot be "
		                   "read: directory %s: %s", cfg->s3.bucket, cfg->s3.endpoint,
		                   (char *)dir.data, strerror(errno));
	icp_buf_dispose(&dir);
	return rc;
}

/* The storage prefix of a mapped topic: "{namespace}/{topic}/". */
static int topic_prefix_of(const icp_config *cfg, const char *topic, icp_buf *out, icp_error *err)
{
	icp_buf_init(out, 0);
	icp_buf_printf(out, "%s%s%s/", cfg->s3.namespace, cfg->s3.namespace[0] ? "/" : "", topic);
	return out->status ? icp_error_set(err, ICP_ERR_NOMEM, "out of memory") : ICP_OK;
}

/* One delimited LIST per mapped topic (its partitions, what discovery
 * lists too) before anything is created. The first one probes the
 * bucket: S3 answers NoSuchBucket (ICP_ERR_NOT_FOUND) or AccessDenied, a
 * wrong region, an untrusted certificate (ICP_ERR_IO): config errors
 * that waiting does not fix. An endpoint that does not answer stays
 * ICP_ERR_RETRYABLE (run mode waits for it). empty[i] = 1 when mapping
 * i's prefix holds nothing. */
static int probe_bucket(icp_processor *p, unsigned char *empty, icp_error *err)
{
	const icp_config *cfg = p->cfg;
	size_t i;
	int rc = ICP_OK;

	for (i = 0; rc == ICP_OK && i < cfg->n_mappings; i++) {
		icp_storage_listing l = {0};
		icp_buf pre;
		icp_error e;
		rc = topic_prefix_of(cfg, cfg->mappings[i].topic, &pre, err);
		if (rc != ICP_OK)
			break;
		icp_error_init(&e);
		rc = icp_storage_list(p->segments, (char *)pre.data, NULL, 1, &l, &e);
		if (rc == ICP_ERR_NOMEM)
			icp_error_set(err, rc, "%s", e.msg);
		else if (rc != ICP_OK)
			rc = icp_error_set(err,
			                   rc == ICP_ERR_NOT_FOUND || rc == ICP_ERR_IO ? ICP_ERR_INVALID
			                                                               : rc,
			                   "segments bucket s3.bucket \"%s\" at s3.endpoint %s cannot be "
			                   "listed: %s", cfg->s3.bucket, endpoint_name(cfg), e.msg);
		empty[i] = l.n == 0;
		icp_storage_list_dispose(&l);
		icp_buf_dispose(&pre);
	}
	return rc;
}

/* A mapped topic with nothing under {namespace}/{topic}/ is most often
 * a wrong namespace or topic name: say so now (and in /status, see
 * observe.c) instead of idling in silence. */
static void mark_empty_topics(icp_processor *p, const unsigned char *empty)
{
	size_t i;
	for (i = 0; i < p->n_tables; i++) {
		icp_table *t = &p->tables[i];
		icp_buf pre;
		icp_error e;
		icp_error_init(&e);
		t->no_objects = empty[i];
		if (!t->no_objects || topic_prefix_of(p->cfg, t->map->topic, &pre, &e) != ICP_OK)
			continue;
		ICP_WARN("no objects under the mapped topic's prefix; check s3.namespace and the "
		         "topic name", "topic", t->map->topic, "bucket", p->cfg->s3.bucket, "prefix",
		         (char *)pre.data);
		icp_buf_dispose(&pre);
	}
}

int icp_processor_new(const icp_config *cfg, icp_processor **out, icp_error *err)
{
	unsigned char *empty = NULL; /* per mapping: nothing under its prefix */
	icp_processor *p;
	icp_catalog_opts co;
	size_t i;
	int rc;

	*out = NULL;
	icp_log_setup(cfg->log.level, cfg->log.format == ICP_LOG_JSON);
	p = icp_calloc(1, sizeof(*p));
	if (!p)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	p->cfg = cfg;
	rc = icp_obs_init(p, err);
	if (rc != ICP_OK) {
		icp_free(p);
		return rc;
	}
	/* Before any store is opened: the split sets the upload concurrency. */
	rc = icp_proc_memory_open(p, err);
	if (rc != ICP_OK) {
		icp_free(p);
		return rc;
	}
	icp_segment_opts_init(&p->seg_opts);
	p->seg_opts.max_batch_bytes = (size_t)cfg->processor.max_batch_bytes;
	p->seg_opts.max_decompressed_bytes = (size_t)cfg->processor.max_decompressed_bytes;
	/* footer, header and index are hints (segread.c) */
	p->seg_opts.lenient_metadata = 1;
	p->txn_dec = icp_batch_decoder_new(&p->seg_opts);
	/* Outlives every table's Parquet writer (freed after them). */
	rc = p->txn_dec ? icp_pool_new((unsigned)cfg->processor.threads, 0, &p->pool, err)
	                : icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	if (rc == ICP_OK)
		rc = local_endpoint(cfg) ? check_local_bucket(cfg, err) : ICP_OK;
	if (rc == ICP_OK)
		rc = icp_processor_open_bucket(p, cfg->s3.bucket, &p->segments, err);
	if (rc == ICP_OK && !(empty = icp_calloc(cfg->n_mappings + 1, 1)))
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	if (rc == ICP_OK)
		rc = probe_bucket(p, empty, err);
	if (rc == ICP_OK) {
		icp_storage_opts o;
		icp_proc_store_opts(p, 1, &o);
		rc = icp_storage_open_ex(cfg->iceberg.warehouse, &o, &p->warehouse, err);
	}
	if (rc != ICP_OK)
		goto fail;
	icp_proc_catalog_opts(cfg, p->warehouse, &co);
	rc = icp_catalog_open(&co, &p->catalog, err);
	if (rc != ICP_OK)
		goto fail;
	/* One registry client (one cache) for validation and for the columns
	 * of registry-sourced mappings, so a changed document is seen by both. */
	if (cfg->schema.mode != ICP_SCHEMA_OFF || uses_registry_columns(cfg)) {
		icp_registry_opts ro;
		memset(&ro, 0, sizeof(ro));
		ro.base_url = cfg->schema.registry.base_url;
		ro.timeout_seconds = cfg->schema.registry.timeout_seconds;
		ro.cache_seconds = cfg->schema.registry.cache_seconds;
		rc = icp_registry_new(&ro, &p->registry, err);
		if (rc != ICP_OK)
			goto fail;
	}
	/* One Confluent Schema Registry client for every confluent mapping:
	 * schemas by id are shared (one lookup per id per process). */
	for (i = 0; i < cfg->n_mappings; i++)
		if (cfg->mappings[i].schema.source == ICP_SOURCE_CONFLUENT)
			break;
	if (i < cfg->n_mappings) {
		icp_csr_opts so;
		memset(&so, 0, sizeof(so));
		so.url = cfg->schema.confluent.url;
		so.username = *cfg->schema.confluent.username ? cfg->schema.confluent.username : NULL;
		so.password = *cfg->schema.confluent.password ? cfg->schema.confluent.password : NULL;
		so.token = *cfg->schema.confluent.token ? cfg->schema.confluent.token : NULL;
		so.ca_bundle = cfg->schema.confluent.ca_bundle;
		so.timeout_seconds = cfg->schema.confluent.timeout_seconds;
		so.cache_seconds = cfg->schema.confluent.cache_seconds;
		rc = icp_csr_new(&so, &p->csr, err);
		if (rc != ICP_OK)
			goto fail;
	}
	p->tables = icp_calloc(cfg->n_mappings ? cfg->n_mappings : 1, sizeof(*p->tables));
	if (!p->tables) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < cfg->n_mappings; i++) {
		rc = icp_table_open(p, &p->tables[i], &cfg->mappings[i], err);
		p->n_tables = i + 1;
		if (rc == ICP_OK) {
			icp_obs_table_init(p, &p->tables[i]);
			rc = icp_filter_open(p, &p->tables[i], err);
		}
		if (rc == ICP_OK)
			rc = icp_table_open_dlq(p, &p->tables[i], err);
		if (rc == ICP_OK && p->tables[i].dlq)
			icp_obs_table_init(p, p->tables[i].dlq);
		if (rc != ICP_OK)
			goto fail;
	}
	mark_empty_topics(p, empty);
	rc = icp_proc_coord_open(p, err);
	if (rc != ICP_OK)
		goto fail;
	p->catalog_ok_ns = icp_mono_ns();
	icp_free(empty);
	*out = p;
	return ICP_OK;
fail:
	icp_free(empty);
	icp_processor_free(p);
	return rc;
}

void icp_processor_free(icp_processor *p)
{
	size_t i;
	if (!p)
		return;
	for (i = 0; i < p->n_parts; i++)
		icp_part_free(p->parts[i]);
	icp_free(p->parts);
	icp_once_free(p->once);
	icp_maintd_free(p->maintd); /* before the etcd lease its keys use */
	icp_proc_coord_close(p);
	for (i = 0; i < p->n_tables; i++)
		icp_table_dispose(&p->tables[i]);
	icp_pool_free(p->pool);
	icp_registry_free(p->registry);
	icp_csr_free(p->csr);
	icp_free(p->tables);
	icp_catalog_free(p->catalog);
	icp_storage_free(p->warehouse);
	icp_storage_free(p->segments);
	icp_batch_decoder_free(p->txn_dec);
	icp_proc_memory_close(p); /* after every holder gave its bytes back */
	icp_free(p);
}

/* offsets.backend local: {"topic/partition": {"offset": last written,
 * "last_timestamp_ms": ms, "updated_at": ms}} (the etcd value shape),
 * written atomically (temp file + rename). */
static void write_local_cache(icp_processor *p)
{
	const char *path = p->cfg->offsets.local_path;
	icp_buf b, tmp;
	size_t i;
	int fd, first = 1;

	if (p->cfg->offsets.backend != ICP_OFFSETS_LOCAL || !path[0])
		return;
	icp_buf_init(&b, 0);
	icp_buf_init(&tmp, 0);
	icp_buf_append_byte(&b, '{');
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->committed_next <= 0)
			continue;
		if (!first)
			icp_buf_append_byte(&b, ',');
		first = 0;
		icp_buf_append_json_str(&b, (const uint8_t *)pt->tp, strlen(pt->tp));
		icp_buf_printf(&b, ":{\"offset\":%lld,\"last_timestamp_ms\":%lld,\"updated_at\":%lld}",
		               (long long)pt->committed_next - 1, (long long)pt->committed_ts,
		               (long long)icp_now_ms());
	}
	icp_buf_append_str(&b, "}\n");
	icp_buf_printf(&tmp, "%s.tmp", path);
	{ /* make the parent directory */
		char *dir = icp_strdup(path), *s = dir ? strrchr(dir, '/') : NULL;
		if (s && s != dir) {
			char *q;
			*s = 0;
			for (q = dir + 1; *q; q++)
				if (*q == '/') {
					*q = 0;
					mkdir(dir, 0755);
					*q = '/';
				}
			mkdir(dir, 0755);
		}
		icp_free(dir);
	}
	fd = b.status || tmp.status ? -1 : open((char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0 ||
	    rename((char *)tmp.data, path) != 0) {
		icp_metrics_counter_inc(p->m_err_checkpoint);
		ICP_WARN("cannot write the local offsets cache", "path", path, "err", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	icp_buf_dispose(&b);
	icp_buf_dispose(&tmp);
}

/* Partitions are listed at start and then every DISCOVER_EVERY polls: a
 * topic-level delimiter LIST costs one request per 1,000 partitions, but
 * doing it on every poll would add to the per-partition LISTs that an
 * idle poll already costs. */
#define DISCOVER_EVERY 10

/* A turn: how long one partition reads while others wait. Long enough
 * that resuming (a LIST and a ranged GET) costs nothing noticeable, short
 * enough that every table's commit interval holds during a backlog. */
#define TURN_NS (250ull * 1000000ull)
#define TURN_ALONE_NS (1000ull * 1000000ull)

static int commit_tables(icp_processor *p, int only_due, icp_error *err);

/* One turn for every active partition. One partition's failure (an
 * object that cannot be read right now) does not hold the others back:
 * it is logged with the partition and the first one is reported. */
static int poll_turns(icp_processor *p, size_t active, int first, int *progress, int *more,
                      icp_error *err)
{
	size_t i;
	int rc = ICP_OK;
	*more = 0;
	if (first) {
		/* every active partition's LIST at once, not one per turn;
		 * nothing listed by an earlier poll is used */
		icp_part **list = active > 1 ? icp_calloc(active, sizeof(*list)) : NULL;
		size_t n = 0;
		for (i = 0; i < p->n_parts; i++) {
			icp_part_prelist_drop(p->parts[i]);
			if (list && n < active && icp_part_active(p, p->parts[i]))
				list[n++] = p->parts[i];
		}
		if (n > 1)
			icp_parts_prelist(p, list, n);
		icp_free(list);
	}
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		icp_error e;
		int r, pmore = 0;
		if (p->stop && *p->stop)
			break;
		if (!first && !pt->turn_more)
			continue; /* had nothing left: listed again next poll */
		if (icp_proc_coord_due(p)) {
			/* a long round: keep the leases alive */
			icp_error_init(&e);
			if (icp_proc_coord_round(p, &e) != ICP_OK)
				ICP_WARN("etcd round failed; retrying", "err", e.msg);
		}
		if (!icp_part_active(p, pt))
			continue;
		icp_error_init(&e);
		/* turns only matter where commits wait on them (run mode):
		 * --once commits at its end. A lone partition reading a backlog
		 * takes longer turns (each costs a LIST; its read stays open),
		 * so its table still commits on its interval, at most 1 s late */
		p->turn_end_ns = !p->commit_in_turns ? 0
		                 : icp_mono_ns() + (active > 1 ? TURN_NS : TURN_ALONE_NS);
		p->turn_table = pt->table;
		r = icp_part_poll(p, pt, progress, &pmore, &e);
		p->turn_end_ns = 0;
		p->turn_table = NULL;
		pt->turn_more = pmore;
		*more |= pmore;
		icp_obs_tick(p);
		icp_once_part_polled(p, pt);
		if (p->commit_in_turns || icp_sink_count(&pt->table->sink) >= ICP_PROC_MAX_CLOSED_FILES) {
			/* run mode: a table whose interval passed commits now,
			 * whatever backlog other tables are reading; any mode: a
			 * table holding too many closed files */
			icp_error ce;
			icp_error_init(&ce);
			if (commit_tables(p, p->commit_in_turns ? 1 : 2, &ce) != ICP_OK)
				icp_processor_health_set(p->health, 0, ce.msg);
		}
		if (r == ICP_OK)
			continue;
		{
			char num[16];
			snprintf(num, sizeof(num), "%d", pt->partition);
			ICP_ERROR("reading partition failed; retrying next poll", "topic", pt->topic,
			          "partition", num, "err", e.msg);
		}
		icp_part_set_error(pt, e.msg);
		if (rc == ICP_OK) {
			rc = icp_error_set(err, r, "topic %s partition %d: %s", pt->topic, pt->partition,
			                   e.msg);
			icp_processor_health_set(p->health, 0, err->msg);
		}
	}
	return rc;
}

/* discovery.mode: etcd (the KafScale metadata snapshot), auto (the
 * snapshot when there is one, else S3), s3 (list the bucket). */
static int discover(icp_processor *p, icp_error *err)
{
	if (p->cfg->discovery.mode != ICP_DISCOVERY_S3 && p->coord) {
		int rc = icp_proc_coord_discover(p, err);
		if (rc == ICP_OK || rc != ICP_ERR_NOT_FOUND ||
		    p->cfg->discovery.mode == ICP_DISCOVERY_ETCD)
			return rc;
		icp_error_clear(err);
	}
	return icp_parts_discover(p, err);
}

static int poll_all(icp_processor *p, int *progress, icp_error *err)
{
	size_t i, active = 0;
	int rc, more;

	if (p->polls++ % DISCOVER_EVERY == 0) {
		rc = discover(p, err);
		if (rc != ICP_OK) {
			icp_metrics_counter_inc(p->m_err_discover);
			icp_error_prefix(err, "discover");
			ICP_ERROR("discovering partitions failed; retrying next poll", "err", err->msg);
			icp_processor_health_set(p->health, 0, err->msg);
			return rc;
		}
		icp_obs_publish(p); /* /status lists the partitions from the start */
	}
	p->coord_failed = 0;
	if (p->coord) {
		rc = icp_proc_coord_round(p, err);
		if (rc != ICP_OK) {
			/* leases stay trusted until their local deadline; not ready
			 * until a round succeeds again */
			ICP_WARN("etcd round failed; retrying next poll", "err", err->msg);
			icp_processor_health_set(p->health, 0, err->msg);
			p->coord_failed = 1;
			icp_error_clear(err);
		}
	}
	/* Partitions take turns while more than one has work: round robin
	 * until none has more. */
	for (i = 0; i < p->n_parts; i++)
		active += icp_part_active(p, p->parts[i]);
	rc = poll_turns(p, active, 1, progress, &more, err);
	while (more && !(p->stop && *p->stop)) {
		icp_error e;
		icp_error_init(&e);
		if (poll_turns(p, active, 0, progress, &more, &e) != ICP_OK && rc == ICP_OK) {
			rc = e.status;
			*err = e;
		}
	}
	return rc;
}

/* Commits every table, or (only_due) those whose commit interval has
 * passed since their last commit; each table keeps its own clock. */
static int commit_tables(icp_processor *p, int only_due, icp_error *err)
{
	uint64_t now = icp_mono_ns(),
		 interval = (uint64_t)p->cfg->processor.commit_interval_seconds * 1000000000u;
	size_t i;
	int rc = ICP_OK, any = 0;
	for (i = 0; i < p->n_tables; i++) {
		icp_error e, re;
		int r;
		if (icp_once_aborting(p))
			break; /* a second signal: the rest is abandoned */
		/* only_due 1: interval passed or too many closed files; 2: the
		 * latter only (--once) */
		if (only_due && icp_sink_count(&p->tables[i].sink) < ICP_PROC_MAX_CLOSED_FILES &&
		    (only_due == 2 || now - p->tables[i].commit_from_ns < interval))
			continue;
		p->tables[i].commit_from_ns = now;
		icp_error_init(&e);
		r = icp_table_commit(p, &p->tables[i], &e);
		/* also after a failed commit (expired credentials may be why);
		 * its own error object: e still says why the commit failed */
		icp_error_init(&re);
		if (icp_table_vended_renew(p, &p->tables[i], &re) != ICP_OK)
			ICP_WARN("renewing the S3 settings vended by the catalog failed; retrying",
			         "table", p->tables[i].map->table, "err", re.msg);
		if (r == ICP_OK && icp_table_registry_recheck(p, &p->tables[i], &e) != ICP_OK) {
			/* the commit stands; the table keeps its schema */
			if (e.status == ICP_ERR_INVALID)
				ICP_ERROR("registry schema change refused; writing with the table's "
				          "current schema", "table", p->tables[i].map->table, "err", e.msg);
			else
				ICP_WARN("registry schema change not applied yet; retrying after the "
				         "next commit", "table", p->tables[i].map->table, "err", e.msg);
			icp_error_clear(&e);
		}
		if (r != ICP_OK) {
			icp_metrics_counter_inc(p->m_err_sink);
			ICP_ERROR("commit failed; data stays buffered for the next attempt", "table",
			          p->tables[i].map->table, "err", e.msg);
			if (rc == ICP_OK) {
				rc = r;
				icp_error_set(err, r, "%s", e.msg);
			}
		} else {
			any = 1;
		}
	}
	if (any) {
		write_local_cache(p);
		icp_proc_coord_offsets(p);
	}
	return rc;
}

static int commit_all(icp_processor *p, icp_error *err)
{
	return commit_tables(p, 0, err);
}

int icp_processor_run_once(icp_processor *p, volatile sig_atomic_t *stop, icp_error *err)
{
	int rc, round;
	const char *outcome;

	p->stop = stop;
	rc = icp_once_begin(p, err);
	if (rc != ICP_OK)
		return rc;
	/* A discard (corrupt segment, lost race) rewinds partitions: poll again
	 * until a round reads nothing new, a few rounds at most. */
	for (round = 0; round < 4 && !(stop && *stop); round++) {
		int progress = 0;
		rc = poll_all(p, &progress, err);
		if (rc != ICP_OK || !progress)
			break;
	}
	/* From here on, a signal (or the one that stopped the reads) gives
	 * the commits until the shutdown deadline, as in run mode. */
	p->deadline_ns =
		icp_mono_ns() + (uint64_t)p->cfg->processor.shutdown_timeout_seconds * 1000000000u;
	if (stop && *stop)
		ICP_INFO(icp_once_aborting(p) ? "interrupted twice: abandoning what was read"
		                              : "interrupted: committing what was read");
	if (rc == ICP_OK && !icp_once_aborting(p))
		rc = commit_all(p, err);
	/* Whatever is still uncommitted (a failed commit, a poll error, an
	 * abort) will be read again by the next run: drop its files now
	 * rather than leave orphans (kept when the table is in doubt). */
	icp_once_abandon(p, icp_once_aborting(p) ? "interrupted twice"
	                                         : "not committed by this --once run");
	icp_obs_publish(p);
	if (rc == ICP_OK && p->any_corrupt)
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "one or more partitions stopped on a corrupt segment or an invalid "
		                   "record (see the "
		                   "error log lines); the other partitions were committed");
	if (rc != ICP_OK && rc != ICP_ERR_CORRUPT)
		outcome = "failed";
	else if (stop && *stop >= 2)
		outcome = "aborted";
	else if (stop && *stop)
		outcome = "interrupted";
	else if (rc == ICP_ERR_CORRUPT)
		outcome = "partitions stopped";
	else
		outcome = "complete";
	icp_once_summary(p, outcome);
	return rc;
}

/* Readiness needs the catalog to answer. Commits prove it; when none
 * happened lately (idle), a table load does, at most every
 * PROBE_EVERY_NS. */
#define PROBE_EVERY_NS (10ull * 1000000000ull)

static int catalog_probe(icp_processor *p, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	int rc;
	if (p->n_tables == 0 || icp_mono_ns() - p->catalog_ok_ns < PROBE_EVERY_NS)
		return ICP_OK;
	rc = icp_catalog_load_table(p->catalog, p->tables[0].ns, p->tables[0].name, &m, err);
	icp_ice_metadata_free(m);
	if (rc == ICP_OK)
		p->catalog_ok_ns = icp_mono_ns();
	else
		icp_error_prefix(err, "catalog");
	return rc;
}

int icp_processor_run(icp_processor *p, volatile sig_atomic_t *stop, icp_error *err)
{
	uint64_t poll_ns = (uint64_t)p->cfg->processor.poll_interval_seconds * 1000000000u;
	uint64_t t_stop;
	int rc = ICP_OK;

	p->stop = stop;
	p->commit_in_turns = 1;
	for (t_stop = 0; t_stop < p->n_tables; t_stop++)
		p->tables[t_stop].commit_from_ns = icp_mono_ns();
	if (p->cfg->maintenance.enabled && p->n_tables > 0 && !p->maintd) {
		/* its own thread, catalog and stores: ingest never waits on it */
		rc = icp_maintd_start(p, &p->maintd, err);
		if (rc != ICP_OK)
			return rc;
	}
	while (!*stop) {
		int progress = 0, ok;
		uint64_t t0 = icp_mono_ns();
		icp_error e;
		icp_error_init(&e);
		rc = poll_all(p, &progress, &e);
		ok = rc == ICP_OK && !p->coord_failed; /* etcd down: stays not ready */
		if (!*stop) {
			icp_error_init(&e);
			if (commit_tables(p, 1, &e) != ICP_OK) {
				ok = 0;
				icp_processor_health_set(p->health, 0, e.msg);
			}
		}
		if (ok && !*stop) {
			icp_error_init(&e);
			if (catalog_probe(p, &e) != ICP_OK) {
				ok = 0;
				ICP_WARN("catalog does not answer", "err", e.msg);
				icp_processor_health_set(p->health, 0, e.msg);
			}
		}
		if (ok)
			icp_processor_health_set(p->health, 1, NULL);
		icp_obs_publish(p);
		while (!*stop && icp_mono_ns() - t0 < poll_ns) {
			struct timespec ts = {0, 100000000};
			nanosleep(&ts, NULL);
		}
	}
	/* Stop: no new reads; commit what is buffered within the deadline.
	 * Past it, commits give up: uncommitted data is simply read again by
	 * whoever processes the partition next (nothing is lost). */
	t_stop = icp_mono_ns();
	p->deadline_ns = t_stop + (uint64_t)p->cfg->processor.shutdown_timeout_seconds * 1000000000u;
	icp_processor_health_set(p->health, 0, "shutting down");
	icp_maintd_stop(p->maintd); /* no new step while ingest commits */
	ICP_INFO("stopping: committing buffered data");
	rc = commit_all(p, err);
	icp_once_abandon(p, "not committed before stopping"); /* no orphan files */
	icp_obs_publish(p);
	icp_maintd_free(p->maintd); /* joins: its current step ends */
	p->maintd = NULL;
	{
		char ms[24];
		snprintf(ms, sizeof(ms), "%llu", (unsigned long long)((icp_mono_ns() - t_stop) / 1000000u));
		ICP_INFO("stopped", "shutdown_ms", ms, "committed", rc == ICP_OK ? "all" : "partial");
	}
	return rc;
}
